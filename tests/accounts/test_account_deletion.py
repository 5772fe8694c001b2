"""A deleted account keeps its public contributions under a neutral name, but not what it
followed: its follows and their digest links are gone within a minute (the follow mail job)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from portal.accounts import services as accounts_services
from portal.accounts.models import User
from portal.clock import utcnow
from portal.consultation.follow.jobs import JOBS as FOLLOW_JOBS
from portal.consultation.follow.models import Follow, FollowDigest
from portal.db import session_scope
from portal.scheduler import run_once
from portal.settings import Settings
from tests.factories import consultation
from tests.helpers import post


def follow_clause(client: Any, slug: str) -> None:
    response = post(
        client,
        "/follow",
        {"target_type": "clause", "target_key": slug, "action": "follow", "next": "/charter"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]


def followers(engine: Engine) -> list[int]:
    with session_scope(engine, write=False) as session:
        return sorted(session.scalars(select(Follow.user_id)))


def test_deleting_an_account_removes_its_follows_and_digest_links(
    engine: Engine, settings: Settings, make_user: Any, login_as: Any
) -> None:
    """After "Supprimer mon compte", the follow job forgets that person's follows and digest
    links; another resident's follows, and a suspended one's, stay."""
    consultation(engine, settings, make_user)
    leaving, staying, suspended = login_as(), login_as(), login_as()
    for client in (leaving, staying, suspended):
        follow_clause(client, "contact-humain")
    follow_clause(leaving, "explication")
    with session_scope(engine) as session:
        session.add(FollowDigest(user_id=leaving.user_id, token="t-leaving", follow_ids=[1]))
        accounts_services.set_active(
            session, user_id=suspended.user_id, active=False, actor_id=None, reason="test"
        )
    deleted = post(
        leaving, "/account/delete", {"confirm": "SUPPRIMER"}, form_page="/account",
        follow_redirects=False,
    )  # fmt: skip
    assert deleted.status_code == 303
    # Nothing is forgotten before the job runs, and the job forgets only the deleted account's.
    assert followers(engine).count(leaving.user_id) == 2
    [job] = [j for j in FOLLOW_JOBS if j.name == "consultation.follow.now"]
    assert run_once(engine, settings, job, now=utcnow() + timedelta(seconds=1))
    assert followers(engine) == sorted([staying.user_id, suspended.user_id])
    with session_scope(engine, write=False) as session:
        assert session.scalars(select(FollowDigest.user_id)).all() == []
        # The account itself stays, renamed, for the contributions it made.
        user = session.get(User, leaving.user_id)
        assert user is not None and user.display_name == f"Compte supprimé {leaving.user_id}"
