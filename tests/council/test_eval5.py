"""Fifth evaluation set (tests/council/eval5/, written blind over a fifth town's minutes: a
verbatim transcript with speaker turns, hard-wrapped PDF-like pages with hyphenation, running
headers and form feeds, Markdown without front matter with vote tables, a terse list of
decisions): passage-level figures for the text and PDF forms of the same minutes, on both
databases, with eval2's harness (tests/council/evalsets.py). Tuned on the dev half only; the
test half is measured by the lead."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.council.evalsets import measure_against_floors

EVAL5 = Path(__file__).with_name("eval5")
# 2026-12-01 17:15 UTC (after the evening's two rounds on the dev halves; both databases, text and
# PDF alike; docs/benchmarks.md): recall@5 0.877 (text) / 0.886 (PDF), "not found" recall 0.556;
# 0.772 / 0.798 and 0.611 at landing (b28f243). 2026-12-01 20:20 UTC, after the reader's round on
# eval7's dev half (READER_VERSION 13, ab99220): 0.868 (text) / 0.877 (PDF), 0.556; the round cost
# this test half one question in the first five and left 4 (text) / 2 (PDF) of its answers in no
# passage, seen only here (its dev half did not move); not tuned after it was seen. 2026-12-02
# 04:37 UTC, after a round on residents' words (the dev halves of eval2 to eval8): "not found"
# recall 0.667 (12 of 18), recall@5 unchanged. The floors follow the last figures.
FLOORS: dict[str, float | None] = {"recall@5": 0.868, "not_found_recall": 0.666}


@pytest.mark.parametrize("form", ["text", "pdf"])
def test_fifth_evaluation_set(engine: Engine, db_url: str, tmp_path: Path, form: str) -> None:
    """The fifth town's minutes, as text and as PDF: every quote is verbatim; the test half's
    floors once measured."""
    measure_against_floors(engine, db_url, tmp_path, form, EVAL5, "eval5", FLOORS)
