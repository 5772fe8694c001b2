"""Migration 0018 (an agent's incomplete drafts) up and down on a database holding a system and
a draft for review stored the old way, on both backends."""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.migrations_helpers import (
    NOW,
    USER_ROW,
    Migration,
    migration_at,
    scalar,
    store,
    system,
    tables,
)

DRAFT = (
    "INSERT INTO registry_revision (id, system_id, status, base_revision, data, summary,"
    " author_id, created_at) VALUES (1, 1, 'draft', 1, :data, 'Résumé', 1, :now)",
    {"data": json.dumps({"slug": "s", "name": "Système"}), "now": NOW},
)
old = migration_at("0017", "0018", USER_ROW, system(published_revision=1), DRAFT)


def test_upgrade_adds_incomplete_drafts_and_downgrade_keeps_entries_and_drafts(
    old: Migration,
) -> None:
    """After 0018 an incomplete draft (invalid values as typed) of the old system can be stored
    beside the old draft; the downgrade drops it and keeps the system and the draft for review."""
    with old.up() as engine, engine.begin() as conn:
        store(conn, (
            "INSERT INTO registry_incomplete_draft (author_id, system_id, form, summary,"
            " created_at, updated_at) VALUES (1, 1, :form, '', :now, :now)",
            {"form": json.dumps({"next_review": "31/12/2027"}), "now": NOW},
        ))  # fmt: skip
        stored = conn.execute(text("SELECT form FROM registry_incomplete_draft")).scalar_one()
        form = stored if isinstance(stored, dict) else json.loads(stored)
        assert form == {"next_review": "31/12/2027"}
        assert conn.execute(text("SELECT count(*) FROM registry_revision")).scalar_one() == 1
    with old.down() as engine:
        assert "registry_incomplete_draft" not in tables(engine)
        assert scalar(engine, "SELECT count(*) FROM registry_system") == 1
        assert scalar(engine, "SELECT summary FROM registry_revision") == "Résumé"
