"""Migration 0021 (an incomplete draft's base revision, a draft's merged-over fields) up and down
on a database holding drafts kept the old way (no base recorded), on both backends: each kept
draft gets the entry's last publication before it was started."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from portal.clock import utcnow
from tests.migrations_helpers import (
    USER_ROW,
    Migration,
    Row,
    columns,
    migration_at,
    scalar,
    store,
    system,
)

T0 = utcnow() - timedelta(days=30)


def _at(days: int) -> Any:
    return T0 + timedelta(days=days)


def _published(number: int, days: int) -> list[Row]:
    """Publication `number` of entry 1, `days` after T0: its revision and history line."""
    return [
        ("INSERT INTO registry_revision (id, system_id, status, base_revision, data, summary,"
         " author_id, created_at) VALUES (:n, 1, 'published', :b, :data, 'Version', 1, :at)",
         {"n": number, "b": number - 1, "data": json.dumps({"slug": "s", "v": number}),
          "at": _at(days)}),
        ("INSERT INTO registry_change (system_id, revision_id, number, summary, published_at,"
         " diff) VALUES (1, :n, :n, 'Version', :at, '[]')", {"n": number, "at": _at(days)}),
    ]  # fmt: skip


def _kept(id: int, system_id: int | None, days: int) -> Row:
    return (
        "INSERT INTO registry_incomplete_draft (id, author_id, system_id, form, summary,"
        " created_at, updated_at) VALUES (:id, 1, :s, :form, '', :at, :later)",
        {"id": id, "s": system_id, "form": json.dumps({"summary": "Pas fini"}),
         "at": _at(days), "later": _at(days + 9)},
    )  # fmt: skip


old = migration_at(
    "0020", "0021", USER_ROW, system(published_revision=3), system(2, "t", published_revision=2),
    *_published(1, 1), *_published(2, 5), *_published(3, 10),
    _kept(1, 1, 3),  # started when version 1 was online, kept again later
    _kept(2, 1, 11),  # started on version 3
    _kept(3, None, 4),  # a new entry
    _kept(4, 2, 2),  # an entry with no history
)  # fmt: skip


def test_old_kept_drafts_get_the_version_online_when_started_and_downgrade_keeps_them(
    old: Migration,
) -> None:
    """After 0021 each kept draft's base is the publication before its creation (the entry's
    revision when its history has none, NULL for a new entry); old drafts for review have no
    merged fields; one can be stored; the downgrade drops both columns and keeps every row."""
    with old.up() as engine, engine.begin() as conn:
        store(conn, (
            "INSERT INTO registry_revision (id, system_id, status, base_revision, data, summary,"
            " author_id, created_at, merge_conflicts) VALUES (9, 1, 'draft', 3, :data, 'Fusion',"
            " 1, :at, :conflicts)",
            {"data": json.dumps({"slug": "s"}), "at": _at(12),
             "conflicts": json.dumps(["summary"])},
        ))  # fmt: skip
    with old.engine() as engine:
        with engine.connect() as conn:
            bases = conn.execute(
                text("SELECT id, base_revision FROM registry_incomplete_draft ORDER BY id")
            ).all()
        assert [tuple(b) for b in bases] == [(1, 1), (2, 3), (3, None), (4, 2)]
        assert scalar(engine, "SELECT count(*) FROM registry_revision WHERE merge_conflicts"
                              " IS NULL") == 3  # fmt: skip
        stored = scalar(engine, "SELECT merge_conflicts FROM registry_revision WHERE id = 9")
        assert (stored if isinstance(stored, list) else json.loads(stored)) == ["summary"]
    with old.down() as engine:
        assert "base_revision" not in columns(engine, "registry_incomplete_draft")
        assert "merge_conflicts" not in columns(engine, "registry_revision")
        assert scalar(engine, "SELECT count(*) FROM registry_incomplete_draft") == 4
        assert scalar(engine, "SELECT count(*) FROM registry_revision") == 4
    with old.up() as engine:  # and up again
        assert (
            scalar(engine, "SELECT base_revision FROM registry_incomplete_draft WHERE id = 1") == 1
        )
