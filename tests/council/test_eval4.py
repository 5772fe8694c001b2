"""Fourth evaluation set (tests/council/eval4/, written blind over a fourth town's minutes, as
plain text exported from a word processor: one physical line per paragraph, CRLF line endings in
two files, no blank lines in three): passage-level figures for the text and PDF forms of the same
minutes, on both databases, with eval2's harness (tests/council/evalsets.py). Tuned on the dev
half only; the test half is measured by the lead."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.council.evalsets import measure_against_floors

EVAL4 = Path(__file__).with_name("eval4")
# The test half, measured 2026-12-01 13:37 UTC on both databases: recall@5 0.753 (text) and 0.763
# (PDF), "not found" recall 0.55 (text) and 0.50 (PDF), quotes 0.50 / 0.47. Read with care: the
# split is of questions, so both halves ask about the same four meetings, and the reader's rules
# written from the tuning half's minutes (dates in figures, "2.1 OBJET :" points, tab-separated
# vote tables: READER_VERSION 1 -> 4) read the test half's answers too. Measured as the set
# landed, before anyone read it (the code of commit 8d07eb8), the test half gave recall@5 0.17
# (text) and 0.18 (PDF), 79 of its 93 answers in no passage: that is the figure of minutes of a
# hand nobody had seen. Below the bars (0.9 and 1.0); these floors catch a regression.
# 2026-12-01 17:15 UTC (after the evening's two rounds on the dev halves; both databases, text and
# PDF alike; docs/benchmarks.md): recall@5 0.796 (PDF) / 0.806 (text), "not found" recall 0.50. The
# floors follow. 2026-12-03 14:40 UTC, after the reader's round on eval9's dev half (here only a
# rule line of underscores is no longer a passage): recall@5 0.817 (text and PDF), "not found" recall
# 0.45 in text (one more unanswerable question answered; 0.50 in PDF). The floors follow.
FLOORS: dict[str, float | None] = {"recall@5": 0.816, "not_found_recall": 0.45}


@pytest.mark.parametrize("form", ["text", "pdf"])
def test_fourth_evaluation_set(engine: Engine, db_url: str, tmp_path: Path, form: str) -> None:
    """The fourth town's minutes, as text and as PDF: every quote is verbatim; the test half's
    floors once measured."""
    measure_against_floors(engine, db_url, tmp_path, form, EVAL4, "eval4", FLOORS)
