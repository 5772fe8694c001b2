"""Migration 0007 (login-throttle lock rows, display names unique without case) on a database
holding rows stored the old way, up and down, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from portal.accounts import services
from portal.accounts.models import User
from portal.clock import utcnow
from portal.db import make_engine, session_scope
from portal.errors import TooManyRequests, ValidationFailed
from portal.migrate import downgrade, upgrade
from tests.helpers import database_at


@pytest.fixture(params=["sqlite", "postgres"])
def old_url(request: pytest.FixtureRequest, tmp_path: Path, worker_tag: str) -> Iterator[str]:
    """A database at revision 0006 (before the throttle's lock rows)."""
    with database_at("0006", request.param, tmp_path, f"portal_migration_0007_{worker_tag}") as url:
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

    upgrade(old_url, "0007")
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


def test_upgrade_renames_names_that_differ_only_by_case_and_then_refuses_them(
    old_url: str, tmp_path: Path
) -> None:
    """Names stored by 0006 that differ only by case: the oldest keeps its name, the next gets its
    number; afterwards the database refuses such a twin; the downgrade accepts it again."""
    engine = make_engine(old_url)
    with engine.begin() as conn:
        for i, name in enumerate(("Claire", "claire", "Paul", "CLAIRE")):
            conn.execute(
                text(
                    "INSERT INTO accounts_user (email, display_name, password_hash, created_at, "
                    "is_active) VALUES (:e, :n, '!', :at, :t)"
                ),
                {"e": f"personne{i}@exemple.fr", "n": name,
                 "at": utcnow(), "t": True},
            )  # fmt: skip
    engine.dispose()

    upgrade(old_url, "0007")
    engine = make_engine(old_url)
    try:
        with engine.connect() as conn:
            names = conn.execute(text("SELECT display_name FROM accounts_user ORDER BY id"))
            assert [n for (n,) in names] == ["Claire", "claire 2", "Paul", "CLAIRE 4"]
        with engine.begin() as conn, pytest.raises(IntegrityError):
            conn.execute(
                text(
                    "INSERT INTO accounts_user (email, display_name, password_hash, created_at, "
                    "is_active) VALUES ('p2@exemple.fr', 'PAUL', '!', :at, :t)"
                ),
                {"at": utcnow(), "t": True},
            )
        with session_scope(engine) as session, pytest.raises(ValidationFailed):
            services.signup(
                session, email="pp@exemple.fr", display_name="paul",
                password="une phrase assez longue",
            )  # fmt: skip
    finally:
        engine.dispose()

    downgrade(old_url, "0006")
    engine = make_engine(old_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO accounts_user (email, display_name, password_hash, created_at, "
                    "is_active) VALUES ('p3@exemple.fr', 'PAUL', '!', :at, :t)"
                ),
                {"at": utcnow(), "t": True},
            )
    finally:
        engine.dispose()
