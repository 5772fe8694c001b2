"""The scaffolding of a migration test: a scratch database (SQLite and PostgreSQL) migrated only
to the revision before, rows stored there the old way, then up to the migration and down again.

    old = migration_at("0017", "0018", USER, system(published_revision=1))

    def test_something(old: Migration) -> None:
        with old.up() as engine:  # upgraded to 0018; the engine is disposed after
            ...
        with old.down() as engine:  # downgraded to 0017
            ...
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from portal.clock import utcnow
from portal.db import make_engine
from portal.migrate import downgrade, upgrade
from tests.helpers import database_at

BACKENDS = ["sqlite", "postgres"]
NOW = object()  # a parameter given this value is stored as the time of the insertion

# A row stored the old way: a statement and its parameters.
Row = tuple[str, Mapping[str, Any]]


def user(id: int = 1, email: str = "a@exemple.fr", name: str = "Ana") -> Row:
    """An active account (columns every revision has)."""
    return (
        "INSERT INTO accounts_user (id, email, display_name, password_hash, is_active, created_at)"
        " VALUES (:id, :email, :name, '!', :t, :now)",
        {"id": id, "email": email, "name": name, "t": True, "now": NOW},
    )


USER_ROW = user()


def system(id: int = 1, slug: str = "s", published_revision: int = 0) -> Row:
    """A register entry (columns every revision since 0003 has)."""
    return (
        "INSERT INTO registry_system (id, slug, name, status, risk_category, service,"
        " personal_data, search_text, published_revision, created_at) VALUES (:id, :slug,"
        " 'Système', 'test', 'minimal', 'Service', :f, '', :rev, :now)",
        {"id": id, "slug": slug, "f": False, "rev": published_revision, "now": NOW},
    )


def store(conn: Connection, *rows: Row) -> None:
    """Insert `rows` (NOW parameters become the current time)."""
    now = utcnow()
    for sql, params in rows:
        conn.execute(text(sql), {k: now if v is NOW else v for k, v in params.items()})


@dataclass(frozen=True)
class Migration:
    """A scratch database at revision `before`, to take up to `after` and down again."""

    url: str
    before: str
    after: str

    @contextlib.contextmanager
    def engine(self) -> Iterator[Engine]:
        engine = make_engine(self.url)
        try:
            yield engine
        finally:
            engine.dispose()

    def store(self, *rows: Row) -> None:
        with self.engine() as engine, engine.begin() as conn:
            store(conn, *rows)

    @contextlib.contextmanager
    def up(self) -> Iterator[Engine]:
        """Upgraded to `after`; the engine given is disposed after."""
        upgrade(self.url, self.after)
        with self.engine() as engine:
            yield engine

    @contextlib.contextmanager
    def down(self) -> Iterator[Engine]:
        """Downgraded to `before`; the engine given is disposed after."""
        downgrade(self.url, self.before)
        with self.engine() as engine:
            yield engine


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def migration_at(before: str, after: str, *rows: Row, name: str = "old") -> Callable[..., Any]:
    """A fixture `name`, on both backends: a Migration whose database is at `before` and holds
    `rows` stored the old way."""

    @pytest.fixture(name=name, params=BACKENDS)
    def fixture(
        request: pytest.FixtureRequest, tmp_path: Path, worker_tag: str
    ) -> Iterator[Migration]:
        database = f"portal_migration_{after}_{worker_tag}"
        with database_at(before, request.param, tmp_path, database) as url:
            migration = Migration(url, before, after)
            migration.store(*rows)
            yield migration

    return fixture
