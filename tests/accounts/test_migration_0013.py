"""Migration 0013 (follow pace and mail logs, e-mail changes waiting for their link) on a
database holding rows stored the old way, up and down, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from portal.clock import utcnow
from portal.db import make_engine
from portal.migrate import downgrade, upgrade
from tests.helpers import database_at


@pytest.fixture(params=["sqlite", "postgres"])
def old_url(request: pytest.FixtureRequest, tmp_path: Path, worker_tag: str) -> Iterator[str]:
    """A database at revision 0012 (follows without a pace, tokens without an address)."""
    with database_at("0012", request.param, tmp_path, f"portal_migration_0013_{worker_tag}") as url:
        yield url


def test_old_follows_mail_at_once_and_the_downgrade_keeps_them(old_url: str) -> None:
    """A follow stored before 0013 mails at once after it; a pending e-mail change is dropped
    by the downgrade, every other row kept."""
    now = utcnow()
    engine = make_engine(old_url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO accounts_user (id, email, display_name, password_hash, created_at, "
                 "is_active) VALUES (1, 'ancien@exemple.fr', 'Ancien Suiveur', '!', :now, :t)"),
            {"now": now, "t": True},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO consultation_follow (id, user_id, target_type, target_key, "
                 "unsubscribe_token, created_at) VALUES (1, 1, 'clause', 'contact-humain', "
                 "'jeton-ancien', :now)"),
            {"now": now},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO accounts_token (token_hash, user_id, purpose, created_at, "
                 "expires_at) VALUES ('h-confirm', 1, 'confirm', :now, :later)"),
            {"now": now, "later": now + timedelta(days=1)},
        )  # fmt: skip
    engine.dispose()

    upgrade(old_url, "0013")
    engine = make_engine(old_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"consultation_follow_delivery", "consultation_follow_digest"} <= tables
        with engine.begin() as conn:
            assert conn.execute(text("SELECT frequency FROM consultation_follow")).scalar() == (
                "immediate"
            )
            assert conn.execute(text("SELECT new_email FROM accounts_token")).scalar() is None
            conn.execute(
                text("INSERT INTO accounts_token (token_hash, user_id, purpose, created_at, "
                     "expires_at, new_email) VALUES ('h-email', 1, 'email', :now, :later, "
                     "'nouvelle@exemple.fr')"),
                {"now": now, "later": now + timedelta(days=1)},
            )  # fmt: skip
            conn.execute(
                text("INSERT INTO consultation_follow (id, user_id, target_type, target_key, "
                     "unsubscribe_token, created_at, frequency) VALUES (2, 1, 'proposal', '7', "
                     "'jeton-neuf', :now, 'daily')"),
                {"now": now},
            )  # fmt: skip
    finally:
        engine.dispose()

    downgrade(old_url, "0012")
    engine = make_engine(old_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert "consultation_follow_delivery" not in tables
        assert "consultation_follow_digest" not in tables
        columns = {c["name"] for c in inspect(engine).get_columns("consultation_follow")}
        assert "frequency" not in columns
        with engine.connect() as conn:
            tokens = conn.execute(text("SELECT token_hash FROM accounts_token")).scalars().all()
            follows = conn.execute(
                text("SELECT unsubscribe_token FROM consultation_follow ORDER BY id")
            ).scalars().all()  # fmt: skip
        assert tokens == ["h-confirm"] and follows == ["jeton-ancien", "jeton-neuf"]
    finally:
        engine.dispose()
    upgrade(old_url, "0013")  # and up again
