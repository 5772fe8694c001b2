"""Migration 0018 (an agent's incomplete drafts) up and down on a database holding a system and
a draft for review stored the old way, on both backends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from portal.clock import utcnow
from portal.db import make_engine
from portal.migrate import downgrade, upgrade
from tests.helpers import database_at


@pytest.fixture(params=["sqlite", "postgres"])
def old_url(request: pytest.FixtureRequest, tmp_path: Path, worker_tag: str) -> Iterator[str]:
    """A database at revision 0017 with an agent, one published system and a draft of it."""
    with database_at("0017", request.param, tmp_path, f"portal_migration_0018_{worker_tag}") as url:
        engine = make_engine(url)
        now = utcnow()
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO accounts_user (id, email, display_name, password_hash, is_active,"
                    " created_at) VALUES (1, 'a@exemple.fr', 'Ana', '!', :t, :now)"
                ),
                {"t": True, "now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO registry_system (id, slug, name, status, risk_category, service,"
                    " personal_data, search_text, published_revision, created_at) VALUES (1, 's',"
                    " 'Système', 'test', 'minimal', 'Service', :f, '', 1, :now)"
                ),
                {"f": False, "now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO registry_revision (id, system_id, status, base_revision, data,"
                    " summary, author_id, created_at) VALUES (1, 1, 'draft', 1, :data, 'Résumé',"
                    " 1, :now)"
                ),
                {"data": json.dumps({"slug": "s", "name": "Système"}), "now": now},
            )
        engine.dispose()
        yield url


def test_upgrade_adds_incomplete_drafts_and_downgrade_keeps_entries_and_drafts(
    old_url: str,
) -> None:
    """After 0018 an incomplete draft (invalid values as typed) of the old system can be stored
    beside the old draft; the downgrade drops it and keeps the system and the draft for review."""
    upgrade(old_url, "0018")
    engine = make_engine(old_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO registry_incomplete_draft (author_id, system_id, form, summary,"
                    " created_at, updated_at) VALUES (1, 1, :form, '', :now, :now)"
                ),
                {"form": json.dumps({"next_review": "31/12/2027"}), "now": utcnow()},
            )
            stored = conn.execute(text("SELECT form FROM registry_incomplete_draft")).scalar_one()
            form = stored if isinstance(stored, dict) else json.loads(stored)
            assert form == {"next_review": "31/12/2027"}
            assert conn.execute(text("SELECT count(*) FROM registry_revision")).scalar_one() == 1
    finally:
        engine.dispose()
    downgrade(old_url, "0017")
    engine = make_engine(old_url)
    try:
        assert "registry_incomplete_draft" not in inspect(engine).get_table_names()
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM registry_system")).scalar_one() == 1
            assert conn.execute(text("SELECT summary FROM registry_revision")).scalar_one() == (
                "Résumé"
            )
    finally:
        engine.dispose()
