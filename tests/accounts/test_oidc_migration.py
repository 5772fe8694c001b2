"""Migration 0014 (identities at a provider, sign-ins through them) on a database holding
accounts and sessions stored the old way, up and down, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from portal.clock import utcnow
from tests.migrations_helpers import NOW, Migration, Row, migration_at, scalar, store, tables

LATER = utcnow() + timedelta(days=1)

old = migration_at(
    "0013", "0014",
    ("INSERT INTO accounts_user (email, display_name, password_hash, created_at, is_active)"
     " VALUES ('ancienne@exemple.fr', 'Ancienne', '!', :now, :t)", {"now": NOW, "t": True}),
    ("INSERT INTO accounts_session (token_hash, user_id, created_at, last_seen_at, expires_at)"
     " SELECT 'h', id, :now, :now, :later FROM accounts_user", {"now": NOW, "later": LATER}),
)  # fmt: skip


def _identity(user_id: int) -> Row:
    return (
        "INSERT INTO accounts_oidc_identity (provider, issuer, subject, user_id, email, created_at,"
        " last_login_at) VALUES ('franceconnect', 'https://fc', 's1', :u, 'ancienne@exemple.fr',"
        " :now, :now)",
        {"u": user_id, "now": NOW},
    )


def test_upgrade_links_identities_to_old_accounts_and_downgrade_keeps_the_accounts(
    old: Migration,
) -> None:
    """Accounts and sessions stored by 0013 take identities and sign-ins after the upgrade (one
    identity per issuer and subject); the downgrade drops only the two new tables."""
    with old.up() as engine:
        assert {"accounts_oidc_identity", "accounts_oidc_login"} <= tables(engine)
        user_id = scalar(engine, "SELECT id FROM accounts_user")
        session_id = scalar(engine, "SELECT id FROM accounts_session")
        with engine.begin() as conn:
            store(
                conn,
                _identity(user_id),
                ("INSERT INTO accounts_oidc_login (provider, state_hash, browser_hash, nonce,"
                 " code_verifier, next_url, created_at, expires_at, claims, auth_session_id)"
                 " VALUES ('franceconnect', 's', 'b', 'n', 'v', '/', :now, :now, '{}', :sid)",
                 {"now": NOW, "sid": session_id}),
            )  # fmt: skip
        with pytest.raises(IntegrityError), engine.begin() as conn:
            store(conn, _identity(user_id))  # same issuer and subject
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM accounts_session"))
            # The sign-in goes with the session it opened.
            assert conn.execute(text("SELECT count(*) FROM accounts_oidc_login")).scalar_one() == 0

    with old.down() as engine:
        assert not {"accounts_oidc_identity", "accounts_oidc_login"} & tables(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT email FROM accounts_user")).scalar_one() == (
                "ancienne@exemple.fr"
            )
    with old.up() as engine:  # and up again
        assert {"accounts_oidc_identity", "accounts_oidc_login"} <= tables(engine)
