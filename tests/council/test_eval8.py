"""Eighth evaluation set (tests/council/eval8/, written blind over an eighth town's minutes: a
secretary's report in numbered paragraphs; a two-column "relevé de décisions" whose columns
interleave line by line; text extracted from a two-column PDF with 40-character hyphenated lines,
running headers, "— N —" footers and a few OCR errors; Markdown with a YAML front matter and
block-quoted votes): passage-level figures for the text and PDF forms of the same minutes, on both
databases, with eval2's harness (tests/council/evalsets.py). Kept out of every tuning round; the
test half is measured by the lead."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.council.evalsets import measure_against_floors

EVAL8 = Path(__file__).with_name("eval8")
# The test half, measured at landing (9cb37af with 1cdba5a's portal, 2026-12-01 23:50 UTC), blind,
# the same on both databases: recall@5 0.853 (99/116, text) / 0.897 (104/116, PDF), "not found"
# recall 0.556 (10/18) at precision 0.31-0.32; 13 (text) and 3 (PDF) answers in no passage, ten of
# them copied from the Markdown source with its ** marks, which the harness now leaves out (the same
# code then: 0.922 / 0.897). After the reader's round on the dev half (two-column relevé, "§ 15."
# kept with its vote; 2026-12-02 00:24 UTC, no longer blind): 0.922 / 0.888 (the PDF form lost one
# question), "not found" recall 0.556. 2026-12-02 10:10 UTC, words of asking left out by form
# or lemma, not by stem (dev halves): 0.922 / 0.897. 2026-12-03 17:20 UTC, numbered titles of a
# narrow column read as items (its meeting of 26 June had none; rule written on the dev half):
# 0.931 / 0.905, "not found" recall 0.556 at precision 0.37-0.385. Floors below the last figures.
FLOORS: dict[str, float | None] = {"recall@5": 0.904, "not_found_recall": 0.555}


@pytest.mark.parametrize("form", ["text", "pdf"])
def test_eighth_evaluation_set(engine: Engine, db_url: str, tmp_path: Path, form: str) -> None:
    """The eighth town's minutes, as text and as PDF: every quote is verbatim; the test half's
    floors once measured."""
    measure_against_floors(engine, db_url, tmp_path, form, EVAL8, "eval8", FLOORS)
