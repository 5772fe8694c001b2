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

MEASURED_ON = date(2026, 12, 1)  # 13:07 UTC
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


# The three sets measured on their test halves, 2026-12-01 13:07 UTC, after every change of the
# day was made on the tuning halves only (eval4's test half: its first measurement).
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
            Figures("SQLite", "texte", 0.371, 0.806, 0.55, 0.403, 0.29, 0.692),
            Figures("SQLite", "PDF", 0.387, 0.79, 0.552, 0.419, 0.29, 0.692),
            Figures("PostgreSQL", "texte", 0.371, 0.806, 0.55, 0.403, 0.29, 0.692),
            Figures("PostgreSQL", "PDF", 0.387, 0.79, 0.552, 0.419, 0.29, 0.692),
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
            Figures("SQLite", "texte", 0.473, 0.753, 0.586, 0.484, 0.297, 0.55),
            Figures("SQLite", "PDF", 0.441, 0.763, 0.564, 0.462, 0.263, 0.5),
            Figures("PostgreSQL", "texte", 0.473, 0.753, 0.586, 0.484, 0.297, 0.55),
            Figures("PostgreSQL", "PDF", 0.441, 0.763, 0.564, 0.462, 0.263, 0.5),
        ],
        dev=[
            Figures("SQLite", "texte", 0.511, 0.798, 0.627, 0.5, 0.324, 0.579),
            Figures("SQLite", "PDF", 0.521, 0.777, 0.625, 0.479, 0.314, 0.579),
            Figures("PostgreSQL", "texte", 0.511, 0.798, 0.627, 0.5, 0.324, 0.579),
            Figures("PostgreSQL", "PDF", 0.521, 0.777, 0.625, 0.479, 0.314, 0.579),
        ],
    ),
]  # fmt: skip
