"""Deterministic demo content for the consultation: comments, replies, supports, proposals, answers.

All text comes from templates written for this project; a seeded random generator combines them,
so the same seed always gives the same consultation.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from portal.consultation.charter.source import ClauseSource

RESIDENTS = (
    "Nadia B.", "Julien M.", "Claire D.", "Ahmed K.", "Sophie L.", "Marc-Antoine R.", "Inès T.",
    "Paul V.", "Fatou S.", "Hélène G.", "Thomas P.", "Yasmine H.", "Bernard C.", "Léa F.",
)  # fmt: skip

# Comments by theme of clause (keyed by slug); {topic} is replaced by a detail of the clause.
BY_SLUG: dict[str, tuple[str, ...]] = {
    "decision-humaine": (
        "Très bien que ce soit écrit noir sur blanc : une machine ne doit pas décider à notre place.",
        "Comment saura-t-on qu'un agent a vraiment relu le dossier et pas juste validé la proposition ?",
        "Il faudrait préciser le délai laissé à l'agent, sinon la relecture restera théorique.",
        "Pour les places en crèche, j'aimerais savoir si un logiciel intervient déjà aujourd'hui.",
    ),
    "finalite": (
        "Bonne idée d'exiger qu'on explique le besoin avant d'acheter un outil.",
        "Qui décide qu'une solution plus simple suffit ? Il faudrait un avis extérieur.",
        "On devrait publier cette description du besoin avant chaque projet, pas après.",
    ),
    "transparence": (
        "Le registre est une excellente chose, à condition qu'il soit tenu à jour.",
        "Il faudrait indiquer aussi le nom du fournisseur et le montant du contrat.",
        "Est-ce que les réponses du chatbot seront clairement signalées comme automatiques ?",
        "Merci de rendre le registre lisible par quelqu'un qui n'est pas informaticien.",
    ),
    "contact-humain": (
        "Le plus important pour moi : pouvoir parler à quelqu'un sans se battre avec un robot.",
        "Ma mère de 82 ans ne comprend pas les serveurs vocaux, il faut un numéro direct.",
        "Le rappel dans la journée, c'est bien, mais qu'en est-il le samedi ?",
        "Il faudrait que le mot « agent » marche dès la première phrase, pas après trois menus.",
        "J'ai appelé la semaine dernière, le robot m'a bien passé quelqu'un. À garder !",
    ),
    "explication": (
        "Un mois pour répondre, c'est long quand on attend une aide.",
        "Il faudrait un modèle de courrier pour demander ces explications facilement.",
        "Le recours au médiateur est une bonne garantie, il faut le faire connaître.",
    ),
    "egalite": (
        "Qui vérifie que les personnes âgées ne sont pas désavantagées ? Il faudrait des chiffres.",
        "Le serveur vocal comprend mal les accents, j'en ai fait l'expérience.",
        "Pensez aux personnes sourdes et malentendantes : un canal écrit doit toujours exister.",
    ),
    "fiabilite": (
        "Le chatbot m'a donné de mauvais horaires pour la déchetterie, donc oui, il faut relire.",
        "Très bien que l'outil dise quand il ne sait pas au lieu d'inventer.",
        "Huit jours pour corriger une erreur, c'est raisonnable si c'est tenu.",
    ),
    "donnees": (
        "Trois mois de conservation des appels, c'est encore trop à mon avis.",
        "Je veux être sûr que mes données ne servent pas à entraîner le modèle d'une entreprise américaine.",
        "Il faudrait pouvoir refuser l'enregistrement de son appel.",
        "L'analyse d'impact doit être publiée en entier, pas seulement sa conclusion.",
    ),
    "hebergement": (
        "Hébergement en Europe : indispensable. Et chez qui exactement ?",
        "Que se passe-t-il en cas de fuite de données ? Serons-nous prévenus individuellement ?",
    ),
    "sobriete": (
        "Enfin un article sur l'environnement, l'IA consomme énormément d'énergie.",
        "Il faudrait des chiffres concrets de consommation, pas seulement des intentions.",
        "Un petit modèle suffit souvent, bonne idée de le préciser.",
    ),
    "formation": (
        "Les agents doivent être formés, mais les habitants aussi : pourquoi pas des ateliers ?",
        "La formation devrait inclure les risques d'erreur, pas seulement l'utilisation.",
    ),
    "conditions-travail": (
        "Bien de dire que l'analyse des appels ne sert pas à surveiller les agents.",
        "Les syndicats ont-ils été consultés sur le centre de contact unique ?",
        "J'espère que l'IA ne servira pas à supprimer des postes d'accueil.",
    ),
    "ia-generative": (
        "Copilot pour les agents, pourquoi pas, mais quels courriers sont concernés ?",
        "Interdire les données de santé dans ces outils, c'est le minimum.",
        "Un courrier écrit par une IA devrait le mentionner en bas de page.",
    ),
    "comptes-rendus": (
        "Très bien de citer le procès-verbal mot pour mot plutôt que de le résumer.",
        "Pouvoir chercher dans les délibérations, c'est une vraie avancée pour la transparence.",
    ),
    "achats": (
        "Les logiciels libres devraient être la règle et non une préférence.",
        "La réversibilité est essentielle : on ne doit pas dépendre d'un seul fournisseur.",
    ),
    "evaluation": (
        "Combien coûte réellement le centre de contact unique ? Ce chiffre doit être public.",
        "Il faudrait publier la part d'appels transférés à un agent, mois par mois.",
        "Une évaluation par un organisme indépendant serait plus crédible.",
    ),
    "incidents": (
        "Comment signaler une erreur du chatbot ? Le bouton devrait être visible.",
        "La suspension immédiate en cas de problème grave, c'est rassurant.",
    ),
    "participation": (
        "Un comité tiré au sort, excellente idée. Combien de membres ?",
        "Il faudrait une réunion publique chaque année, pas seulement un site internet.",
        "Merci pour cette consultation, c'est la première fois qu'on nous demande notre avis sur ce sujet.",
    ),
}
GENERIC = (
    "Je suis d'accord avec cet article.",
    "Texte clair, rien à ajouter.",
    "Bonne intention, mais comment sera-t-elle contrôlée ?",
    "Pas convaincu, ça reste très général.",
    "Il faudrait des exemples concrets pour que tout le monde comprenne.",
    "A quand un bilan chiffré ? On veut des preuves, pas des promesses.",
    "pk pas faire une réunion en mairie pour en parler ?",
    "tres bonne initiative de la ville, continuez",
)
PROPER_NOUNS = ("Copilot",)
OPENERS = ("", "", "", "Bonjour, ", "À mon avis, ", "Franchement, ", "Pour ma part, ")
REPLIES = (
    "Tout à fait d'accord avec vous.",
    "Je ne partage pas cet avis : l'article me semble déjà assez précis.",
    "Bonne remarque, j'ajouterais qu'il faut aussi penser aux personnes sans internet.",
    "La Ville a répondu à une question proche dans la proposition d'amendement, voyez plus bas.",
    "Même expérience de mon côté.",
)
CAMPAIGN = "NON à l'intelligence artificielle dans nos services publics ! Nous voulons des agents, pas des robots."
CAMPAIGN_VARIANTS = ("", " Signé : un habitant en colère.", " Stop !", " Nous refusons.", "!!")
ABUSIVE = (
    "Les élus qui ont écrit ça sont des incapables et des menteurs, honte à vous.",
    "Ceux qui défendent ce projet sont des imbéciles, allez vous faire voir.",
)


@dataclass(frozen=True)
class DemoComment:
    key: int
    clause_slug: str
    author: str
    body: str
    supports: int
    parent_key: int | None = None
    abusive: bool = False


@dataclass(frozen=True)
class DemoProposal:
    key: int
    clause_slug: str | None  # None: a new clause
    title: str
    proposed_text: str
    rationale: str
    supports: int
    answer: str | None = None  # accepted, accepted_with_changes, rejected, under_study
    answer_reason: str | None = None
    section_slug: str | None = None


@dataclass(frozen=True)
class DemoConsultation:
    residents: tuple[str, ...]
    comments: tuple[DemoComment, ...]
    proposals: tuple[DemoProposal, ...]


def _typo(rng: random.Random, text: str) -> str:
    if rng.random() > 0.12 or len(text) < 20:
        return text
    i = rng.randrange(5, len(text) - 5)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _proposals(clauses: dict[str, ClauseSource]) -> list[DemoProposal]:
    contact = clauses.get("contact-humain")
    donnees = clauses.get("donnees")
    egalite = clauses.get("egalite")
    proposals = []
    if contact:
        proposals.append(DemoProposal(
            1, "contact-humain", "Un numéro direct sans serveur vocal",
            contact.body + "\n\nUn numéro de téléphone direct, sans serveur vocal, est publié sur "
            "toutes les pages du site de la Ville et dans le magazine municipal.",
            "Beaucoup de personnes âgées abandonnent face à un serveur vocal ; un numéro direct leur "
            "garantit un accès humain.", 41, "accepted_with_changes",
            "Nous retenons le numéro direct, publié sur le site et dans le magazine. Il sera ouvert aux "
            "horaires de l'accueil ; en dehors, un message invite à rappeler ou propose un rappel.",
        ))  # fmt: skip
    if donnees:
        proposals.append(DemoProposal(
            2, "donnees", "Conserver les enregistrements un mois au plus",
            donnees.body.replace("au plus trois mois", "au plus un mois"),
            "Un mois suffit pour traiter une réclamation ; garder plus longtemps n'apporte rien.",
            27, "under_study",
            "La durée d'un mois est à l'étude avec le délégué à la protection des données, pour vérifier "
            "qu'elle laisse le temps de traiter les réclamations tardives. Réponse au prochain conseil.",
        ))  # fmt: skip
    if egalite:
        proposals.append(DemoProposal(
            3, "egalite", "Publier les tests d'égalité",
            egalite.body + "\n\nLes résultats de ces vérifications sont publiés dans le registre.",
            "Sans publication, personne ne peut savoir si les vérifications ont lieu.", 18,
        ))  # fmt: skip
    proposals.append(DemoProposal(
        4, None, "Un droit à l'oubli des conversations",
        "Tout habitant peut demander l'effacement de ses échanges avec le robot conversationnel et le "
        "serveur vocal, sans avoir à se justifier. L'effacement est confirmé par écrit sous quinze jours.",
        "Les habitants doivent garder la maîtrise de ce qu'ils ont dit à une machine.", 12,
        "rejected",
        "Le droit à l'effacement existe déjà en vertu du RGPD et s'applique à ces échanges ; l'article 8 "
        "le rappellera plutôt que d'en créer un second.", section_slug="droits",
    ))  # fmt: skip
    return proposals


def generate_demo(
    clauses: Sequence[ClauseSource], *, seed: int = 42, n_comments: int = 300
) -> DemoConsultation:
    rng = random.Random(seed)
    by_slug = {c.slug: c for c in clauses}
    slugs = [c.slug for c in clauses]
    # Busy clauses attract more comments, as in real consultations.
    weights = [
        3 if s in {"contact-humain", "donnees", "transparence", "evaluation"} else 1 for s in slugs
    ]
    comments: list[DemoComment] = []
    key = 0
    campaign = max(10, n_comments // 20)
    for n in range(n_comments):
        key += 1
        slug = rng.choices(slugs, weights)[0]
        if n < campaign and "contact-humain" in by_slug:
            body = CAMPAIGN + rng.choice(CAMPAIGN_VARIANTS)
            comments.append(
                DemoComment(key, "contact-humain", rng.choice(RESIDENTS), body, rng.randrange(0, 3))
            )
            continue
        pool = BY_SLUG.get(slug, ()) + GENERIC if rng.random() < 0.3 else BY_SLUG.get(slug, GENERIC)
        opener, sentence = rng.choice(OPENERS), rng.choice(pool or GENERIC)
        if opener and sentence[1:2].islower() and not sentence.startswith(PROPER_NOUNS):
            sentence = sentence[0].lower() + sentence[1:]  # "Bonjour, j'ai…", not "Bonjour, J'ai…"
        body = _typo(rng, opener + sentence)
        if body and body[0].islower():
            body = body[0].upper() + body[1:]
        supports = int(rng.paretovariate(1.5)) - 1
        comments.append(DemoComment(key, slug, rng.choice(RESIDENTS), body, min(supports, 60)))
    for parent in rng.sample(comments[campaign:], k=min(len(comments) - campaign, n_comments // 6)):
        key += 1
        comments.append(
            DemoComment(
                key,
                parent.clause_slug,
                rng.choice(RESIDENTS),
                rng.choice(REPLIES),
                rng.randrange(0, 4),
                parent.key,
            )
        )
    for text in ABUSIVE:
        key += 1
        comments.append(
            DemoComment(key, rng.choice(slugs), rng.choice(RESIDENTS), text, 0, abusive=True)
        )
    return DemoConsultation(RESIDENTS, tuple(comments), tuple(_proposals(by_slug)))
