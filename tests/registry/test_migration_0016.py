"""Migration 0016 (checkable commitments and their last state) up and down on a database holding
a published system stored the old way, on both backends."""

from __future__ import annotations

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
    """A database at revision 0015 with one system."""
    with database_at("0015", request.param, tmp_path, f"portal_migration_0016_{worker_tag}") as url:
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO registry_system (id, slug, name, status, risk_category, service,"
                    " personal_data, search_text, published_revision, created_at) VALUES (1, 's',"
                    " 'Système', 'test', 'minimal', 'Service', :f, '', 1, :now)"
                ),
                {"f": False, "now": utcnow()},
            )
        engine.dispose()
        yield url


def test_upgrade_adds_the_commitment_tables_and_downgrade_keeps_the_systems(old_url: str) -> None:
    """After 0016 a commitment and its state for the old system can be stored; the downgrade
    drops them and keeps the system."""
    upgrade(old_url, "0016")
    engine = make_engine(old_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    'INSERT INTO registry_commitment (id, clause_slug, title, "check", field,'
                    " allowed, scope, created_at) VALUES (1, 'contact-humain', 'Un humain',"
                    " 'present', 'human_contact', '[]', 'all', :now)"
                ),
                {"now": utcnow()},
            )
            conn.execute(
                text(
                    "INSERT INTO registry_commitment_state (commitment_id, system_id, met, since)"
                    " VALUES (1, 1, :t, :now)"
                ),
                {"t": True, "now": utcnow()},
            )
    finally:
        engine.dispose()
    downgrade(old_url, "0015")
    engine = make_engine(old_url)
    try:
        assert "registry_commitment" not in inspect(engine).get_table_names()
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM registry_system")).scalar_one() == 1
    finally:
        engine.dispose()
