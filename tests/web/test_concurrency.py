"""Concurrent writers never see "database is locked": many sign-ups at once all succeed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from portal.accounts.models import User
from portal.db import session_scope
from tests.helpers import csrf_token, run_concurrently


def test_parallel_signups_all_succeed(make_client: Any, engine: Engine) -> None:
    """Twelve residents signing up at the same moment get twelve accounts and no error."""
    clients = [make_client() for _ in range(12)]
    tokens = [csrf_token(c, "/signup") for c in clients]

    def sign_up(i: int) -> int:
        response = clients[i].post(
            "/signup",
            data={"email": f"p{i}@exemple.fr", "display_name": f"Personne {i}",
                  "password": "une phrase assez longue", "csrf_token": tokens[i]},
        )  # fmt: skip
        return response.status_code

    outcomes = run_concurrently(len(clients), sign_up)
    assert outcomes.errors == []
    assert outcomes.results == [200] * 12
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 12
