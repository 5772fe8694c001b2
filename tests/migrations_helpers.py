"""The scaffolding of a migration test: a scratch database (SQLite and PostgreSQL) migrated only
to the revision before, rows stored there the old way, then up to the migration and down again.

    old = migration_at("0017", "0018", USER, system(published_revision=1))

    def test_something(old: Migration) -> None:
        with old.up() as engine:  # upgraded to 0018; the engine is disposed after
            ...
        with old.down() as engine:  # downgraded to 0017
            ...

`old.up("head")` goes on to the latest revision (today's models and services read the rows);
`with old.begin() as conn:` stores rows whose ids depend on others (RETURNING). user(),
system(), version(), proposal(), comment() and meeting() are rows of columns every revision
since their table's has. Store old rows in SQL, never through the ORM: a write hook of today's
models needs consultation_generation, which databases before 0019 lack.
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


def version(id: int = 1, number: int = 1) -> Row:
    """A draft of the charter (columns every revision since 0002 has)."""
    return (
        "INSERT INTO consultation_version (id, number, status, title, preamble, created_at,"
        " lock_version) VALUES (:id, :number, 'draft', 'Charte', '', :now, 1)",
        {"id": id, "number": number, "now": NOW},
    )


def proposal(body: str = "Texte", rationale: str = "Parce que", **later: Any) -> Row:
    """Proposal 1, pending, by account 1 on version 1 (columns every revision since 0002 has;
    `later`: columns of later revisions and their values)."""
    names, values = "".join(f", {k}" for k in later), "".join(f", :{k}" for k in later)
    return (
        "INSERT INTO consultation_proposal (id, version_id, kind, title, body, rationale,"
        f" author_id, created_at, status, support_count, comment_count, lock_version{names})"
        f" VALUES (1, 1, 'new', 'Titre', :body, :rationale, 1, :now, 'pending', 0, 0, 1{values})",
        {"body": body, "rationale": rationale, "now": NOW, **later},
    )


def comment(body: str) -> Row:
    """A comment by account 1 on proposal 1 (columns every revision since 0002 has)."""
    return (
        "INSERT INTO consultation_comment (proposal_id, author_id, body, created_at,"
        " support_count, reply_count, report_count) VALUES (1, 1, :body, :now, 0, 0, 0)",
        {"body": body, "now": NOW},
    )


def meeting(sha: str = "1" * 64, next_anchor: int = 0) -> Row:
    """The minutes of 16 May 2024, ingested the next day (columns every revision since 0004 has)."""
    return (
        "INSERT INTO council_meeting (meeting_date, title, present, absent, proxies,"
        " source_filename, source_sha256, source_format, source_bytes, ingested_at, next_anchor)"
        " VALUES ('2024-05-16', 'Séance du 16 mai 2024', '[]', '[]', '[]', '2024-05-16.md', :sha,"
        " 'md', :data, '2024-05-17 10:00:00', :next_anchor)",
        {"sha": sha, "data": b"minutes", "next_anchor": next_anchor},
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

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction on the database at its present revision (committed if the block ends
        without an exception): for rows stored the old way that other rows' ids depend on."""
        with self.engine() as engine, engine.begin() as conn:
            yield conn

    def store(self, *rows: Row) -> None:
        with self.begin() as conn:
            store(conn, *rows)

    @contextlib.contextmanager
    def up(self, to: str | None = None) -> Iterator[Engine]:
        """Upgraded to `after` (or to `to`, e.g. "head"); the engine given is disposed after."""
        upgrade(self.url, to or self.after)
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
        database = f"portal_migration_{before}_{after}_{worker_tag}"
        with database_at(before, request.param, tmp_path, database) as url:
            migration = Migration(url, before, after)
            migration.store(*rows)
            yield migration

    return fixture
