"""Migration 0020 (followed searches) on a database that already holds minutes, on SQLite and
PostgreSQL: the minutes stay, a search can be followed once per person, the downgrade drops only
the followed searches and a second upgrade works."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.factories import create_user
from tests.migrations_helpers import Migration, meeting, migration_at, scalar, tables

old = migration_at("0019", "0020", meeting("3" * 64))


def test_0020_adds_followed_searches_and_keeps_the_minutes(old: Migration) -> None:
    """0020 on a database holding minutes (stored the 0019 way): they stay, searches are followed
    once per person and search; the downgrade drops the followed searches only."""
    insert = text(
        "INSERT INTO council_saved_search (user_id, query, params, seen_meeting_id, "
        "unsubscribe_token, created_at) VALUES (:u, 'piscine', 'q=piscine', 1, :token, "
        "'2026-11-30 10:00:00')"
    )
    with old.up() as engine:
        user_id = create_user(engine)
        with engine.begin() as conn:
            conn.execute(insert, {"u": user_id, "token": "a" * 43})
            assert conn.execute(text("SELECT title, source_bytes FROM council_meeting")).one() == (
                "Séance du 16 mai 2024",
                b"minutes",
            )
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert, {"u": user_id, "token": "b" * 43})  # the same search twice
    with old.down() as engine:
        assert scalar(engine, "SELECT count(*) FROM council_meeting") == 1
        assert "council_saved_search" not in tables(engine) and "council_meeting" in tables(engine)
    with old.up() as engine:
        assert scalar(engine, "SELECT count(*) FROM council_saved_search") == 0
