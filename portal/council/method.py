"""The figures the public method page (/council/methode) shows: the answers' evaluation on the
sets of minutes of towns nobody tuned for (tests/council/eval2/ to eval10/, each written blind and
split into a tuning half and a test half before any run), as measured by tests/council/
test_eval2.py to test_eval10.py and recorded in docs/benchmarks.md. Written here from those
measurements when they are made again, with their date, so that the page never shows a figure
that was not measured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.web.i18n import N_

MEASURED_ON = date(2026, 12, 3)  # 17:00-17:30 UTC
BARS = {"recall_at_5": 0.9, "not_found_recall": 1.0}


@dataclass(frozen=True)
class Figures:
    database: str
    form: str
    recall_at_1: float
    recall_at_5: float
    mrr_at_10: float
    quotes_answer: float
    not_found_precision: float
    not_found_recall: float


@dataclass(frozen=True)
class EvaluationSet:
    town: str
    about: str  # a msgid: what the minutes look like
    test_answerable: int
    test_unanswerable: int
    dev_answerable: int
    dev_unanswerable: int
    test: list[Figures]
    dev: list[Figures]
    caveat: str | None = None  # a msgid: what the test half's figures do not say


# The sets measured on their test halves after every change was made on the tuning halves only
# (see each set's caveat on what its test half shares with its tuning half): eval10 at its landing,
# 2026-12-03 17:00 UTC (the code since reads it identically); eval8 at 17:20 UTC, after a reading
# rule written on its tuning half (numbered titles in a narrow column); eval4, eval6 and eval9 at
# 14:40 UTC after the reader's round on eval9's tuning half; the others at 2026-12-02 15:00 UTC,
# measured again unchanged.
SETS = [
    EvaluationSet(
        "Montclair-sur-Loire",
        N_("Quatre séances en texte tiré de PDF : lignes coupées, aucun paragraphe séparé, "
           "en-têtes et pieds de page répétés, mots coupés en fin de ligne, tableaux de vote."),
        50, 8, 51, 7,
        test=[
            Figures("SQLite", "texte", 0.52, 0.78, 0.62, 0.58, 0.417, 0.625),
            Figures("SQLite", "PDF", 0.54, 0.78, 0.632, 0.58, 0.417, 0.625),
            Figures("PostgreSQL", "texte", 0.52, 0.78, 0.62, 0.58, 0.417, 0.625),
            Figures("PostgreSQL", "PDF", 0.54, 0.78, 0.632, 0.58, 0.417, 0.625),
        ],
        dev=[
            Figures("SQLite", "texte", 0.588, 0.922, 0.733, 0.784, 0.667, 0.857),
            Figures("SQLite", "PDF", 0.569, 0.922, 0.725, 0.784, 0.667, 0.857),
            Figures("PostgreSQL", "texte", 0.588, 0.922, 0.733, 0.784, 0.667, 0.857),
            Figures("PostgreSQL", "PDF", 0.569, 0.922, 0.725, 0.784, 0.667, 0.857),
        ],
    ),
    EvaluationSet(
        "Castelnau-de-Virelle",
        N_("Quatre séances en Markdown sans en-tête de métadonnées : date écrite en toutes "
           "lettres, délibérations numérotées autrement, votes en tableaux ou en phrases, "
           "montants écrits « 1,2 M€ » ou « douze mille euros »."),
        62, 13, 63, 13,
        test=[
            Figures("SQLite", "texte", 0.452, 0.839, 0.604, 0.452, 0.321, 0.692),
            Figures("SQLite", "PDF", 0.468, 0.855, 0.62, 0.468, 0.321, 0.692),
            Figures("PostgreSQL", "texte", 0.452, 0.839, 0.604, 0.452, 0.321, 0.692),
            Figures("PostgreSQL", "PDF", 0.468, 0.855, 0.62, 0.468, 0.321, 0.692),
        ],
        dev=[
            Figures("SQLite", "texte", 0.603, 0.921, 0.73, 0.698, 0.667, 0.923),
            Figures("SQLite", "PDF", 0.571, 0.921, 0.711, 0.698, 0.667, 0.923),
            Figures("PostgreSQL", "texte", 0.603, 0.921, 0.73, 0.698, 0.667, 0.923),
            Figures("PostgreSQL", "PDF", 0.571, 0.921, 0.711, 0.698, 0.667, 0.923),
        ],
    ),
    EvaluationSet(
        "Ploumarec",
        N_("Quatre séances exportées d'un traitement de texte en texte brut, fins de ligne "
           "Windows dans deux d'entre elles, sans ligne vide entre les paragraphes dans trois : "
           "points numérotés « 2.1 OBJET : », votes « POUR : 20 – CONTRE : 4 », montants « "
           "1.184.320,55 € »."),
        93, 20, 94, 19,
        test=[
            Figures("SQLite", "texte", 0.559, 0.817, 0.659, 0.495, 0.257, 0.45),
            Figures("SQLite", "PDF", 0.516, 0.817, 0.634, 0.473, 0.256, 0.5),
            Figures("PostgreSQL", "texte", 0.559, 0.817, 0.659, 0.495, 0.257, 0.45),
            Figures("PostgreSQL", "PDF", 0.516, 0.817, 0.634, 0.473, 0.256, 0.5),
        ],
        dev=[
            Figures("SQLite", "texte", 0.67, 0.883, 0.759, 0.691, 0.607, 0.895),
            Figures("SQLite", "PDF", 0.681, 0.84, 0.745, 0.67, 0.586, 0.895),
            Figures("PostgreSQL", "texte", 0.67, 0.883, 0.759, 0.691, 0.607, 0.895),
            Figures("PostgreSQL", "PDF", 0.681, 0.84, 0.745, 0.67, 0.586, 0.895),
        ],
        caveat=N_("Les deux moitiés portent sur les mêmes quatre séances : les règles de lecture "
                  "écrites en réglant sur l'autre moitié (dates en chiffres, points « 2.1 OBJET : », "
                  "tableaux de vote) servent aussi la moitié test. Mesurée à l'arrivée du jeu, avant "
                  "ces règles, la moitié test trouvait le bon paragraphe parmi les 5 premiers pour 17 % "
                  "à 18 % des questions seulement."),
    ),
    EvaluationSet(
        "Hagondelle",
        N_("Quatre séances d'une commune de Moselle, chacune d'une autre main : un compte rendu "
           "intégral avec les prises de parole, un texte tiré de PDF coupé en lignes de 76 "
           "caractères avec mots coupés, en-têtes et pieds de page, du Markdown sans en-tête de "
           "métadonnées aux votes en tableaux, un relevé de décisions abrégé."),
        114, 18, 114, 19,
        test=[
            Figures("SQLite", "texte", 0.553, 0.868, 0.688, 0.658, 0.48, 0.667),
            Figures("SQLite", "PDF", 0.544, 0.877, 0.69, 0.658, 0.5, 0.667),
            Figures("PostgreSQL", "texte", 0.553, 0.868, 0.688, 0.658, 0.48, 0.667),
            Figures("PostgreSQL", "PDF", 0.544, 0.877, 0.69, 0.658, 0.5, 0.667),
        ],
        dev=[
            Figures("SQLite", "texte", 0.588, 0.86, 0.701, 0.658, 0.655, 1.0),
            Figures("SQLite", "PDF", 0.596, 0.851, 0.705, 0.693, 0.655, 1.0),
            Figures("PostgreSQL", "texte", 0.588, 0.86, 0.701, 0.658, 0.655, 1.0),
            Figures("PostgreSQL", "PDF", 0.596, 0.851, 0.705, 0.693, 0.655, 1.0),
        ],
        caveat=N_("Les deux moitiés portent sur les mêmes quatre séances : les règles de lecture "
                  "écrites en réglant sur l'autre moitié (points de l'ordre du jour, votes abrégés) "
                  "servent aussi la moitié test. Mesurée à l'arrivée du jeu, avant tout réglage sur "
                  "lui, la moitié test trouvait le bon paragraphe parmi les 5 premiers pour 77 à 80 "
                  "questions sur 100, citait la bonne phrase pour 53 à 54 sur 100 et répondait « pas "
                  "trouvé » à 11 des 18 questions sans réponse."),
    ),
    EvaluationSet(
        "Villard-sur-Arc",
        N_("Quatre séances d'un village de Savoie : un export de courriel avec en-têtes cités et "
           "décisions en articles, un registre paginé au sommaire à points de conduite et aux "
           "titres placés après le vote, un PDF à deux colonnes aplati colonne par colonne, du "
           "Markdown dont les votes ne figurent que dans un tableau récapitulatif."),
        100, 19, 100, 20,
        test=[
            Figures("SQLite", "texte", 0.65, 0.93, 0.755, 0.66, 0.48, 0.632),
            Figures("SQLite", "PDF", 0.63, 0.92, 0.742, 0.66, 0.48, 0.632),
            Figures("PostgreSQL", "texte", 0.65, 0.93, 0.755, 0.66, 0.48, 0.632),
            Figures("PostgreSQL", "PDF", 0.63, 0.92, 0.742, 0.66, 0.48, 0.632),
        ],
        dev=[
            Figures("SQLite", "texte", 0.61, 0.9, 0.735, 0.57, 0.452, 0.7),
            Figures("SQLite", "PDF", 0.6, 0.9, 0.729, 0.57, 0.433, 0.65),
            Figures("PostgreSQL", "texte", 0.61, 0.9, 0.735, 0.57, 0.452, 0.7),
            Figures("PostgreSQL", "PDF", 0.6, 0.9, 0.729, 0.57, 0.433, 0.65),
        ],
        caveat=N_("À son arrivée, une séance sur quatre a été refusée faute de date lisible "
                  "(« 26/III/2026 ») : la moitié test trouvait alors le bon paragraphe parmi les 5 "
                  "premiers pour 65 à 67 questions sur 100. La lecture des mois en chiffres romains "
                  "et de la date du nom de fichier a été ajoutée après ce refus, puis la lecture "
                  "corrigée sur la moitié de réglage de ce jeu et du septième (points séparés par des "
                  "traits, votes sur plusieurs lignes, sauts de page) : les chiffres ci-dessous ne "
                  "sont plus à l'aveugle."),
    ),
    EvaluationSet(
        "Bérignac-les-Pins",
        N_("Quatre séances d'un village des Landes, chacune d'une autre main : un texte tiré de "
           "PDF aux mots coupés en fin de ligne, en-têtes et « Page N/3 » coupant les phrases, "
           "un compte rendu en tableaux (budget, taux, votes), du Markdown sans en-tête de "
           "métadonnées aux décisions en citations, un registre daté et compté en toutes "
           "lettres."),
        97, 17, 97, 18,
        test=[
            Figures("SQLite", "texte", 0.629, 0.928, 0.749, 0.639, 0.286, 0.471),
            Figures("SQLite", "PDF", 0.619, 0.928, 0.74, 0.639, 0.296, 0.471),
            Figures("PostgreSQL", "texte", 0.629, 0.928, 0.749, 0.639, 0.286, 0.471),
            Figures("PostgreSQL", "PDF", 0.619, 0.928, 0.74, 0.639, 0.296, 0.471),
        ],
        dev=[
            Figures("SQLite", "texte", 0.608, 0.948, 0.758, 0.701, 0.647, 0.611),
            Figures("SQLite", "PDF", 0.629, 0.948, 0.766, 0.701, 0.647, 0.611),
            Figures("PostgreSQL", "texte", 0.608, 0.948, 0.758, 0.701, 0.647, 0.611),
            Figures("PostgreSQL", "PDF", 0.629, 0.948, 0.766, 0.701, 0.647, 0.611),
        ],
        caveat=N_("Mesurée à l'arrivée du jeu, avant tout réglage sur lui, la moitié test trouvait le "
                  "bon paragraphe parmi les 5 premiers pour 61 à 63 questions sur 100 et répondait « "
                  "pas trouvé » à 6 des 17 questions sans réponse ; 30 de ses 97 réponses ne se "
                  "trouvaient dans aucun paragraphe, la lecture du registre daté en toutes lettres "
                  "ayant échoué. La lecture a été corrigée ensuite sur la moitié de réglage : les deux "
                  "moitiés portant sur les mêmes séances, les chiffres ci-dessous ne sont plus tout à "
                  "fait à l'aveugle."),
    ),
    EvaluationSet(
        "Haverlinghem",
        N_("Quatre séances d'une ville de Flandre, chacune d'une autre main : un compte "
           "rendu en paragraphes numérotés « § 12 », un relevé de décisions en deux "
           "colonnes (objet, décision), un texte tiré d'un PDF à deux colonnes aux "
           "lignes courtes et coupées, avec quelques erreurs de reconnaissance de "
           "caractères, du Markdown avec en-tête de métadonnées et votes en citations."),
        116, 18, 116, 18,
        test=[
            Figures("SQLite", "texte", 0.586, 0.931, 0.731, 0.672, 0.37, 0.556),
            Figures("SQLite", "PDF", 0.578, 0.905, 0.711, 0.655, 0.385, 0.556),
            Figures("PostgreSQL", "texte", 0.586, 0.931, 0.731, 0.672, 0.37, 0.556),
            Figures("PostgreSQL", "PDF", 0.578, 0.905, 0.711, 0.655, 0.385, 0.556),
        ],
        dev=[
            Figures("SQLite", "texte", 0.526, 0.819, 0.648, 0.638, 0.419, 0.722),
            Figures("SQLite", "PDF", 0.517, 0.836, 0.656, 0.647, 0.419, 0.722),
            Figures("PostgreSQL", "texte", 0.526, 0.819, 0.648, 0.638, 0.419, 0.722),
            Figures("PostgreSQL", "PDF", 0.517, 0.836, 0.656, 0.647, 0.419, 0.722),
        ],
        caveat=N_("Mesurée à l'arrivée du jeu, avant tout réglage sur lui, la moitié "
                  "test trouvait le bon paragraphe parmi les 5 premiers pour 85 (texte) "
                  "et 90 (PDF) questions sur 100 ; dix de ses réponses en texte, copiées "
                  "du Markdown avec leurs marques de gras, comptaient alors comme "
                  "introuvables : l'évaluation les cherche désormais telles qu'un "
                  "habitant les lit, et les mêmes règles de lecture donnaient 92 et 90. "
                  "La lecture des deux colonnes du relevé, réglée ensuite sur l'autre "
                  "moitié, n'a pas changé la moitié test en texte et lui a coûté une "
                  "question en PDF. La lecture des titres numérotés d'une colonne étroite "
                  "(la séance du 26 juin n'avait jusque-là aucune délibération), réglée de "
                  "même, lui a fait gagner une question en texte comme en PDF."),
    ),
    EvaluationSet(
        "Montbrézac-les-Bains",
        N_("Quatre séances d'une station thermale d'Auvergne, chacune d'une autre main : un "
           "registre dactylographié relu par reconnaissance de caractères (titres aux lettres "
           "espacées, mots coupés, pied de page mal lu, sauts de page au milieu des phrases), "
           "une suite d'extraits du registre des délibérations, un compte rendu analytique en "
           "questions et réponses aux points numérotés en chiffres romains, du Markdown sans "
           "en-tête de métadonnées aux titres soulignés et aux votes dans un tableau final."),
        127, 19, 127, 20,
        test=[
            Figures("SQLite", "texte", 0.575, 0.85, 0.69, 0.701, 0.24, 0.316),
            Figures("SQLite", "PDF", 0.543, 0.843, 0.672, 0.693, 0.25, 0.368),
            Figures("PostgreSQL", "texte", 0.575, 0.85, 0.69, 0.693, 0.24, 0.316),
            Figures("PostgreSQL", "PDF", 0.543, 0.843, 0.672, 0.685, 0.25, 0.368),
        ],
        dev=[
            Figures("SQLite", "texte", 0.567, 0.858, 0.699, 0.685, 0.379, 0.55),
            Figures("SQLite", "PDF", 0.559, 0.835, 0.682, 0.661, 0.364, 0.6),
            Figures("PostgreSQL", "texte", 0.567, 0.858, 0.699, 0.685, 0.379, 0.55),
            Figures("PostgreSQL", "PDF", 0.559, 0.835, 0.682, 0.661, 0.364, 0.6),
        ],
        caveat=N_("Mesurée à l'arrivée du jeu, avant que quiconque l'ait lu, la moitié test "
                  "trouvait le bon paragraphe parmi les 5 premiers pour 81 (texte) et 79 (PDF) "
                  "questions sur 100, citait la bonne phrase pour 56 à 59 sur 100 et répondait « "
                  "pas trouvé » à 7 des 19 questions sans réponse : aucune des quatre séances "
                  "n'avait été découpée en délibérations. La lecture a été corrigée ensuite sur la "
                  "moitié de réglage (titres espacés, extraits du registre, chiffres romains, "
                  "titres soulignés, tableau des votes, pied de page mal lu) : les deux moitiés "
                  "portant sur les mêmes séances, les chiffres ci-dessous ne sont plus à "
                  "l'aveugle, et la moitié test y a perdu une question sans réponse en texte."),
    ),
    EvaluationSet(
        "Saint-Aurèle-du-Comtat",
        N_("Quatre séances d'une commune du Vaucluse, chacune d'une autre main : un "
           "procès-verbal exporté d'un traitement de texte en plan numéroté (2., 2.1, 2.1.1) "
           "avec des notes de bas de page, un relevé de décisions en deux colonnes à points de "
           "conduite, un compte rendu budgétaire coupé en lignes et en pages aux votes et "
           "montants écrits en toutes lettres (« 612 k€ », « le 3/02 », « courant mars »), "
           "une lettre aux habitants en Markdown sans en-tête de métadonnées."),
        126, 20, 126, 21,
        test=[
            Figures("SQLite", "texte", 0.587, 0.905, 0.723, 0.659, 0.407, 0.55),
            Figures("SQLite", "PDF", 0.595, 0.897, 0.728, 0.651, 0.429, 0.6),
            Figures("PostgreSQL", "texte", 0.587, 0.905, 0.723, 0.659, 0.407, 0.55),
            Figures("PostgreSQL", "PDF", 0.595, 0.897, 0.728, 0.651, 0.429, 0.6),
        ],
        dev=[
            Figures("SQLite", "texte", 0.643, 0.873, 0.753, 0.667, 0.345, 0.476),
            Figures("SQLite", "PDF", 0.643, 0.889, 0.756, 0.675, 0.345, 0.476),
            Figures("PostgreSQL", "texte", 0.643, 0.873, 0.753, 0.667, 0.345, 0.476),
            Figures("PostgreSQL", "PDF", 0.643, 0.889, 0.756, 0.675, 0.345, 0.476),
        ],
        caveat=N_("Mesurée à l'arrivée du jeu, avant que quiconque l'ait lu : la première "
                  "arrivée à l'aveugle au seuil de 90 questions sur 100 (en texte seulement). "
                  "Une règle de lecture écrite ensuite pour un autre jeu (titres numérotés sans "
                  "ligne vide) lisait aussi son plan numéroté et lui coûtait une à deux questions "
                  "parmi les 5 premiers paragraphes : elle a été restreinte après cette mesure, et "
                  "les chiffres ci-dessous sont de nouveau ceux de l'arrivée."),
    ),
]  # fmt: skip
