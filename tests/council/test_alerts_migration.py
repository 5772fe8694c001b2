"""Migration 0020 (followed searches) on a database that already holds minutes, on SQLite and
PostgreSQL: the minutes stay, a search can be followed once per person, the downgrade drops only
the followed searches and a second upgrade works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from portal.db import make_engine
from portal.migrate import downgrade, upgrade
from tests.factories import create_user
from tests.helpers import database_at


@pytest.fixture(params=["sqlite", "postgres"])
def url_at_0019(request: pytest.FixtureRequest, tmp_path: Path, worker_tag: str) -> Iterator[str]:
    """A database at revision 0019 (before followed searches)."""
    with database_at("0019", request.param, tmp_path, f"portal_migration_s_{worker_tag}") as url:
        yield url


def test_0020_adds_followed_searches_and_keeps_the_minutes(url_at_0019: str) -> None:
    """0020 on a database holding minutes (stored the 0019 way): they stay, searches are followed
    once per person and search; the downgrade drops the followed searches only."""
    engine = make_engine(url_at_0019)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO council_meeting (meeting_date, title, present, absent, proxies, "
                "source_filename, source_sha256, source_format, source_bytes, ingested_at, "
                "next_anchor) VALUES ('2024-05-16', 'Séance du 16 mai 2024', '[]', '[]', '[]', "
                "'2024-05-16.md', :sha, 'md', :data, '2024-05-17 10:00:00', 0)"
            ),
            {"sha": "3" * 64, "data": b"minutes"},
        )
    engine.dispose()
    upgrade(url_at_0019, "0020")
    engine = make_engine(url_at_0019)
    user_id = create_user(engine)
    insert = text(
        "INSERT INTO council_saved_search (user_id, query, params, seen_meeting_id, "
        "unsubscribe_token, created_at) VALUES (:u, 'piscine', 'q=piscine', 1, :token, "
        "'2026-11-30 10:00:00')"
    )
    with engine.begin() as conn:
        conn.execute(insert, {"u": user_id, "token": "a" * 43})
        assert conn.execute(text("SELECT title, source_bytes FROM council_meeting")).one() == (
            "Séance du 16 mai 2024",
            b"minutes",
        )
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert, {"u": user_id, "token": "b" * 43})  # the same search twice
    engine.dispose()
    downgrade(url_at_0019, "0019")
    engine = make_engine(url_at_0019)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM council_meeting")).scalar_one() == 1
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert "council_saved_search" not in tables and "council_meeting" in tables
    upgrade(url_at_0019, "0020")
    engine = make_engine(url_at_0019)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM council_saved_search")).scalar_one() == 0
    engine.dispose()
