"""Migration 0007 (login-throttle lock rows, display names unique without case) on a database
holding rows stored the old way, up and down, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from portal.accounts import services
from portal.clock import utcnow
from portal.db import session_scope
from portal.errors import TooManyRequests, ValidationFailed
from tests.migrations_helpers import Migration, Row, migration_at, scalar, store, tables, user

old = migration_at("0006", "0007")


def _attempt(email: str, seconds_ago: int, success: bool) -> Row:
    return (
        "INSERT INTO accounts_login_attempt (key, at, success) VALUES (:k, :at, :s)",
        {"k": services._account_key(email), "at": utcnow() - timedelta(seconds=seconds_ago),
         "s": success},
    )  # fmt: skip


def test_upgrade_keeps_old_failures_counting_and_downgrade_drops_only_the_new_table(
    old: Migration,
) -> None:
    """Five failures stored by 0006's code still lock the address after the upgrade, a right
    login stored then no longer counts, and the downgrade keeps every attempt."""
    old.store(*(_attempt("ancienne@exemple.fr", 10 + i, False) for i in range(5)),
              _attempt("fidele@exemple.fr", 0, True))  # fmt: skip

    with old.up() as engine:
        assert "accounts_login_throttle" in tables(engine)
        with session_scope(engine) as session, pytest.raises(TooManyRequests):
            services.authenticate(session, email="ancienne@exemple.fr", password="x", client="a")
        old.store(user(1, "fidele@exemple.fr", "Fidele"))
        with session_scope(engine) as session:
            outcome = services.authenticate(
                session, email="fidele@exemple.fr", password="x", client="a"
            )
        assert outcome.error == services.GENERIC_LOGIN_ERROR

    with old.down() as engine:
        assert "accounts_login_throttle" not in tables(engine)
        # six stored before, two (address, client) added after the upgrade
        assert scalar(engine, "SELECT count(*) FROM accounts_login_attempt") == 8


def test_upgrade_renames_names_that_differ_only_by_case_and_then_refuses_them(
    old: Migration,
) -> None:
    """Names stored by 0006 that differ only by case: the oldest keeps its name, the next gets its
    number; afterwards the database refuses such a twin; the downgrade accepts it again."""
    old.store(*(user(i + 1, f"personne{i}@exemple.fr", name)
                for i, name in enumerate(("Claire", "claire", "Paul", "CLAIRE"))))  # fmt: skip

    with old.up() as engine:
        with engine.connect() as conn:
            names = conn.exec_driver_sql("SELECT display_name FROM accounts_user ORDER BY id")
            assert [n for (n,) in names] == ["Claire", "claire 2", "Paul", "CLAIRE 4"]
        with engine.begin() as conn, pytest.raises(IntegrityError):
            store(conn, user(5, "p2@exemple.fr", "PAUL"))
        with session_scope(engine) as session, pytest.raises(ValidationFailed):
            services.signup(
                session, email="pp@exemple.fr", display_name="paul",
                password="une phrase assez longue",
            )  # fmt: skip

    with old.down() as engine, engine.begin() as conn:
        store(conn, user(6, "p3@exemple.fr", "PAUL"))
