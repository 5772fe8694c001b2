"""Migration 0010 (handover figures, question idempotency keys, reports and hiding) on a database
holding a question stored the old way, up and down, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from portal.clock import utcnow
from portal.db import make_engine
from portal.migrate import downgrade, upgrade
from tests.helpers import database_at


@pytest.fixture(params=["sqlite", "postgres"])
def old_url(request: pytest.FixtureRequest, tmp_path: Path, worker_tag: str) -> Iterator[str]:
    """A database at revision 0009 with one user, one system and one question."""
    with database_at("0009", request.param, tmp_path, f"portal_migration_0010_{worker_tag}") as url:
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
                    " 'Système', 'test', 'minimal', 'Service', :f, '', 0, :now)"
                ),
                {"f": False, "now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO registry_question (id, system_id, author_id, kind, body,"
                    " created_at) VALUES (7, 1, 1, 'question', 'Une question ancienne', :now)"
                ),
                {"now": now},
            )
        engine.dispose()
        yield url


def test_upgrade_keeps_old_questions_visible_and_keys_unique_per_author(old_url: str) -> None:
    """After 0010 an old question is visible with no key, a key is unique per author, and the
    downgrade keeps the question."""
    upgrade(old_url, "0010")
    engine = make_engine(old_url)
    try:
        tables = inspect(engine).get_table_names()
        assert {"registry_handover", "registry_question_report"} <= set(tables)
        with engine.begin() as conn:
            row = conn.execute(
                text("SELECT hidden_at, idempotency_key FROM registry_question WHERE id = 7")
            ).one()
            assert tuple(row) == (None, None)
            for body in ("Sans clé une", "Sans clé deux"):
                conn.execute(
                    text(
                        "INSERT INTO registry_question (system_id, author_id, kind, body,"
                        " created_at) VALUES (1, 1, 'question', :b, :now)"
                    ),
                    {"b": body, "now": utcnow()},
                )
            conn.execute(
                text(
                    "INSERT INTO registry_question (system_id, author_id, kind, body, created_at,"
                    " idempotency_key) VALUES (1, 1, 'question', 'Avec clé', :now, 'k1')"
                ),
                {"now": utcnow()},
            )
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO registry_question (system_id, author_id, kind, body, created_at,"
                    " idempotency_key) VALUES (1, 1, 'question', 'Encore', :now, 'k1')"
                ),
                {"now": utcnow()},
            )
        with pytest.raises(IntegrityError), engine.begin() as conn:
            for _ in range(2):
                conn.execute(
                    text(
                        "INSERT INTO registry_handover (system_id, month, conversations,"
                        " handovers, entered_at) VALUES (1, '2026-10', 10, 2, :now)"
                    ),
                    {"now": utcnow()},
                )
    finally:
        engine.dispose()

    downgrade(old_url, "0009")
    engine = make_engine(old_url)
    try:
        assert "registry_handover" not in inspect(engine).get_table_names()
        with engine.begin() as conn:
            count = conn.execute(text("SELECT count(*) FROM registry_question")).scalar_one()
        assert count == 4
    finally:
        engine.dispose()
