"""The help texts of the entry schema (portal/registry/schema.json `description`s), marked for
translation: the editor and the schema page show them through gettext. A test checks that this
list and the schema agree; after changing a description, change it here too."""

from portal.web.i18n import N_

DESCRIPTIONS = (
    N_(
        "Export complet du registre (/registry/export.json). Une fiche suit $defs/system ; la correspondance avec l'ATRS (Royaume-Uni), le registre néerlandais des algorithmes, l'annexe VIII de l'AI Act et l'article L312-1-3 du CRPA est décrite dans docs/registry-schema.md."
    ),
    N_("version du schéma suivie par l'export (voir /registry/schema)"),
    N_("date AAAA-MM-JJ"),
    N_("identifiant stable dans l'adresse : lettres minuscules, chiffres et tirets"),
    N_("nom du système"),
    N_("autres noms sous lesquels on le cherche (synonymes)"),
    N_("ce que fait le système, en une ou deux phrases simples"),
    N_("pourquoi la ville l'utilise"),
    N_("texte Markdown en langage clair : ce que le système fait pour l'habitant"),
    N_("service responsable"),
    N_("étude, test, déployé ou retiré"),
    N_("date d'entrée dans chaque statut"),
    N_("fournisseur et produit"),
    N_(
        "pour l'IA générative : modèle, version, lieu d'exécution, réutilisation des entrées par le fournisseur"
    ),
    N_("où tournent le système et ses données"),
    N_("données utilisées et durée de conservation"),
    N_("conservation des enregistrements"),
    N_("conservation des transcriptions"),
    N_("données personnelles, base légale, AIPD"),
    N_("lien vers l'analyse d'impact (AIPD) ou son état"),
    N_("catégorie de risque AI Act et raisonnement"),
    N_(
        "catégorie de risque de l'AI Act : minimal, limited (obligation de transparence), high, ou not-ai (hors champ)"
    ),
    N_("qui vérifie quoi, et quand"),
    N_("comment joindre une personne au lieu de la machine"),
    N_("comment éviter la machine"),
    N_(
        "où l'habitant rencontre le système et comment ses productions sont signalées comme faites par une IA"
    ),
    N_(
        "fonde-t-il des décisions administratives individuelles (CRPA L312-1-3, L311-3-1) et comment les contester"
    ),
    N_("limites et risques connus"),
    N_("mesures qui réduisent ces risques"),
    N_("comment le système est évalué"),
    N_("coûts : investissement ou coût annuel, subventions"),
    N_("effets mesurés"),
    N_("chiffres de fonctionnement par période"),
    N_("engagements de la charte : identifiant de l'article et comment le système le respecte"),
    N_("catégories de personnes et groupes concernés par le système (AI Act, article 27(1)(c))"),
    N_(
        "fiche d'inventaire des algorithmes publics (Etalab) : décisions par an, niveau d'automatisation, type d'algorithme, base légale de la décision"
    ),
    N_("nombre de décisions individuelles prises chaque année avec l'aide du système"),
    N_(
        "niveau d'automatisation : aucune décision (none), aide à la décision (decision-support), décision automatisée (automated-decision)"
    ),
    N_(
        "type d'algorithme : règles explicites (rules), apprentissage automatique (machine-learning), IA générative (generative), mixte (mixed)"
    ),
    N_(
        "texte qui fonde la décision administrative elle-même (pas seulement le traitement des données)"
    ),
    N_("modèle utilisé et sa version (ATRS)"),
    N_(
        "solutions envisagées avant de choisir ce système, et pourquoi elles ont été écartées (ATRS)"
    ),
    N_("tiers et sous-traitants qui reçoivent des données, leur rôle et leur localisation (ATRS)"),
    N_(
        "voies de recours au-delà du contact : recours gracieux, médiateur, Défenseur des droits, CADA, tribunal administratif (ATRS)"
    ),
    N_("journal des incidents : date, ce qui s'est passé, ce qui a été fait (ATRS)"),
    N_("mention réellement montrée aux personnes, canal par canal (AI Act, article 50)"),
    N_(
        "canal : conversation écrite, voix, courrier ou courriel, documents, page web, réunion, autre"
    ),
    N_(
        "pour un texte généré publié pour informer le public : qui le relit et qui en porte la responsabilité éditoriale (AI Act, article 50(4))"
    ),
    N_(
        "vérification, pratique par pratique, des interdictions de l'article 5 de l'AI Act (no : absente, yes : présente)"
    ),
    N_(
        "enregistrement d'un système à haut risque par la ville déployeuse (AI Act, annexe VIII, section C)"
    ),
    N_("C3 : adresse de la fiche du système, par son fournisseur, dans la base de données de l'UE"),
    N_("date de la prochaine revue de la fiche"),
    N_("ce que la ville a publié sur ce système"),
)
