"""`portal demo load`: demo accounts (one per role) and each module's demo content."""

from __future__ import annotations

import sys
from collections.abc import Callable

from sqlalchemy.engine import Engine

from portal.accounts import services
from portal.db import session_scope
from portal.modules import demo_loaders
from portal.settings import Settings

DEMO_DOMAIN = "demo.suresnes.invalid"
DEMO_PASSWORD = "suresnes-demo-2026"  # noqa: S105 - public on purpose: demo mode only, refused in production
DEMO_ACCOUNTS: tuple[tuple[str, str, list[str]], ...] = (
    ("admin", "Administratrice Démo", ["admin"]),
    ("elu", "Élue Démo", ["official"]),
    ("agent", "Agent Démo", ["agent"]),
    ("moderation", "Modérateur Démo", ["moderator"]),
    ("habitant", "Habitant Démo", []),
)

Progress = Callable[[str], None]


def _progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def ensure_demo_accounts(engine: Engine) -> dict[str, int]:

    ids: dict[str, int] = {}
    with session_scope(engine) as session:
        for local, name, roles in DEMO_ACCOUNTS:
            user = services.find_user_by_email(session, demo_email(local))
            if user is None:
                user = services.create_user(
                    session, email=demo_email(local), display_name=name, password=DEMO_PASSWORD,
                    roles=roles, actor_id=None,
                )  # fmt: skip
            ids[local] = int(user.id)
    return ids


def print_demo_accounts(settings: Settings) -> None:
    print(
        "\nDemo accounts (demo mode only; password for all: " + DEMO_PASSWORD + "):",
        file=sys.stderr,
    )
    for local, name, roles in DEMO_ACCOUNTS:
        print(
            f"  {demo_email(local):38} {name:22} {', '.join(roles) or 'resident'}", file=sys.stderr
        )
    print("", file=sys.stderr)


def load_demo(engine: Engine, settings: Settings, *, only: list[str] | None = None) -> None:
    """Idempotent: running it twice leaves the same content."""
    print("Loading demo content:", file=sys.stderr)
    accounts = ensure_demo_accounts(engine)
    _progress(f"accounts: {len(accounts)} demo accounts")
    for load in demo_loaders(only):
        load(engine, settings, accounts=accounts, progress=_progress)
    print_demo_accounts(settings)
