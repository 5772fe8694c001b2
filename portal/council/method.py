"""The figures the public method page (/council/methode) shows: the answers' evaluation on the
second evaluation set (tests/council/eval2/, minutes of a town nobody tuned for), test half, as
measured by tests/council/test_eval2.py and recorded in docs/benchmarks.md. Written here by hand
when they are measured again, with their date, so that the page never shows a figure that was
not measured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

MEASURED_ON = date(2026, 12, 1)  # 08:40 UTC
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


# Test half: 50 answerable and 8 unanswerable questions (2026-12-01 08:40 UTC).
TEST_HALF = [
    Figures("SQLite", "texte", 0.44, 0.72, 0.566, 0.54, 0.231, 0.375),
    Figures("SQLite", "PDF", 0.46, 0.72, 0.576, 0.54, 0.231, 0.375),
    Figures("PostgreSQL", "texte", 0.44, 0.72, 0.566, 0.54, 0.231, 0.375),
    Figures("PostgreSQL", "PDF", 0.46, 0.72, 0.576, 0.54, 0.231, 0.375),
]
# Dev half (the one tuned on): 51 answerable and 7 unanswerable questions, same run.
DEV_HALF = [
    Figures("SQLite", "texte", 0.47, 0.88, 0.639, 0.67, 0.5, 0.857),
    Figures("SQLite", "PDF", 0.45, 0.88, 0.626, 0.67, 0.545, 0.857),
    Figures("PostgreSQL", "texte", 0.47, 0.88, 0.639, 0.67, 0.5, 0.857),
    Figures("PostgreSQL", "PDF", 0.45, 0.88, 0.626, 0.67, 0.545, 0.857),
]
