"""Phases of the consultation: officials open and close by hand or by dates, the scheduler follows,
and the permission table of every participation route."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.clock import utcnow
from portal.consultation.participation import services as ps
from portal.consultation.participation.jobs import JOBS
from portal.db import session_scope
from portal.modules import all_jobs
from portal.scheduler import run_once
from portal.settings import Settings
from tests.factories import clause_id
from tests.helpers import ROLES, as_role, assert_statuses, post, t


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
        "Temps restant : 3 jours et 4 heures" in page
        or "Temps restant : 3 jours et 5 heures" in page
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
    past = post(official, "/charter/v/2/phase", {"action": "dates",
                "opens_at": paris(timedelta(days=-3)), "closes_at": paris(timedelta(days=5))})  # fmt: skip
    assert past.status_code == 400 and "Cette date est déjà passée" in t(past)
    # Once open, the form sends the (past) opening date back with a new closing date: accepted.
    post(official, "/charter/v/2/phase", {"action": "open"})
    shown = re.search(
        r'id="opens_at" name="opens_at" value="([^"]+)"', official.get("/charter").text
    )
    assert shown is not None
    resaved = post(official, "/charter/v/2/phase", {"action": "dates", "opens_at": shown.group(1),
                   "closes_at": paris(timedelta(days=9))})  # fmt: skip
    assert resaved.status_code == 200 and "Les dates de la consultation sont enregistrées" in t(
        resaved
    )
    ancient = post(
        official, "/charter/v/2/phase", {"action": "dates", "opens_at": "0001-01-01T00:00"}
    )
    assert ancient.status_code == 400 and "Date illisible" in t(ancient)
    published = post(official, "/charter/v/1/phase", {"action": "open"})
    assert published.status_code == 409
    assert phase(engine) == "open"


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


# (method, path, form, expected status per role in ROLES order): anonymous visitors are sent to
# the login page (303); a role that may act gets the page (200) or the redirect back to it (303),
# also when its form is refused with a message there (only the author edits or deletes a
# comment), or the form's 400 (a new clause needs a section). A 500 fails wherever it appears.
ROUTES = [
    ("GET", "/charter/proposals", {}, [200, 200, 200, 200, 200, 200]),
    ("GET", "/charter/proposals/{proposal}", {}, [200, 200, 200, 200, 200, 200]),
    ("GET", "/charter/proposals/new", {}, [303, 403, 200, 403, 403, 200]),
    ("POST", "/charter/proposals", {"kind": "new", "title": "T", "body": "B", "rationale": "R"},
     [303, 403, 400, 403, 403, 400]),
    ("POST", "/charter/proposals/{proposal}/comments", {"body": "Oui"}, [303, 303, 303, 303, 303, 303]),
    ("POST", "/charter/proposals/{proposal}/support", {"action": "add"}, [303, 303, 303, 303, 303, 303]),
    ("POST", "/charter/clauses/4/comments", {"body": "Oui"}, [303, 303, 303, 303, 303, 303]),
    ("POST", "/charter/clauses/4/support", {"action": "add"}, [303, 303, 303, 303, 303, 303]),
    ("POST", "/charter/comments/{comment}/edit", {"body": "Non"}, [303, 303, 303, 303, 303, 303]),
    ("POST", "/charter/comments/{comment}/delete", {}, [303, 303, 303, 303, 303, 303]),
    ("POST", "/charter/comments/{comment}/report", {"reason": "spam"}, [303, 303, 303, 303, 303, 303]),
    ("POST", "/charter/comments/{comment}/support", {"action": "add"}, [303, 303, 303, 303, 303, 303]),
    ("POST", "/charter/proposals/{proposal}/report", {"reason": "spam"}, [303, 303, 303, 303, 303, 303]),
    ("GET", "/charter/desk", {}, [303, 403, 200, 403, 403, 200]),
    ("POST", "/charter/desk/comments", {"article": "4", "body": "Avis recueilli", "channel": "accueil"},
     [303, 403, 303, 403, 403, 303]),
    ("POST", "/charter/v/2/phase", {"action": "close"}, [303, 403, 403, 403, 303, 303]),
]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_permission_table(
    role: str, targets: dict[str, int], make_client: Any, login_as: Any
) -> None:
    """Each participation route answers each role with exactly its status (anonymous: login page)."""
    client = as_role(role, make_client, login_as)
    index = ROLES.index(role)
    expected: dict[tuple[str, str], int] = {}
    observed: dict[tuple[str, str], int] = {}
    for method, path, form, statuses in ROUTES:
        url = path.format(**targets)
        if method == "GET":
            response = client.get(url, follow_redirects=False)
        else:
            response = post(client, url, form, follow_redirects=False)
        expected[method, url] = statuses[index]
        observed[method, url] = response.status_code
        location = response.headers.get("location", "")
        if role == "anonymous" and statuses[index] == 303:
            assert location.startswith("/login?next="), (role, url, location)
        else:
            assert not location.startswith("/login"), (role, url, location)
    assert_statuses(expected, observed)


def test_time_left_reads_with_plurals_in_both_languages() -> None:
    """The time left is written as people write it: singular and plural in French (0 and 1
    singular) and English, never "jour(s)"."""
    from portal.consultation.participation.services import format_duration
    from portal.web.i18n import current_locale

    cases = [
        (timedelta(days=1, hours=1), "1 jour et 1 heure", "1 day and 1 hour"),
        (timedelta(days=2, minutes=30), "2 jours et 0 heure", "2 days and 0 hours"),
        (timedelta(hours=5, minutes=1), "5 heures et 1 minute", "5 hours and 1 minute"),
        (timedelta(minutes=59), "59 minutes", "59 minutes"),
        (timedelta(seconds=-5), "0 minute", "0 minutes"),
    ]
    for delta, french, english in cases:
        for lang, expected in (("fr", french), ("en", english)):
            token = current_locale.set(lang)
            try:
                assert format_duration(delta) == expected, (lang, delta)
            finally:
                current_locale.reset(token)
