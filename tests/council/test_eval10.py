"""Tenth evaluation set (tests/council/eval10/, written blind over a tenth town's minutes; see its
README for the four hands): passage-level figures for the text and PDF forms of the same minutes,
on both databases, with eval2's harness (tests/council/evalsets.py). Measured at landing on the
code of that moment, before anyone read it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.council.evalsets import measure_against_floors

EVAL10 = Path(__file__).with_name("eval10")
# The test half, measured at landing (006c206's portal, 2026-12-03 17:00 UTC), blind, before anyone
# read the set, on both databases: recall@5 0.905 (114/126, text) / 0.897 (113/126, PDF), the
# first blind landing at the bar of 0.9 (in text only), recall@1 0.587-0.595, MRR@10
# 0.723-0.728, quotes the answer 0.651-0.659, "not found" recall 0.55 (11/20, text) / 0.60 (12/20,
# PDF) at precision 0.41-0.43; every answer in a passage (none unlocated). Floors follow.
FLOORS: dict[str, float | None] = {"recall@5": 0.896, "not_found_recall": 0.549}


@pytest.mark.parametrize("form", ["text", "pdf"])
def test_tenth_evaluation_set(engine: Engine, db_url: str, tmp_path: Path, form: str) -> None:
    """The tenth town's minutes, as text and as PDF: every quote is verbatim; the test half's
    floors once measured."""
    measure_against_floors(engine, db_url, tmp_path, form, EVAL10, "eval10", FLOORS)
