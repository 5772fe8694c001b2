"""Migration 0014 (identities at a provider, sign-ins through them) on a database holding
accounts and sessions stored the old way, up and down, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
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
    """A database at revision 0013, before signing in with a provider."""
    with database_at("0013", request.param, tmp_path, f"portal_migration_0014_{worker_tag}") as url:
        yield url


def test_upgrade_links_identities_to_old_accounts_and_downgrade_keeps_the_accounts(
    old_url: str,
) -> None:
    """Accounts and sessions stored by 0013 take identities and sign-ins after the upgrade (one
    identity per issuer and subject); the downgrade drops only the two new tables."""
    now = utcnow()
    engine = make_engine(old_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts_user (email, display_name, password_hash, created_at, is_active) "
                "VALUES ('ancienne@exemple.fr', 'Ancienne', '!', :now, :t)"
            ),
            {"now": now, "t": True},
        )
        user_id = conn.execute(text("SELECT id FROM accounts_user")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO accounts_session (token_hash, user_id, created_at, last_seen_at, expires_at) "
                "VALUES ('h', :u, :now, :now, :exp)"
            ),
            {"u": user_id, "now": now, "exp": now + timedelta(days=1)},
        )
        session_id = conn.execute(text("SELECT id FROM accounts_session")).scalar_one()
    engine.dispose()

    upgrade(old_url, "0014")
    engine = make_engine(old_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"accounts_oidc_identity", "accounts_oidc_login"} <= tables
        identity = (
            "INSERT INTO accounts_oidc_identity (provider, issuer, subject, user_id, email, "
            "created_at, last_login_at) VALUES ('franceconnect', 'https://fc', 's1', :u, "
            "'ancienne@exemple.fr', :now, :now)"
        )
        with engine.begin() as conn:
            conn.execute(text(identity), {"u": user_id, "now": now})
            conn.execute(
                text(
                    "INSERT INTO accounts_oidc_login (provider, state_hash, browser_hash, nonce, "
                    "code_verifier, next_url, created_at, expires_at, claims, auth_session_id) VALUES "
                    "('franceconnect', 's', 'b', 'n', 'v', '/', :now, :now, '{}', :sid)"
                ),
                {"now": now, "sid": session_id},
            )
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(identity), {"u": user_id, "now": now})  # same issuer and subject
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM accounts_session"))
            # The sign-in goes with the session it opened.
            assert conn.execute(text("SELECT count(*) FROM accounts_oidc_login")).scalar_one() == 0
    finally:
        engine.dispose()

    downgrade(old_url, "0013")
    engine = make_engine(old_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert "accounts_oidc_identity" not in tables and "accounts_oidc_login" not in tables
        with engine.connect() as conn:
            assert conn.execute(text("SELECT email FROM accounts_user")).scalar_one() == (
                "ancienne@exemple.fr"
            )
    finally:
        engine.dispose()
    upgrade(old_url, "0014")  # and up again
