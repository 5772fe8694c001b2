"""The figures the public method page (/council/methode) shows: the answers' evaluation on three
sets of minutes of towns nobody tuned for (tests/council/eval2/, eval3/ and eval4/, each written
blind and split into a tuning half and a test half before any run), as measured by
tests/council/test_eval2.py, test_eval3.py and test_eval4.py and recorded in docs/benchmarks.md. Written here by
hand when they are measured again, with their date, so that the page never shows a figure that
was not measured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.web.i18n import N_

MEASURED_ON = date(2026, 12, 1)  # 13:37 UTC
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


# The three sets measured on their test halves, 2026-12-01 13:37 UTC, after every change of the
# day was made on the tuning halves only (eval4's: see tests/council/test_eval4.py on what its
# test half shares with its tuning half).
SETS = [
    EvaluationSet(
        "Montclair-sur-Loire",
        N_("Quatre séances en texte tiré de PDF : lignes coupées, aucun paragraphe séparé, "
           "en-têtes et pieds de page répétés, mots coupés en fin de ligne, tableaux de vote."),
        50, 8, 51, 7,
        test=[
            Figures("SQLite", "texte", 0.46, 0.72, 0.569, 0.54, 0.308, 0.5),
            Figures("SQLite", "PDF", 0.48, 0.72, 0.579, 0.54, 0.308, 0.5),
            Figures("PostgreSQL", "texte", 0.46, 0.72, 0.569, 0.54, 0.308, 0.5),
            Figures("PostgreSQL", "PDF", 0.48, 0.72, 0.579, 0.54, 0.308, 0.5),
        ],
        dev=[
            Figures("SQLite", "texte", 0.49, 0.902, 0.655, 0.765, 0.667, 0.857),
            Figures("SQLite", "PDF", 0.471, 0.902, 0.644, 0.765, 0.667, 0.857),
            Figures("PostgreSQL", "texte", 0.49, 0.902, 0.655, 0.765, 0.667, 0.857),
            Figures("PostgreSQL", "PDF", 0.471, 0.902, 0.644, 0.765, 0.667, 0.857),
        ],
    ),
    EvaluationSet(
        "Castelnau-de-Virelle",
        N_("Quatre séances en Markdown sans en-tête de métadonnées : date écrite en toutes "
           "lettres, délibérations numérotées autrement, votes en tableaux ou en phrases, "
           "montants écrits « 1,2 M€ » ou « douze mille euros »."),
        62, 13, 63, 13,
        test=[
            Figures("SQLite", "texte", 0.371, 0.806, 0.55, 0.403, 0.267, 0.615),
            Figures("SQLite", "PDF", 0.387, 0.79, 0.552, 0.419, 0.267, 0.615),
            Figures("PostgreSQL", "texte", 0.371, 0.806, 0.55, 0.403, 0.267, 0.615),
            Figures("PostgreSQL", "PDF", 0.387, 0.79, 0.552, 0.419, 0.267, 0.615),
        ],
        dev=[
            Figures("SQLite", "texte", 0.46, 0.841, 0.611, 0.556, 0.409, 0.692),
            Figures("SQLite", "PDF", 0.444, 0.841, 0.599, 0.556, 0.409, 0.692),
            Figures("PostgreSQL", "texte", 0.46, 0.841, 0.611, 0.556, 0.409, 0.692),
            Figures("PostgreSQL", "PDF", 0.444, 0.841, 0.599, 0.556, 0.409, 0.692),
        ],
    ),
    EvaluationSet(
        "Ploumarec",
        N_("Quatre séances exportées d'un traitement de texte en texte brut, fins de ligne "
           "Windows dans deux d'entre elles, sans ligne vide entre les paragraphes dans trois : "
           "points numérotés « 2.1 OBJET : », votes « POUR : 20 – CONTRE : 4 », montants "
           "« 1.184.320,55 € »."),
        93, 20, 94, 19,
        test=[
            Figures("SQLite", "texte", 0.473, 0.753, 0.589, 0.495, 0.297, 0.55),
            Figures("SQLite", "PDF", 0.441, 0.763, 0.567, 0.473, 0.263, 0.5),
            Figures("PostgreSQL", "texte", 0.473, 0.753, 0.589, 0.495, 0.297, 0.55),
            Figures("PostgreSQL", "PDF", 0.441, 0.763, 0.567, 0.473, 0.263, 0.5),
        ],
        dev=[
            Figures("SQLite", "texte", 0.521, 0.809, 0.641, 0.596, 0.353, 0.632),
            Figures("SQLite", "PDF", 0.532, 0.787, 0.636, 0.574, 0.343, 0.632),
            Figures("PostgreSQL", "texte", 0.521, 0.809, 0.641, 0.596, 0.353, 0.632),
            Figures("PostgreSQL", "PDF", 0.532, 0.787, 0.636, 0.574, 0.343, 0.632),
        ],
        caveat=N_("Les deux moitiés portent sur les mêmes quatre séances : les règles de lecture "
                  "écrites en réglant sur l'autre moitié (dates en chiffres, points « 2.1 OBJET : », "
                  "tableaux de vote) servent aussi la moitié test. Mesurée à l'arrivée du jeu, "
                  "avant ces règles, la moitié test trouvait le bon paragraphe parmi les 5 "
                  "premiers pour 17 % à 18 % des questions seulement."),
    ),
]  # fmt: skip
