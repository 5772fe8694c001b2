"""The figures the public method page (/council/methode) shows: the answers' evaluation on the
second evaluation set (tests/council/eval2/, minutes of a town nobody tuned for), test half, as
measured by tests/council/test_eval2.py and recorded in docs/benchmarks.md. Written here by hand
when they are measured again, with their date, so that the page never shows a figure that was
not measured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

MEASURED_ON = date(2026, 11, 30)
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


# Test half: 50 answerable and 8 unanswerable questions.
TEST_HALF = [
    Figures("SQLite", "texte", 0.44, 0.70, 0.552, 0.48, 0.133, 0.25),
    Figures("SQLite", "PDF", 0.46, 0.68, 0.555, 0.48, 0.133, 0.25),
    Figures("PostgreSQL", "texte", 0.40, 0.68, 0.519, 0.46, 0.125, 0.25),
    Figures("PostgreSQL", "PDF", 0.40, 0.68, 0.521, 0.46, 0.133, 0.25),
]
