"""Saved-search alerts: a signed-in resident follows a search of the minutes (a plain form with
CSRF), finds it in "Mon espace", and is mailed once when newly stored minutes match it; the mail
has text and HTML parts, absolute links that lead to the passage and the search, and an
unsubscribe link that works signed out (one-click POST, RFC 8058)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.clock import utcnow
from portal.core_models import OutboxMail
from portal.council.ingest import ingest_paths
from portal.council.jobs import JOBS
from portal.council.models import SavedSearch
from portal.db import session_scope
from portal.mail import message_of
from portal.scheduler import run_once
from portal.settings import Settings
from tests.factories import email_of
from tests.helpers import csrf_token, mails_to, post, t

from .conftest import CONTENT

NEW_MINUTES = """VILLE DE SURESNES

Procès-verbal de la séance du conseil municipal du 5 février 2025

Délibération n° 2025-02-03 : Horaires d'été de la piscine

Rapporteur : Julien Moreau

La piscine des Raguidelles ouvrira jusqu'à 21 heures en juillet et en août, pour un coût de
18 000 euros.

Vote : pour 40, contre 0, abstentions 1 — adoptée.
"""
JOB = next(j for j in JOBS if j.name == "council.saved_search_alerts")


_slots = itertools.count(1)


def _alerts(engine: Engine, settings: Settings) -> None:
    """The job's next run, in a slot of its own, as the scheduler starts it."""
    assert run_once(engine, settings, JOB, now=utcnow() + JOB.every * next(_slots))


def _follow(client: TestClient, query: str, **filters: str) -> Any:
    token = csrf_token(client, "/council/search?q=" + query)
    return client.post(
        "/council/alerts",
        data={"q": query, "csrf_token": token, **filters},
        follow_redirects=False,
    )


def _outbox_count(engine: Engine) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMail)) or 0)


def test_follow_new_minutes_mail_once_and_unsubscribe_signed_out(
    login_as: Any,
    make_client: Any,
    engine: Engine,
    settings: Settings,
    demo_files: list[Path],
    tmp_path: Path,
) -> None:
    """Follow "piscine" (with a filter), see it in Mon espace; new minutes about the pool are
    mailed once with working links; the unsubscribe link ends it signed out."""
    assert ingest_paths(engine, [p for p in demo_files if p.suffix == ".md"])[1] == []
    resident = login_as()
    address = email_of(engine, resident.user_id)
    page = t(resident.get("/council/search?q=piscine&issue=adopted"))
    assert "Suivre cette recherche" in page
    response = _follow(resident, "piscine", issue="adopted")
    assert response.status_code == 303
    assert response.headers["location"].endswith("/council/search?q=piscine&issue=adopted")
    again = t(resident.get("/council/search?q=piscine&issue=adopted"))
    assert "Vous suivez cette recherche." in again and "Suivre cette recherche" not in again
    assert _follow(resident, "piscine", issue="adopted").status_code == 303  # twice: one row
    desk = t(resident.get("/espace"))
    assert "Mes recherches suivies" in desk and "1 recherche suivie" in desk
    mine = t(resident.get("/council/alerts"))
    assert "« piscine »" in mine and "(avec filtres)" in mine

    # Nothing new yet: the minutes stored before the follow are not mailed.
    before = _outbox_count(engine)
    _alerts(engine, settings)
    assert _outbox_count(engine) == before

    new = tmp_path / "2025-02-05.txt"
    new.write_text(NEW_MINUTES, "utf-8")
    assert ingest_paths(engine, [new])[1] == []
    _alerts(engine, settings)
    mails = [m for m in mails_to(engine, address) if "piscine" in m.subject]
    assert len(mails) == 1
    mail = mails[0]
    assert mail.subject == "Conseil municipal : du nouveau pour « piscine »"
    assert "Séance du 05/02/2025" in mail.body and "Raguidelles ouvrira" in mail.body
    message = message_of(mail, sender="portail@example.org")
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    links = re.findall(r"http://testserver(/\S+)", mail.body)
    passage = next(x for x in links if "/council/m/2025-02-05/p/" in x)
    landed = resident.get(passage)
    assert landed.status_code == 200 and "Horaires d'été de la piscine" in t(landed)
    search = next(x for x in links if x.startswith("/council/search?"))
    found = t(resident.get(search))
    assert "Horaires d'été de la piscine" in found and "Issue du vote : adoptée" in found
    assert 'href="http://testserver/council/m/2025-02-05/p/' in mail.html
    unsubscribe = mail.headers["List-Unsubscribe"].strip("<>")
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in mail.body

    # A second run, and the same minutes ingested again: no second mail.
    assert ingest_paths(engine, [new])[1] == []
    _alerts(engine, settings)
    assert len([m for m in mails_to(engine, address) if "piscine" in m.subject]) == 1

    stranger = make_client()  # signed out
    path = urlsplit(unsubscribe).path
    shown = stranger.get(path)
    assert shown.status_code == 200 and "Ne plus recevoir ces courriels" in t(shown)
    done = stranger.post(path)  # a mail client's one-click POST: no form, no CSRF token
    assert done.status_code == 200 and "C'est fait" in t(done)
    assert stranger.post(path).status_code == 404
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(SavedSearch)) == 0


def test_no_mail_when_new_minutes_do_not_match(
    login_as: Any, engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    """A followed search that the new minutes do not match sends nothing."""
    assert ingest_paths(engine, [CONTENT / "2024-02-08.md"])[1] == []
    resident = login_as()
    assert _follow(resident, "cimetière").status_code == 303
    before = _outbox_count(engine)
    new = tmp_path / "2025-02-05.txt"
    new.write_text(NEW_MINUTES, "utf-8")
    assert ingest_paths(engine, [new])[1] == []
    _alerts(engine, settings)
    assert _outbox_count(engine) == before


def test_remove_a_followed_search_and_refusals(
    login_as: Any, make_client: Any, engine: Engine
) -> None:
    """A resident removes their followed search from their page; an empty search or a bad
    filter is refused in French; nobody removes someone else's; signed out, the form is a
    link to sign in."""
    resident = login_as()
    assert _follow(resident, "budget").status_code == 303
    mine = resident.get("/council/alerts").text
    action = re.search(r'action="(/council/alerts/\d+/delete)"', mine)
    assert action
    other = login_as()
    token = csrf_token(other, "/council/alerts")
    assert other.post(action.group(1), data={"csrf_token": token}).status_code == 404
    token = csrf_token(resident, "/council/alerts")
    removed = resident.post(action.group(1), data={"csrf_token": token})
    assert removed.status_code == 200 and "Vous ne suivez plus la recherche « budget »." in t(
        removed
    )
    assert "Vous ne suivez aucune recherche." in t(removed)
    refused = _follow(resident, "   ")
    assert refused.status_code == 303
    assert "Tapez d'abord une recherche à suivre." in t(resident.get(refused.headers["location"]))
    bad = _follow(resident, "budget", montant="beaucoup")
    assert "Tranche de montant inconnue." in t(resident.get(bad.headers["location"]))
    # Filters longer than a followed search keeps (PostgreSQL refused the row: an error page).
    long = _follow(resident, "budget", personne="x" * 2100)
    assert long.status_code == 303
    shown = t(resident.get(long.headers["location"]))
    assert "Les filtres de cette recherche sont trop longs pour la suivre." in shown
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(SavedSearch)) == 0
    anonymous = make_client()
    page = t(anonymous.get("/council/search?q=budget"))
    assert "Connectez-vous pour suivre cette recherche" in page
    assert anonymous.post("/council/alerts", data={"q": "budget"}).status_code in (302, 303, 403)


def test_a_deleted_account_s_followed_searches_are_forgotten_by_the_job(
    login_as: Any, engine: Engine, settings: Settings
) -> None:
    """After "Supprimer mon compte", the alert job forgets that person's followed searches;
    another resident's stay."""
    leaving, staying = login_as(), login_as()
    for client in (leaving, staying):
        assert _follow(client, "piscine").status_code == 303
    deleted = post(
        leaving, "/account/delete", {"confirm": "SUPPRIMER"}, form_page="/account",
        follow_redirects=False,
    )  # fmt: skip
    assert deleted.status_code == 303
    _alerts(engine, settings)
    with session_scope(engine, write=False) as session:
        holders = sorted(session.scalars(select(SavedSearch.user_id)))
    assert holders == [staying.user_id]
