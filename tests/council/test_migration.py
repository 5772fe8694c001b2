"""Migration 0006 on a database that already holds minutes: the search keeps working on both
backends, with PostgreSQL's french configuration, and spaCy reads every passage again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from portal.council import services
from portal.council.ingest import index_entities
from portal.db import make_engine, session_scope
from portal.migrate import downgrade, upgrade
from portal.nlp.french import terms
from tests.conftest import PG_URL, _missing, scratch_postgres

PASSAGES = [
    ("heading", "1. Travaux de la piscine des Raguidelles"),
    ("paragraph", "Rapporteur : Thomas Lefèvre"),
    ("paragraph", "Les travaux de rénovation seront remis à l'été 2025 ; le bassin reste ouvert."),
]


@pytest.fixture(params=["sqlite", "postgres"])
def old_url(request: pytest.FixtureRequest, tmp_path: Path, worker_tag: str) -> Iterator[str]:
    """A database at revision 0005 (before lemmas)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
        upgrade(url, "0005")
        yield url
        return
    if not PG_URL:
        _missing("PostgreSQL tests need PORTAL_TEST_POSTGRES_URL")
    with scratch_postgres(f"portal_migration_{worker_tag}", "0005") as url:
        yield url


def _store_as_0005_did(url: str) -> None:
    """One meeting stored the way revision 0005's code stored it: stems in search_text, a
    two-column FTS5 table or a 'simple' tsvector, an entity spaCy had found."""
    engine = make_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as conn:
        meeting_id = conn.execute(
            text(
                "INSERT INTO council_meeting (meeting_date, title, present, absent, proxies, "
                "source_filename, source_sha256, source_format, source_bytes, ingested_at, "
                "next_anchor) VALUES ('2024-05-16', 'Séance du 16 mai 2024', '[]', '[]', '[]', "
                "'2024-05-16.md', :sha, 'md', :data, '2024-05-17 10:00:00', 3) RETURNING id"
            ),
            {"sha": "0" * 64, "data": b"minutes"},
        ).scalar_one()
        item_id = conn.execute(
            text(
                "INSERT INTO council_item (meeting_id, position, number, title, unanimous, adopted) "
                "VALUES (:m, 0, '2024-05-10', 'Travaux de la piscine des Raguidelles', :t, :t) "
                "RETURNING id"
            ),
            {"m": meeting_id, "t": True},
        ).scalar_one()
        title = " ".join(terms("Travaux de la piscine des Raguidelles"))
        for position, (kind, body) in enumerate(PASSAGES):
            passage_id = conn.execute(
                text(
                    "INSERT INTO council_passage (meeting_id, item_id, position, anchor, page, kind, "
                    "text, text_hash, search_text, search_title, nlp_done) VALUES (:m, :i, :p, :p, "
                    "1, :k, :x, :h, :s, :st, :done) RETURNING id"
                ),
                {"m": meeting_id, "i": item_id, "p": position, "k": kind, "x": body,
                 "h": str(position) * 64, "s": " ".join(terms(body)), "st": title, "done": True},
            ).scalar_one()  # fmt: skip
            if sqlite:
                conn.execute(
                    text(
                        "INSERT INTO council_passage_fts(rowid, search_title, search_text) "
                        "VALUES (:id, :st, :s)"
                    ),
                    {"id": passage_id, "st": title, "s": " ".join(terms(body))},
                )
            if body.startswith("Rapporteur"):
                conn.execute(
                    text(
                        "INSERT INTO council_entity (meeting_id, passage_id, kind, value, key) "
                        "VALUES (:m, :p, 'person', 'Thomas Lefèvre', 'thomas lefevre'), "
                        "(:m, :p, 'place', 'Raguidelles', 'raguidelles')"
                    ),
                    {"m": meeting_id, "p": passage_id},
                )
    engine.dispose()


def test_upgrade_keeps_minutes_searchable_and_has_spacy_read_them_again(old_url: str) -> None:
    _store_as_0005_did(old_url)
    upgrade(old_url)
    engine = make_engine(old_url)
    try:
        with session_scope(engine, write=False) as session:
            found = services.search(session, "piscines rénovées").hits
            assert [h.anchor for h in found][:1] == [2]
            assert services.pending_count(session) == len(PASSAGES)
            kinds = session.execute(text("SELECT kind, value FROM council_entity")).all()
            assert [tuple(k) for k in kinds] == [("person", "Thomas Lefèvre")]
            assert services.search(session, "remettre").hits == []
            if engine.dialect.name == "postgresql":
                definition = session.execute(
                    text(
                        "SELECT generation_expression FROM information_schema.columns "
                        "WHERE table_name = 'council_passage' AND column_name = 'tsv'"
                    )
                ).scalar_one()
                assert "'french'" in definition and "search_lemmas" in definition
        assert index_entities(engine) == len(PASSAGES)
        with session_scope(engine, write=False) as session:
            found = services.search(session, "remettre").hits
            assert [h.anchor for h in found] == [2] and "<mark>remis</mark>" in found[0].snippet
    finally:
        engine.dispose()
    # And back: revision 0005's index (stems) answers 0005's queries again.
    downgrade(old_url, "0005")
    engine = make_engine(old_url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = "SELECT rowid FROM council_passage_fts WHERE council_passage_fts MATCH 'piscin'"
        else:
            sql = "SELECT id FROM council_passage WHERE tsv @@ to_tsquery('simple', 'piscin')"
        assert len(conn.execute(text(sql)).all()) == len(PASSAGES)
    engine.dispose()
