"""Build the tests' world through the services and the demo loader, never by copying rows by hand.

People (`create_user`), the charter in each state (`published_charter`, `drafting_charter`,
`open_charter`, `consultation`), what people write on it (`add_comment`, `add_proposal`), the
register's entries (`register_entries`), and the look-ups a test needs to name what was built.
`make_user` is the conftest fixture: `make_user("official", name=...)` returns a user id.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from portal.accounts.models import User, UserRole
from portal.accounts.passwords import hash_password
from portal.clock import utcnow
from portal.consultation.charter import services as charter_services
from portal.consultation.charter.models import CharterVersion, Clause
from portal.consultation.charter.source import load_charter
from portal.consultation.demo.loader import (
    clause_ids_by_slug,
    insert_comment,
    insert_proposal,
    insert_supports,
    load_demo,
    open_schedule,
)
from portal.consultation.participation import services as participation
from portal.consultation.participation.models import ClauseStats
from portal.consultation.vocabulary import Target
from portal.db import session_scope
from portal.registry import services as registry_services
from portal.registry.loader import load_folder
from portal.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
REGISTRY_CONTENT = ROOT / "content" / "registry"
CHARTER_V1 = ROOT / "content" / "charter" / "v1"
PASSWORD = "une phrase de passe de test"

MakeUser = Callable[..., int]
Accounts = dict[str, int]

_counter = itertools.count(1)


# --- people -----------------------------------------------------------------------------------


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


# --- the charter in each state ----------------------------------------------------------------


def published_charter(engine: Engine, make_user: MakeUser) -> int:
    """Version 1 of content/charter/, published by a new official, and nothing else; returns the
    official's id."""
    official = make_user("official")
    with session_scope(engine) as session:
        charter_services.create_version(
            session, source=load_charter(CHARTER_V1), number=1, actor_id=official
        )
    with session_scope(engine) as session:
        charter_services.publish_version(
            session, number=1, note="Première version.", actor_id=official, expected_lock=1
        )
    return official


def drafting_charter(engine: Engine, settings: Settings, make_user: MakeUser) -> Accounts:
    """The demo charter: version 1 published, draft version 2 not yet open for comments;
    returns the ids of the official ("elu", named Élue Test) and the agent."""
    accounts = {"elu": make_user("official", name="Élue Test"), "agent": make_user("agent")}
    load_demo(engine, settings, accounts=accounts, progress=lambda _m: None)
    return accounts


def open_charter(engine: Engine, settings: Settings, make_user: MakeUser) -> Accounts:
    """The demo charter with the consultation on draft version 2 opened by hand by the official
    (no closing date set)."""
    accounts = drafting_charter(engine, settings, make_user)
    with session_scope(engine) as session:
        version = participation.version_under_consultation(session)
        assert version is not None
        if participation.phase_info(session, version).phase != "open":
            participation.open_consultation(session, number=2, actor_id=accounts["elu"])
    return accounts


def consultation(engine: Engine, settings: Settings, make_user: MakeUser) -> Accounts:
    """Version 1 published, draft version 2 open for comments on the demo's schedule (a closing
    date three weeks ahead); returns the ids of "elu" (Élue Réponse) and "agent" (Agent Proposant)."""
    accounts = {
        "elu": make_user("official", name="Élue Réponse"),
        "agent": make_user("agent", name="Agent Proposant"),
    }
    load_demo(engine, settings, accounts=accounts, progress=lambda _m: None)
    with session_scope(engine) as session:
        open_schedule(session, version_id=int(charter_services.get_version(session, 2).id or 0))
    return accounts


# --- what people write on it ------------------------------------------------------------------


def add_proposal(
    engine: Engine,
    *,
    author_id: int,
    clause_slug: str | None = "contact-humain",
    title: str = "Un numéro direct",
    body: str = "Un numéro de téléphone direct est publié sur chaque page.",
    rationale: str = "Les personnes âgées abandonnent face aux serveurs vocaux.",
    section_slug: str | None = None,
    supporters: list[int] | None = None,
) -> int:
    """A proposal on draft version 2 (an amendment of `clause_slug`, or a new clause in
    `section_slug`), with its supporters; returns its id."""
    with session_scope(engine) as session:
        version_id = int(charter_services.get_version(session, 2).id or 0)
        proposal = insert_proposal(
            session, version_id=version_id, author_id=author_id, title=title, body=body,
            rationale=rationale, clause_slug=clause_slug, section_slug=section_slug,
        )  # fmt: skip
        pid = int(proposal.id or 0)
        insert_supports(
            session, target_type=Target.PROPOSAL, target_id=pid, user_ids=supporters or []
        )
        return pid


def add_comment(
    engine: Engine,
    *,
    author_id: int,
    body: str = "Un avis argumenté.",
    slug: str = "contact-humain",
    version: int = 2,
    supporters: list[int] | None = None,
) -> int:
    """A comment on the clause `slug` of `version`, with its supporters; returns its id."""
    with session_scope(engine) as session:
        version_id = int(charter_services.get_version(session, version).id or 0)
        clause_id = clause_ids_by_slug(session, version_id)[slug]
        comment = insert_comment(session, author_id=author_id, body=body, clause_id=clause_id)
        cid = int(comment.id or 0)
        insert_supports(
            session, target_type=Target.COMMENT, target_id=cid, user_ids=supporters or []
        )
        return cid


# --- look-ups of what was built ---------------------------------------------------------------


def clause_id(engine: Engine, number: int, version: int = 2) -> int:
    """The id of article `number` of `version` (0 when there is none)."""
    with session_scope(engine, write=False) as s:
        return int(
            s.scalar(
                select(Clause.id)
                .join(CharterVersion, CharterVersion.id == Clause.version_id)
                .where(CharterVersion.number == version, Clause.number == number)
            )
            or 0
        )


def clause_stats(engine: Engine, number: int = 4) -> ClauseStats | None:
    """The counters of article `number` of draft version 2."""
    with session_scope(engine, write=False) as s:
        return s.get(ClauseStats, clause_id(engine, number))


def draft_clause(engine: Engine, slug: str) -> Clause | None:
    """The clause `slug` of draft version 2, as stored now."""
    with session_scope(engine, write=False) as session:
        version_id = int(charter_services.get_version(session, 2).id or 0)
        return session.scalar(
            select(Clause).where(Clause.version_id == version_id, Clause.slug == slug)
        )


# --- the register -----------------------------------------------------------------------------


def register_entries(engine: Engine, owner_id: int, folder: Path = REGISTRY_CONTENT) -> list[str]:
    """The entries of `folder` (the seven of content/registry/) imported and published, owned by
    `owner_id`; returns their slugs."""
    entries = load_folder(folder)
    with session_scope(engine) as session:
        result = registry_services.import_entries(session, entries, owner_id=owner_id)
    return result.slugs
