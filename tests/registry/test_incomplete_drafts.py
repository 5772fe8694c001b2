"""Issue 15, section 1: an agent keeps what they typed in the entry editor as an incomplete
draft (required fields missing, values invalid), finds it in "Mon espace", reopens it with
everything as typed and each error beside its field; it is never published nor public, and
sending it for review still requires a valid entry."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.db import session_scope
from portal.registry.models import IncompleteDraft, Revision, System
from tests.helpers import post
from tests.registry.editor_helpers import SLUG, count, field_error, flat, keep, new_system

PUBLIC_PAGES = (
    "/registry",
    "/registry?q=traduction",
    "/registry/export.json",
    "/registry/export.csv",
    "/registry/export-excel.csv",
    "/registry/feed.atom",
    "/registry/programme",
    "/registry/commitments",
    "/registry/inventaire-algorithmes.csv",
    "/api/registry/systems",
    "/api/registry/systems?q=traduction",
)


BAD_INPUT = [
    pytest.param({"name": ""}, "name", "obligatoire", id="missing-required"),
    pytest.param({"status": "actif"}, "status", "inconnue", id="unknown-enum"),
    pytest.param({"next_review": "31/12/2027"}, "next_review", "format invalide", id="date"),
    pytest.param({"summary": "x" * 401}, "summary", "trop long", id="over-long"),
    pytest.param({"costs.0.year": "2025"}, "costs.0.amount_eur", "obligatoire", id="half-row"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUT)
def test_an_incomplete_draft_is_kept_as_typed_and_reopens_with_its_errors(
    registry: list[str], login_as: Any, client: TestClient, engine: Engine,
    change: dict[str, str], field: str, message: str,
) -> None:  # fmt: skip
    """Each bad input of the issue: kept without being sent, reopened with every value as typed
    and the French error beside its field; no draft for review, nothing public."""
    agent = login_as("agent")
    fields = flat(new_system()) | change
    revisions = count(engine, Revision)
    place = keep(agent, "/registry/new", fields, change_summary="Pas fini")
    page = agent.get(place)
    assert page.status_code == 200
    html = unescape(page.text)
    assert message in field_error(html, field), html[:3000]
    assert "pas encore prêt pour la relecture" in html
    for name, value in fields.items():
        if value and len(value) < 200 and "\n" not in value:
            assert value in html, f"{name} lost: {value!r}"
    for value in change.values():
        if value:
            assert value in html
    assert 'value="Pas fini"' in html
    assert count(engine, Revision) == revisions
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(System).where(System.slug == "aide-traduction")) is None
    anonymous = client
    for path in PUBLIC_PAGES:
        response = anonymous.get(path)
        assert response.status_code == 200, path
        assert "traduction des courriers" not in response.text, path
    assert anonymous.get("/registry/aide-traduction").status_code == 404


def test_a_form_with_almost_nothing_typed_is_kept_and_listed_in_my_desk(
    registry: list[str], login_as: Any, engine: Engine
) -> None:
    """Only a name typed: the draft is kept, listed on "Mon espace" and on the drafts page under
    that name, and every required field shows its error when reopened."""
    agent = login_as("agent")
    place = keep(agent, "/registry/new", {"name": "Tri du courrier entrant"})
    desk = unescape(agent.get("/espace").text)
    assert re.search(
        r'href="/registry/drafts#non-envoyes"[^>]*>\s*Mes brouillons non envoyés', desk
    )
    listing = unescape(agent.get("/registry/drafts").text)
    assert f'<a href="{place}">Tri du courrier entrant</a>' in listing
    html = unescape(agent.get(place).text)
    assert 'value="Tri du courrier entrant"' in html
    for required in ("summary", "status", "next_review", "service.name"):
        assert "obligatoire" in field_error(html, required)
    assert count(engine, IncompleteDraft) == 1


def test_sending_a_kept_draft_still_requires_a_valid_entry(
    registry: list[str], login_as: Any, client: TestClient, engine: Engine
) -> None:
    """Sent for review while incomplete: refused beside the field, the kept draft unchanged;
    once corrected it becomes a draft for review and the kept copy goes."""
    agent = login_as("agent")
    fields = flat(new_system())
    place = keep(agent, "/registry/new", fields | {"status": "actif"}, change_summary="Nouveau")
    refused = post(agent, place, fields | {"status": "actif", "change_summary": "Nouveau",
                                           "_action": "save"},
                   form_page=place, follow_redirects=False)  # fmt: skip
    assert refused.status_code == 400
    assert "inconnue" in field_error(unescape(refused.text), "status")
    assert count(engine, IncompleteDraft) == 1 and count(engine, Revision) == 7
    sent = post(agent, place, fields | {"change_summary": "Nouveau", "_action": "save"},
                form_page=place, follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303, unescape(sent.text)[:3000]
    assert sent.headers["location"].startswith("/registry/drafts/")
    assert count(engine, IncompleteDraft) == 0
    assert agent.get(place).status_code == 404
    assert client.get("/registry/aide-traduction").status_code == 404  # sent, not published


def test_keeping_again_updates_the_same_draft(
    registry: list[str], login_as: Any, engine: Engine
) -> None:
    """Kept twice from its own page: one draft, holding the latest text."""
    agent = login_as("agent")
    place = keep(agent, "/registry/new", {"name": "Premier nom"})
    again = post(agent, place, {"name": "Second nom", "purpose": "Pour aller plus vite",
                                "_action": "keep"}, form_page=place, follow_redirects=False)  # fmt: skip
    assert again.status_code == 303 and again.headers["location"] == place
    html = unescape(agent.get(place).text)
    assert 'value="Second nom"' in html and "Pour aller plus vite" in html
    assert "Premier nom" not in html
    assert count(engine, IncompleteDraft) == 1


def test_a_kept_change_to_a_published_entry_changes_nothing_public(
    registry: list[str], login_as: Any, client: TestClient, engine: Engine
) -> None:
    """An invalid change to a published entry is kept for its author; the public entry, its JSON
    and the API still show the published text."""
    agent = login_as("agent")
    with session_scope(engine, write=False) as session:
        system = session.scalar(select(System).where(System.slug == SLUG))
        assert system is not None and system.data is not None
        fields = flat(system.data)
    place = keep(agent, f"/registry/{SLUG}/edit",
                  fields | {"summary": "Texte provisoire à reprendre", "next_review": "bientôt"})  # fmt: skip
    html = unescape(agent.get(place).text)
    assert "format invalide" in field_error(html, "next_review")
    assert "Texte provisoire à reprendre" in html
    for path in (f"/registry/{SLUG}", f"/registry/{SLUG}.json", f"/api/registry/systems/{SLUG}",
                 "/registry/export.json"):  # fmt: skip
        assert "Texte provisoire" not in client.get(path).text, path


def test_only_its_author_opens_or_deletes_a_kept_draft(
    registry: list[str], login_as: Any, engine: Engine
) -> None:
    """Another agent or an official gets 404 for someone else's kept draft; its author deletes
    it."""
    author, other, official = login_as("agent"), login_as("agent"), login_as("official")
    place = keep(author, "/registry/new", {"name": "Brouillon personnel"})
    for someone in (other, official):
        assert someone.get(place).status_code == 404
        assert "Brouillon personnel" not in someone.get("/registry/drafts").text
        refused = post(someone, place + "/delete", form_page="/registry/new",
                       follow_redirects=False)  # fmt: skip
        assert refused.status_code == 404
    assert count(engine, IncompleteDraft) == 1
    done = post(author, place + "/delete", form_page=place, follow_redirects=False)
    assert done.status_code == 303
    assert count(engine, IncompleteDraft) == 0
    assert author.get(place).status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "resident", "moderator"])
def test_people_who_do_not_draft_cannot_keep_drafts(
    role: str, registry: list[str], make_client: Any, login_as: Any, engine: Engine
) -> None:
    """The kept-draft pages are the drafting staff's: others are sent to log in or refused."""
    client = (
        make_client() if role == "anonymous" else login_as(*([] if role == "resident" else [role]))
    )
    response = client.get("/registry/drafts/incomplete/1", follow_redirects=False)
    assert response.status_code == (303 if role == "anonymous" else 403)
