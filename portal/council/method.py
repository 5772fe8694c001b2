"""The figures the public method page (/council/methode) shows: the answers' evaluation on the
sets of minutes of towns nobody tuned for (tests/council/eval2/ to eval5/, each written blind and
split into a tuning half and a test half before any run), as measured by tests/council/
test_eval2.py to test_eval5.py and recorded in docs/benchmarks.md. Written here from those
measurements when they are made again, with their date, so that the page never shows a figure
that was not measured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.web.i18n import N_

MEASURED_ON = date(2026, 12, 1)  # 16:39 UTC
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


# The sets measured on their test halves, 2026-12-01 16:39 UTC, after every change of the day was
# made on the tuning halves only (see each set's caveat on what its test half shares with its
# tuning half).
SETS = [
    EvaluationSet(
        "Montclair-sur-Loire",
        N_("Quatre séances en texte tiré de PDF : lignes coupées, aucun paragraphe séparé, "
           "en-têtes et pieds de page répétés, mots coupés en fin de ligne, tableaux de vote."),
        50, 8, 51, 7,
        test=[
            Figures("SQLite", "texte", 0.48, 0.78, 0.596, 0.54, 0.308, 0.5),
            Figures("SQLite", "PDF", 0.5, 0.78, 0.608, 0.54, 0.308, 0.5),
            Figures("PostgreSQL", "texte", 0.48, 0.78, 0.596, 0.54, 0.308, 0.5),
            Figures("PostgreSQL", "PDF", 0.5, 0.78, 0.608, 0.54, 0.308, 0.5),
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
            Figures("SQLite", "texte", 0.435, 0.839, 0.593, 0.435, 0.286, 0.615),
            Figures("SQLite", "PDF", 0.452, 0.839, 0.604, 0.452, 0.286, 0.615),
            Figures("PostgreSQL", "texte", 0.435, 0.839, 0.593, 0.435, 0.286, 0.615),
            Figures("PostgreSQL", "PDF", 0.452, 0.839, 0.604, 0.452, 0.286, 0.615),
        ],
        dev=[
            Figures("SQLite", "texte", 0.556, 0.921, 0.706, 0.587, 0.455, 0.769),
            Figures("SQLite", "PDF", 0.54, 0.921, 0.694, 0.587, 0.455, 0.769),
            Figures("PostgreSQL", "texte", 0.556, 0.921, 0.706, 0.587, 0.455, 0.769),
            Figures("PostgreSQL", "PDF", 0.54, 0.921, 0.694, 0.587, 0.455, 0.769),
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
            Figures("SQLite", "texte", 0.559, 0.806, 0.653, 0.473, 0.256, 0.5),
            Figures("SQLite", "PDF", 0.527, 0.796, 0.631, 0.452, 0.25, 0.5),
            Figures("PostgreSQL", "texte", 0.559, 0.806, 0.653, 0.473, 0.256, 0.5),
            Figures("PostgreSQL", "PDF", 0.527, 0.796, 0.631, 0.452, 0.25, 0.5),
        ],
        dev=[
            Figures("SQLite", "texte", 0.649, 0.894, 0.744, 0.649, 0.469, 0.789),
            Figures("SQLite", "PDF", 0.66, 0.84, 0.731, 0.628, 0.455, 0.789),
            Figures("PostgreSQL", "texte", 0.649, 0.894, 0.744, 0.649, 0.469, 0.789),
            Figures("PostgreSQL", "PDF", 0.66, 0.84, 0.731, 0.628, 0.455, 0.789),
        ],
        caveat=N_("Les deux moitiés portent sur les mêmes quatre séances : les règles de lecture "
                  "écrites en réglant sur l'autre moitié (dates en chiffres, points « 2.1 OBJET : », "
                  "tableaux de vote) servent aussi la moitié test. Mesurée à l'arrivée du jeu, "
                  "avant ces règles, la moitié test trouvait le bon paragraphe parmi les 5 "
                  "premiers pour 17 % à 18 % des questions seulement."),
    ),
    EvaluationSet(
        "Hagondelle",
        N_("Quatre séances d'une commune de Moselle, chacune d'une autre main : un compte rendu "
           "intégral avec les prises de parole, un texte tiré de PDF coupé en lignes de 76 "
           "caractères avec mots coupés, en-têtes et pieds de page, du Markdown sans en-tête de "
           "métadonnées aux votes en tableaux, un relevé de décisions abrégé."),
        114, 18, 114, 19,
        test=[
            Figures("SQLite", "texte", 0.579, 0.877, 0.707, 0.667, 0.4, 0.556),
            Figures("SQLite", "PDF", 0.561, 0.877, 0.704, 0.667, 0.417, 0.556),
            Figures("PostgreSQL", "texte", 0.579, 0.877, 0.707, 0.667, 0.4, 0.556),
            Figures("PostgreSQL", "PDF", 0.561, 0.877, 0.704, 0.667, 0.417, 0.556),
        ],
        dev=[
            Figures("SQLite", "texte", 0.579, 0.86, 0.695, 0.544, 0.41, 0.842),
            Figures("SQLite", "PDF", 0.588, 0.851, 0.7, 0.588, 0.41, 0.842),
            Figures("PostgreSQL", "texte", 0.579, 0.86, 0.695, 0.544, 0.41, 0.842),
            Figures("PostgreSQL", "PDF", 0.588, 0.851, 0.7, 0.588, 0.41, 0.842),
        ],
        caveat=N_("Les deux moitiés portent sur les mêmes quatre séances : les règles de lecture "
                  "écrites en réglant sur l'autre moitié (points de l'ordre du jour, votes abrégés) "
                  "servent aussi la moitié test. Mesurée à l'arrivée du jeu, avant tout réglage sur "
                  "lui, la moitié test trouvait le bon paragraphe parmi les 5 premiers pour 77 à 80 "
                  "questions sur 100, citait la bonne phrase pour 53 à 54 sur 100 et répondait « pas "
                  "trouvé » à 11 des 18 questions sans réponse."),
    ),
]  # fmt: skip
