"""Phases of the consultation: officials open and close by hand or by dates, the scheduler follows,
and the permission table of every participation route."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.clock import utcnow
from portal.consultation.demo.loader import load_demo
from portal.consultation.participation import services as ps
from portal.consultation.participation.jobs import JOBS
from portal.db import session_scope
from portal.modules import all_jobs
from portal.scheduler import run_once
from portal.settings import Settings
from tests.consultation.test_participation import (
    clause_id,
    open_charter,
    post,
    t,
)


@pytest.fixture
def charter(engine: Engine, settings: Settings, make_user: Any) -> dict[str, int]:
    """The demo charter with the consultation on draft version 2 open."""
    return open_charter(engine, settings, make_user)


@pytest.fixture
def drafting(engine: Engine, settings: Settings, make_user: Any) -> dict[str, int]:
    """Draft version 2 not yet open for comments."""
    accounts = {"elu": make_user("official"), "agent": make_user("agent")}
    load_demo(engine, settings, accounts=accounts, progress=lambda _m: None)
    return accounts


def phase(engine: Engine) -> str:
    with session_scope(engine, write=False) as s:
        version = ps.version_under_consultation(s)
        assert version is not None
        return ps.phase_info(s, version).phase


def paris(delta: timedelta) -> str:
    return (utcnow() + delta).astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")


def test_official_opens_and_closes_by_hand(
    drafting: dict[str, int], login_as: Any, engine: Engine, client: TestClient
) -> None:
    """An official opens the consultation with a closing date; the page shows the time left."""
    official = login_as("official")
    assert "Les commentaires ne sont pas encore ouverts." in t(client.get("/charter"))
    opened = post(official, "/charter/v/2/phase", {"action": "open", "closes_at": paris(timedelta(days=3, hours=5))},
                  follow_redirects=False)  # fmt: skip
    assert opened.status_code == 303 and phase(engine) == "open"
    page = t(client.get("/charter"))
    assert "Consultation : ouverte aux commentaires" in page
    assert (
        "Temps restant : 3 jour(s) et 4 heure(s)" in page
        or "Temps restant : 3 jour(s) et 5 heure(s)" in page
    )
    closed = post(official, "/charter/v/2/phase", {"action": "close"}, follow_redirects=False)
    assert closed.status_code == 303 and phase(engine) == "review"
    assert "les commentaires sont clos" in t(client.get("/charter/clauses/4"))
    again = post(official, "/charter/v/2/phase", {"action": "close"})
    assert again.status_code == 409 and "pas ouverte" in t(again)


def test_bad_dates_are_refused(drafting: dict[str, int], login_as: Any, engine: Engine) -> None:
    """A closing date before the opening date, or unreadable, is refused with a message."""
    official = login_as("official")
    backwards = post(official, "/charter/v/2/phase", {"action": "dates",
                     "opens_at": paris(timedelta(days=2)), "closes_at": paris(timedelta(days=1))})  # fmt: skip
    assert backwards.status_code == 400 and "après la date d'ouverture" in t(backwards)
    garbage = post(official, "/charter/v/2/phase", {"action": "dates", "opens_at": "demain"})
    assert garbage.status_code == 400 and "Date illisible" in t(garbage)
    published = post(official, "/charter/v/1/phase", {"action": "open"})
    assert published.status_code == 409
    assert phase(engine) == "drafting"


def test_scheduler_opens_and_closes_at_the_set_times(
    drafting: dict[str, int], login_as: Any, engine: Engine, settings: Settings
) -> None:
    """With dates set, the every-minute job opens the draft at opens_at and closes it at closes_at."""
    official = login_as("official")
    post(official, "/charter/v/2/phase", {"action": "dates", "opens_at": paris(timedelta(hours=1)),
         "closes_at": paris(timedelta(days=7))})  # fmt: skip
    job = next(j for j in JOBS if j.name == "consultation.phases")
    assert job in all_jobs()  # declared in the consultation's manifest
    assert job.every == timedelta(minutes=1)
    run_once(engine, settings, job, now=utcnow())
    assert phase(engine) == "drafting"
    run_once(engine, settings, job, now=utcnow() + timedelta(hours=2))
    assert phase(engine) == "open"
    with session_scope(engine, write=False) as s:
        stats = ps.clause_stats(s, s.get(ps.Clause, clause_id(engine, 4)).version_id)  # type: ignore[union-attr]
        assert len(stats) == 18  # the counters of every clause exist from the opening
    run_once(engine, settings, job, now=utcnow() + timedelta(days=8))
    assert phase(engine) == "review"


# --- who may do what ---------------------------------------------------------------------------

ROLES = ["anonymous", "resident", "agent", "moderator", "official", "admin"]
EVERYONE_SIGNED_IN = {"resident", "agent", "moderator", "official", "admin"}


@pytest.fixture
def targets(charter: dict[str, int], engine: Engine, make_user: Any) -> dict[str, int]:
    """A proposal and a comment to act on."""
    author = make_user()
    with session_scope(engine) as s:
        proposal = ps.create_proposal(s, author_id=charter["agent"], kind="new", title="Titre",
                                      body="Texte", rationale="Raison",
                                      section_slug=str(s.scalar(ps.select(ps.CharterSection.slug).limit(1))))  # fmt: skip
        comment = ps.add_comment(s, author_id=author, body="Avis", clause_id=clause_id(engine, 4))
        return {"proposal": int(proposal.id or 0), "comment": int(comment.id or 0)}


ROUTES = [
    # (method, path, form, roles allowed)
    ("GET", "/charter/proposals", {}, None),
    ("GET", "/charter/proposals/{proposal}", {}, None),
    ("GET", "/charter/proposals/new", {}, {"agent", "admin"}),
    ("POST", "/charter/proposals", {"kind": "new", "title": "T", "body": "B", "rationale": "R"},
     {"agent", "admin"}),
    ("POST", "/charter/proposals/{proposal}/comments", {"body": "Oui"}, EVERYONE_SIGNED_IN),
    ("POST", "/charter/proposals/{proposal}/support", {"action": "add"}, EVERYONE_SIGNED_IN),
    ("POST", "/charter/clauses/4/comments", {"body": "Oui"}, EVERYONE_SIGNED_IN),
    ("POST", "/charter/clauses/4/support", {"action": "add"}, EVERYONE_SIGNED_IN),
    ("POST", "/charter/comments/{comment}/edit", {"body": "Non"}, EVERYONE_SIGNED_IN),
    ("POST", "/charter/comments/{comment}/delete", {}, EVERYONE_SIGNED_IN),
    ("POST", "/charter/comments/{comment}/report", {"reason": "spam"}, EVERYONE_SIGNED_IN),
    ("POST", "/charter/comments/{comment}/support", {"action": "add"}, EVERYONE_SIGNED_IN),
    ("POST", "/charter/v/2/phase", {"action": "close"}, {"official", "admin"}),
]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_permission_table(
    role: str, targets: dict[str, int], make_client: Any, login_as: Any
) -> None:
    """Each participation route lets exactly its roles in (anonymous goes to the login page)."""
    client = (
        make_client() if role == "anonymous" else login_as(*([] if role == "resident" else [role]))
    )
    for method, path, form, allowed in ROUTES:
        url = path.format(**targets)
        if method == "GET":
            response = client.get(url, follow_redirects=False)
        else:
            response = post(client, url, form, follow_redirects=False)
        if allowed is None or (role in allowed):
            assert response.status_code not in (401, 403), (role, method, url)
            assert not response.headers.get("location", "").startswith("/login"), (role, url)
        elif role == "anonymous":
            assert response.status_code == 303, (role, url)
            assert response.headers["location"].startswith("/login?next="), (role, url)
        else:
            assert response.status_code == 403, (role, method, url, response.status_code)
