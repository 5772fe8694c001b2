"""Third evaluation set (tests/council/eval3/, written blind over a third town's minutes, as
Markdown without front matter): passage-level figures for the Markdown and PDF forms of the same
minutes, on both databases, with eval2's harness (tests/council/evalsets.py). Tuned on the dev
half only; the test half is measured by the lead."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.council.evalsets import DEV_ONLY, assert_floors, measure

EVAL3 = Path(__file__).with_name("eval3")
# The test half does NOT reach the bars (recall@5 >= 0.9, "not found" on every unanswerable
# question). Measured once, 2026-12-01 11:30 UTC, after every change of the day was made on the
# dev halves only: recall@5 0.806 (SQLite, text), 0.790 (SQLite PDF, PostgreSQL text), 0.774
# (PostgreSQL PDF: the two databases break ties between equal scores differently); "not found"
# recall 0.769 on all four. These floors are the lowest of those figures, so that CI catches a
# regression; the bars stay the target.
# Measured again 2026-12-01 13:37 UTC after the afternoon's round (tuned on the dev halves of
# eval2, eval3 and eval4 only; both databases now rank alike: portal/council/postings.py):
# recall@5 0.806 (text) and 0.790 (PDF); "not found" recall 0.769 -> 0.615, two unanswerable test
# questions more answered: a cost of that round, not re-tuned after it was seen.
# 2026-12-01 17:15 UTC (after the evening's two rounds on the dev halves; both databases, text and
# PDF alike; docs/benchmarks.md): recall@5 0.839, "not found" recall 0.692. The floors follow.
FLOORS: dict[str, float | None] = {"recall@5": 0.838, "not_found_recall": 0.692}


@pytest.mark.parametrize("form", ["text", "pdf"])
def test_third_evaluation_set(engine: Engine, db_url: str, tmp_path: Path, form: str) -> None:
    """The third town's minutes, as Markdown and as PDF: every quote is verbatim; the test half's
    floors once measured."""
    figures = measure(engine, db_url, tmp_path, form, EVAL3, "eval3")
    # every dev answer lies within one passage (the set's check.py holds them to one paragraph)
    assert figures["dev"].unlocated == 0, figures["dev"]
    if not DEV_ONLY:
        assert_floors(figures["test"], FLOORS)
