"""Each test starts from a migrated, empty database on both backends, whatever the test before it
wrote: every table empty, every id counting from 1 again (the fixtures in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from portal.db import make_engine, metadata
from portal.settings import Settings
from tests.factories import consultation, register_entries


def _counts(engine: Engine) -> dict[str, int]:
    names = [table.name for table in metadata.sorted_tables]  # SQLite's FTS5 shadow tables aside
    with engine.connect() as conn:
        return {n: int(conn.scalar(text(f'SELECT count(*) FROM "{n}"')) or 0) for n in names}


def test_a_test_that_writes_everywhere(engine: Engine, settings: Settings, make_user: Any) -> None:
    """Fills many tables (the demo charter, the register, people and their roles)."""
    accounts = consultation(engine, settings, make_user)
    register_entries(engine, accounts["agent"])
    assert sum(1 for count in _counts(engine).values() if count) >= 5


def test_the_next_test_finds_every_table_empty_and_ids_from_one(
    engine: Engine, settings: Settings, sqlite_template: Path, make_user: Any
) -> None:
    """Runs after the test above on the same worker (one file runs on one worker, in order). On
    SQLite the database is a copy of the migrated template (with the rows migrations seed); on
    PostgreSQL every table is emptied, as TRUNCATE did."""
    if settings.is_sqlite:
        template = make_engine(f"sqlite:///{sqlite_template}")
        expected = _counts(template)
        template.dispose()
    else:
        expected = dict.fromkeys(_counts(engine), 0)
    assert _counts(engine) == expected
    assert make_user() == 1
    assert make_user("official") == 2
