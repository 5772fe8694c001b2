"""Section 4 of issue 15: the charter's promises as checkable commitments, the public board
(system × commitment, met / not met / not applicable with the reason, dated), the officials'
form refusing unknown fields, and the job mailing an owner when a commitment stops being met."""

from __future__ import annotations

import copy
import re
from datetime import date
from html import unescape
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.clock import utcnow
from portal.core_models import OutboxMail
from portal.db import session_scope
from portal.registry.commitments import services as commitments
from portal.registry.models import Commitment, System
from tests.factories import email_of
from tests.helpers import post

TODAY = date(2026, 11, 30)
CLAUSES = ("contact-humain", "transparence", "ia-generative", "evaluation")


@pytest.fixture
def rules(engine: Engine, charter: None, registry: list[str]) -> None:
    """The four demo commitments, on the published charter."""
    with session_scope(engine) as session:
        for rule in commitments.DEMO_COMMITMENTS:
            commitments.add(session, actor_id=None, clauses=CLAUSES, **rule)


def _cells(page: str, slug: str) -> list[str]:
    row = re.search(rf'<tr id="sys-{slug}">(.*?)</tr>', page, re.S)
    assert row, slug
    return [
        re.sub(r"<[^>]+>", " ", c).split()[0]
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]


def _break_channels(engine: Engine, slug: str) -> None:
    with session_scope(engine) as session:
        system = session.scalar(select(System).where(System.slug == slug))
        assert system is not None and system.data is not None
        data = copy.deepcopy(system.data)
        data["human_contact"]["channels"].append({"channel": "Courrier", "desk": "Mairie"})
        system.data = data
        system.published_at = utcnow()  # as a publication does (the board's fingerprint)


def test_board_shows_each_system_against_each_commitment(
    client: TestClient, rules: None, engine: Engine
) -> None:
    """The board says Tenu / Non tenu / Non applicable with the reason, and the date checked."""
    page = unescape(client.get("/registry/commitments").text)
    assert "Vérifié le" in page
    assert "Une personne peut toujours être jointe, avec des horaires" in page
    assert _cells(page, "chatbot-habitants") == ["Tenu", "Tenu", "Tenu", "Tenu"]
    # next review 2026-10-31: overdue; a non-generative system is not concerned by art. 13
    copilot = re.search(r'<tr id="sys-copilot-agents">(.*?)</tr>', page, re.S)
    assert copilot and "Date passée : 2026-10-31" in copilot.group(1)
    assert "Non applicable" in re.search(
        r'<tr id="sys-indexation-proces-verbaux">(.*?)</tr>', page, re.S
    ).group(1)  # type: ignore[union-attr]
    assert "Pas encore d'engagement" not in page


def test_a_channel_without_hours_fails_the_human_channel_commitment(
    client: TestClient, rules: None, engine: Engine
) -> None:
    """A channel added without hours turns the cell to "Non tenu", naming the channel."""
    _break_channels(engine, "chatbot-habitants")
    page = unescape(client.get("/registry/commitments").text)
    row = re.search(r'<tr id="sys-chatbot-habitants">(.*?)</tr>', page, re.S)
    assert row and "Sans horaires ou sans moyen de contact : Courrier." in row.group(1)


def test_job_mails_the_owner_once_when_a_commitment_stops_being_met(
    rules: None, engine: Engine, owner_id: int
) -> None:
    """The first check records states without mail; a broken commitment mails the owner once;
    checking again mails nothing more."""
    owner = email_of(engine, owner_id)

    def run() -> int:
        with session_scope(engine) as session:
            return commitments.notify_broken(session, today=TODAY)

    assert run() == 0
    _break_channels(engine, "voicebot-hors-horaires")
    assert run() == 1
    assert run() == 0
    with session_scope(engine, write=False) as session:
        mails = list(session.scalars(select(OutboxMail).where(OutboxMail.to_address == owner)))
    assert len(mails) == 1
    assert "ne tient plus un engagement" in mails[0].subject
    assert "Courrier" in mails[0].body


def _add(client: TestClient, **fields: str) -> Any:
    data = {"clause": "evaluation", "title": "Revue annuelle", "check": "date_within",
            "field": "next_review", "allowed": "", "months": "12", "scope": "all"}  # fmt: skip
    data.update(fields)
    return post(client, "/registry/commitments/new", data,
                form_page="/registry/commitments/new", follow_redirects=False)  # fmt: skip


def test_an_official_adds_a_commitment_through_the_form(
    login_as: Any, charter: None, registry: list[str], engine: Engine
) -> None:
    """The official's rule appears on the board at once."""
    official = login_as("official")
    response = _add(official, title="Fiches revues dans l'année")
    assert response.status_code == 303
    assert "Fiches revues dans l'année" in unescape(official.get("/registry/commitments").text)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"field": "nimporte.quoi"}, "field", "inconnu du schéma"),
        ({"check": "date_within", "field": "name"}, "field", "n'est pas une date"),
        ({"check": "in_set", "field": "risk.category", "allowed": "enorme"}, "allowed", "inconnue"),
        ({"check": "in_set", "field": "status", "allowed": ""}, "allowed", "au moins une valeur"),
        ({"months": "douze"}, "months", "nombre de mois"),
        ({"clause": "inexistante"}, "clause", "article publié"),
        ({"check": "eval"}, "check", "vérification dans la liste"),
        ({"title": ""}, "title", "une phrase"),
    ],
)
def test_a_rule_naming_an_unknown_field_or_value_is_refused_at_save(
    login_as: Any, charter: None, registry: list[str], engine: Engine, fields: dict[str, str],
    field: str, message: str,
) -> None:  # fmt: skip
    """Each bad part of a rule is named beside its field, in French; nothing is stored."""
    response = _add(login_as("official"), **fields)
    assert response.status_code == 400
    html = unescape(response.text)
    block = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.S)
    assert block and message in block.group(1), html[:3000]
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(Commitment)) == 0


def test_who_may_manage_commitments(
    make_client: Any, login_as: Any, charter: None, registry: list[str]
) -> None:
    """Only officials (and the admin) open the form; everyone sees the board."""
    seen = {}
    for role in ("anonymous", "resident", "agent", "moderator", "official", "admin"):
        c = (
            make_client()
            if role == "anonymous"
            else login_as(*([] if role == "resident" else [role]))
        )
        seen[role] = (c.get("/registry/commitments/new", follow_redirects=False).status_code,
                      c.get("/registry/commitments").status_code)  # fmt: skip
    assert seen == {"anonymous": (303, 200), "resident": (403, 200), "agent": (403, 200),
                    "moderator": (403, 200), "official": (200, 200), "admin": (200, 200)}  # fmt: skip


def test_the_consultation_can_ask_which_systems_fail_a_clauses_commitments(
    rules: None, engine: Engine
) -> None:
    """Through the register's facade, a clause's commitments come with the systems failing
    them now (what an official reviewing a change to that clause needs to see)."""
    from portal.registry import services

    _break_channels(engine, "chatbot-habitants")
    with session_scope(engine, write=False) as session:
        found = services.commitments_on_clause(session, "contact-humain", today=TODAY)
        assert services.commitments_on_clause(session, "inconnu", today=TODAY) == []
    assert [r.title for r in found] == ["Une personne peut toujours être jointe, avec des horaires"]
    assert [(name, path) for name, path, _reason in found[0].failing] == [
        ("Assistant conversationnel du site de la ville (chatbot)", "/registry/chatbot-habitants")
    ]


def test_the_board_is_paged_and_counts_every_system(
    client: TestClient, rules: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With three systems a page, the seven entries take three pages; the totals are the same
    on each; a page out of range gets a French error."""
    from portal.registry.commitments import routes as board_routes

    monkeypatch.setattr(board_routes, "BOARD_PAGE_SIZE", 3)
    seen: list[str] = []
    totals = set()
    for page in (1, 2, 3):
        html = unescape(client.get(f"/registry/commitments?page={page}").text)
        seen += re.findall(r'<tr id="sys-([a-z0-9-]+)"', html)
        totals.add(re.search(r"Vérifié le [^:]+: ([^.]+)\.", html).group(1))  # type: ignore[union-attr]
        assert f"Systèmes {page * 3 - 2} à" in html
    assert len(seen) == len(set(seen)) == 7 and len(totals) == 1
    for bad in ("0", "deux"):
        refused = client.get(f"/registry/commitments?page={bad}")
        assert refused.status_code == 400 and "Numéro de page invalide" in refused.text
    beyond = client.get("/registry/commitments?page=4")
    assert beyond.status_code == 404
    assert "La page 4 n'existe pas : cette liste n'a que 3 pages." in unescape(beyond.text)
    assert 'href="/registry/commitments?page=3"' in beyond.text


def test_the_board_shows_a_publication_at_once(
    client: TestClient, rules: None, engine: Engine, login_as: Any
) -> None:
    """The board kept between views follows a publication: a channel without hours, published,
    makes the chatbot fail the human-channel commitment on the next view."""
    before = unescape(client.get("/registry/commitments").text)
    row = re.search(r'<tr id="sys-chatbot-habitants">(.*?)</tr>', before, re.S)
    assert row and "Sans horaires ou sans moyen de contact" not in row.group(1)
    _break_channels(engine, "chatbot-habitants")
    after = unescape(client.get("/registry/commitments?page=1").text)
    row = re.search(r'<tr id="sys-chatbot-habitants">(.*?)</tr>', after, re.S)
    assert row and "Sans horaires ou sans moyen de contact : Courrier." in row.group(1)
