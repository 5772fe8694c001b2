"""Migrations 0025 (the index's state read from a covering index) and 0026 (meetings' former
dates) up and down on a database holding a meeting stored the old way, on both backends."""

from __future__ import annotations

from sqlalchemy import inspect, text

from tests.migrations_helpers import Migration, meeting, migration_at, scalar, tables

old = migration_at("0024", "0026", meeting())


def test_state_index_and_former_dates_up_and_down(old: Migration) -> None:
    with old.up() as engine:
        indexes = {i["name"] for i in inspect(engine).get_indexes("council_meeting")}
        assert "ix_council_meeting_state" in indexes
        assert "council_former_date" in tables(engine)
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO council_former_date (day, meeting_id) VALUES ('2023-12-19', 1)")
            )
        assert scalar(engine, "SELECT meeting_id FROM council_former_date") == 1
        # A meeting removed takes its former dates with it.
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.execute(text("PRAGMA foreign_keys=ON"))
            conn.execute(text("DELETE FROM council_meeting"))
        assert scalar(engine, "SELECT count(*) FROM council_former_date") == 0
    with old.down() as engine:
        assert "council_former_date" not in tables(engine)
        indexes = {i["name"] for i in inspect(engine).get_indexes("council_meeting")}
        assert "ix_council_meeting_state" not in indexes
