"""Open data through HTTP: the Atom feed, the anonymised CSV and JSON export, public once closed."""

from __future__ import annotations

import csv
import io
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.consultation.moderation.services import hide_comment
from portal.consultation.participation.models import ConsultationSchedule
from portal.db import session_scope
from tests.factories import add_comment, add_proposal, email_of
from tests.helpers import XSS, answer_proposal, assert_accessible, login

ATOM = "{http://www.w3.org/2005/Atom}"


def close_consultation(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.execute(update(ConsultationSchedule).values(phase="review"))


def test_feed_lists_versions_and_answers_with_text_escaped(
    accounts: dict[str, int], engine: Engine, make_user: Any, make_client: Any, client: TestClient
) -> None:
    """The Atom feed has version 1 and each answer; script in a reason or a name is escaped text."""
    pid = add_proposal(engine, author_id=accounts["agent"], title="Un numéro direct")
    official = make_client()
    login(official, email_of(engine, make_user("official", name=XSS[:60])))
    assert answer_proposal(official, pid, "rejected", XSS).status_code == 303
    response = client.get("/charter/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert b"<script>" not in response.content and b"&lt;script&gt;" in response.content
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert titles[0] == "Réponse à la proposition « Un numéro direct » : Refusée"
    assert "Version 1 de la charte publiée" in titles
    assert entries[0].findtext(f"{ATOM}summary") == XSS
    link = entries[0].find(f"{ATOM}link")
    assert link is not None and link.get("href") == f"http://testserver/charter/proposals/{pid}"
    assert entries[0].findtext(f"{ATOM}author/{ATOM}name") == XSS[:60]


@pytest.mark.parametrize("path", ["/consultation/export.csv", "/consultation/export.json"])
def test_export_is_refused_while_the_consultation_is_open(
    accounts: dict[str, int], client: TestClient, path: str
) -> None:
    """Before the close: 409 with a French message giving the planned date; the page says so."""
    response = client.get(path)
    assert response.status_code == 409
    assert "encore en cours" in response.text and "dès sa clôture, prévue le" in response.text
    page = client.get("/consultation/export")
    assert "l'export sera public dès sa clôture" in page.text.replace("&#39;", "'")
    assert 'href="/consultation/export.csv"' not in page.text


def test_export_is_anonymised_with_stable_pseudonyms(
    accounts: dict[str, int], engine: Engine, make_user: Any, login_as: Any, client: TestClient
) -> None:
    """After the close: no names or e-mails, one stable pseudonym per person, hidden text withheld."""
    resident = make_user(name="Nadia Bensaïd")
    other = make_user(name="Julien Martin")
    first = add_comment(engine, author_id=resident, body="Premier avis.", supporters=[other])
    add_comment(engine, author_id=resident, body="Second avis.")
    hidden = add_comment(engine, author_id=other, body="Propos injurieux.")
    with session_scope(engine) as session:
        hide_comment(
            session, comment_id=hidden, moderator_id=make_user("moderator"), reason="insult"
        )
    pid = add_proposal(engine, author_id=accounts["agent"], supporters=[resident, other])
    assert answer_proposal(login_as("official"), pid, "accepted", "Retenue.").status_code == 303
    close_consultation(engine)
    response = client.get("/consultation/export.json")
    assert response.status_code == 200
    text = response.text
    for secret in (
        "Nadia",
        "Julien",
        "Élue Réponse",
        "Agent Proposant",
        email_of(engine, resident),
    ):
        assert secret not in text
    data = response.json()
    assert data["schema_version"] == 1
    by_body = {c["body"]: c for c in data["comments"]}
    assert by_body["Premier avis."]["author"] == by_body["Second avis."]["author"]
    assert by_body["Premier avis."]["author"].startswith("p-")
    assert by_body["Premier avis."]["support_count"] == 1
    assert by_body["Premier avis."]["clause_slug"] == "contact-humain"
    withheld = next(c for c in data["comments"] if c["id"] == hidden)
    assert withheld["state"] == "hidden" and withheld["body"] is None
    assert withheld["hidden_reason"] == "insult" and "Propos injurieux." not in text
    [proposal] = data["proposals"]
    assert proposal["decision"] == "accepted" and proposal["support_count"] == 2
    assert proposal["applied_clause_slug"] == "contact-humain"
    [ans] = data["answers"]
    assert ans["reason"] == "Retenue." and ans["proposal_id"] == pid
    clause = next(c for c in data["clauses"] if c["version"] == 2 and c["slug"] == "contact-humain")
    assert clause["comment_count"] == 2  # the hidden comment is not counted
    again = client.get("/consultation/export.json").json()
    assert [c["author"] for c in again["comments"]] == [c["author"] for c in data["comments"]]
    assert first in {c["id"] for c in again["comments"]}


def test_csv_export_has_the_same_rows_and_defuses_formulas(
    accounts: dict[str, int], engine: Engine, make_user: Any, client: TestClient
) -> None:
    """The CSV carries the same rows as the JSON; a cell starting with = is quoted; XSS is text."""
    author = make_user(name=XSS[:60])
    add_comment(engine, author_id=author, body='=HYPERLINK("http://evil")')
    add_comment(engine, author_id=author, body=XSS)
    close_consultation(engine)
    response = client.get("/consultation/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    data = client.get("/consultation/export.json").json()
    assert sum(r["type"] == "comment" for r in rows) == len(data["comments"])
    assert sum(r["type"] == "clause" for r in rows) == len(data["clauses"])
    bodies = [r["body"] for r in rows if r["type"] == "comment"]
    assert '\'=HYPERLINK("http://evil")' in bodies and XSS in bodies
    assert XSS[:60] not in {r["author"] for r in rows}


def test_export_page_is_accessible(
    live_server: str, new_page: Any, accounts: dict[str, int], engine: Engine
) -> None:
    """axe-core: no WCAG 2.1 A/AA violation on the open-data page with its schema."""
    close_consultation(engine)
    page = new_page()
    page.goto(f"{live_server}/consultation/export")
    assert page.locator("text=Télécharger l'export en CSV").count() == 1
    assert_accessible(page)
