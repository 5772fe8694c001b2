"""Ops fixtures: an empty target database beside the test's own (no table at all)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal.settings import normalise_database_url


@pytest.fixture
def empty_database(db_url: str, tmp_path: Path, worker_tag: str) -> Iterator[str]:
    """A database of the same kind as `db_url` with nothing in it, not even the schema."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'portal.sqlite3'}"
        return
    name = f"portal_restore_{worker_tag}"
    admin = create_engine(normalise_database_url(db_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(db_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
