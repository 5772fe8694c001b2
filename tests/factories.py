"""Build data directly through the services (fast paths for tests)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy.engine import Engine

from portal.accounts.models import User, UserRole
from portal.accounts.passwords import hash_password
from portal.clock import utcnow
from portal.db import session_scope

PASSWORD = "une phrase de passe de test"
_counter = itertools.count(1)


@lru_cache(maxsize=1)
def _password_hash() -> str:
    # Hash once per test process: argon2id takes ~0.1 s by design.
    return hash_password(PASSWORD)


def create_user(
    engine: Engine, *, roles: Iterable[str] = (), email: str | None = None, name: str | None = None
) -> int:
    n = next(_counter)
    with session_scope(engine) as session:
        user = User(
            email=email or f"user{n}@exemple.fr",
            display_name=name or f"Personne {n}",
            password_hash=_password_hash(),
            email_confirmed_at=utcnow(),
        )
        session.add(user)
        session.flush()
        for role in {"resident", *roles}:
            session.add(UserRole(user_id=user.id, role=role))
        return int(user.id)  # type: ignore[arg-type]


def email_of(engine: Engine, user_id: int) -> str:
    with session_scope(engine, write=False) as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.email
