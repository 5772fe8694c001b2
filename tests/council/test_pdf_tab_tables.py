"""A vote table a word processor exported with tabs reads the same in the text file and in its
PDF form (portal/council/pdfgen.py prints a tab as a column's gap: the font has no tab glyph,
and the PDF's text ran the columns together, "VotantsExprimés", so the vote was lost)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.council.ingest import ingest_paths
from portal.council.pdfgen import render_plain
from tests.helpers import t

TAB_MINUTES = (
    "VILLE DE KERLAZ\n"
    "Procès-verbal de la séance du conseil municipal du 19 juin 2025\n"
    "Délibération n° 2025-06-07 : Tarifs du camping municipal pour 2026\n"
    "Rapporteur : Mme Nolwenn Le Bihan\n"
    "Mme Le Bihan présente les tarifs du camping municipal pour la saison 2026.\n"
    "Votants\tExprimés\tPour\tContre\tAbstentions\n"
    "26\t22\t20\t2\t4\n"
)


@pytest.mark.parametrize("form", ["text", "pdf"])
def test_a_tab_separated_vote_table_is_read_in_both_forms(
    engine: Engine, client: TestClient, tmp_path: Path, form: str
) -> None:
    if form == "text":
        source = tmp_path / "2025-06-19.txt"
        source.write_text(TAB_MINUTES, encoding="utf-8")
    else:
        source = tmp_path / "2025-06-19.pdf"
        source.write_bytes(render_plain(TAB_MINUTES))
    assert ingest_paths(engine, [source])[1] == []
    page = t(client.get("/council/m/2025-06-19"))
    assert "Tarifs du camping municipal pour 2026" in page
    assert "pour 20, contre 2, abstentions 4" in page
