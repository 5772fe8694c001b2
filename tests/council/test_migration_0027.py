"""Migration 0027 (passages found by their deliberation through an index) up and down on a
database holding a meeting stored the old way, on both backends: the statement that lifts a
deliberation's vote and rapporteur lines (search.kind_rerank) reads the index, not the table."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from tests.migrations_helpers import Migration, meeting, migration_at, scalar

old = migration_at("0026", "0027", meeting())

LIFT = (
    "SELECT id, item_id, text FROM council_passage WHERE item_id IN (1, 2) "
    "AND (kind = 'vote' OR text LIKE 'Rapporteu%')"
)


def _plan(engine: Engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return " ".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + LIFT)))
        conn.execute(text("SET enable_seqscan = off"))  # a table of one row: ask for the index
        return " ".join(str(r[0]) for r in conn.execute(text("EXPLAIN " + LIFT)))


def test_passage_item_index_up_and_down(old: Migration) -> None:
    with old.up() as engine:
        indexes = {i["name"] for i in inspect(engine).get_indexes("council_passage")}
        assert "ix_council_passage_item_id" in indexes
        assert "ix_council_passage_item_id" in _plan(engine)
        assert scalar(engine, "SELECT count(*) FROM council_meeting") == 1
    with old.down() as engine:
        indexes = {i["name"] for i in inspect(engine).get_indexes("council_passage")}
        assert "ix_council_passage_item_id" not in indexes
        assert "ix_council_passage_item_id" not in _plan(engine)
