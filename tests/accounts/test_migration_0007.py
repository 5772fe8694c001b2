"""Migration 0007 (login-throttle lock rows) on a database holding attempts stored the old way,
up and down, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from portal.accounts import services
from portal.accounts.models import User
from portal.db import make_engine, session_scope, utcnow
from portal.errors import TooManyRequests
from portal.migrate import downgrade, upgrade
from tests.conftest import PG_URL, _missing, scratch_postgres


@pytest.fixture(params=["sqlite", "postgres"])
def old_url(request: pytest.FixtureRequest, tmp_path: Path, worker_tag: str) -> Iterator[str]:
    """A database at revision 0006 (before the throttle's lock rows)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
        upgrade(url, "0006")
        yield url
        return
    if not PG_URL:
        _missing("PostgreSQL tests need PORTAL_TEST_POSTGRES_URL")
    with scratch_postgres(f"portal_migration_0007_{worker_tag}", "0006") as url:
        yield url


def test_upgrade_keeps_old_failures_counting_and_downgrade_drops_only_the_new_table(
    old_url: str,
) -> None:
    """Five failures stored by 0006's code still lock the address after the upgrade, a right
    login stored then no longer counts, and the downgrade keeps every attempt."""
    key = services._account_key("ancienne@exemple.fr")
    engine = make_engine(old_url)
    with engine.begin() as conn:
        for i in range(5):
            conn.execute(
                text("INSERT INTO accounts_login_attempt (key, at, success) VALUES (:k, :at, :s)"),
                {"k": key, "at": utcnow() - timedelta(seconds=10 + i), "s": False},
            )
        conn.execute(
            text("INSERT INTO accounts_login_attempt (key, at, success) VALUES (:k, :at, :s)"),
            {"k": services._account_key("fidele@exemple.fr"), "at": utcnow(), "s": True},
        )
    engine.dispose()

    upgrade(old_url)
    engine = make_engine(old_url)
    try:
        assert "accounts_login_throttle" in inspect(engine).get_table_names()
        with session_scope(engine) as session, pytest.raises(TooManyRequests):
            services.authenticate(session, email="ancienne@exemple.fr", password="x", client="a")
        with session_scope(engine) as session:
            session.add(User(email="fidele@exemple.fr", display_name="Fidele", password_hash="!"))
        with session_scope(engine) as session:
            outcome = services.authenticate(
                session, email="fidele@exemple.fr", password="x", client="a"
            )
        assert outcome.error == services.GENERIC_LOGIN_ERROR
    finally:
        engine.dispose()

    downgrade(old_url, "0006")
    engine = make_engine(old_url)
    try:
        assert "accounts_login_throttle" not in inspect(engine).get_table_names()
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM accounts_login_attempt")).scalar()
        assert count == 8  # six stored before, two (address, client) added after the upgrade
    finally:
        engine.dispose()
