"""Section 1 of issue 15: agents keep the register in a field-by-field form generated from the
schema (repeatable groups without JavaScript, per-field errors, preview), and reviewers read a
per-field difference in words, never YAML."""

from __future__ import annotations

import copy
import re
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.db import session_scope
from portal.registry.models import Revision, System
from tests.registry.editor_helpers import SLUG, count, flat, new_system, publish, send


def test_an_agent_creates_a_system_through_the_form_and_an_official_publishes_it(
    registry: list[str], login_as: Any, client: TestClient, engine: Engine
) -> None:
    """No YAML: the fields posted make a draft; its page lists every field added in words;
    published, the entry is public."""
    agent, official = login_as("agent"), login_as("official")
    page = agent.get("/registry/new")
    assert (
        page.status_code == 200
        and 'name="name"' in page.text
        and '<textarea id="text"' not in page.text
    )
    response = send(agent, "/registry/new", flat(new_system()), change_summary="Nouvel outil")
    assert response.status_code == 303, unescape(response.text)[:3000]
    draft = official.get(response.headers["location"])
    text = unescape(draft.text)
    assert "Nom" in text and "Aide à la traduction des courriers" in text
    assert "year :" not in text and "amount_eur :" not in text
    revision_id = int(response.headers["location"].rsplit("/", 1)[1])
    done = publish(official, revision_id, 0)
    assert done.status_code == 303
    assert client.get("/registry/aide-traduction").status_code == 200


def test_rows_are_added_and_removed_without_javascript(registry: list[str], login_as: Any) -> None:
    """ "Ajouter une ligne" gives the list one more empty row, "Retirer" drops that row; what was
    typed elsewhere stays; nothing is saved."""
    agent = login_as("agent")
    fields = flat(new_system())
    added = send(agent, "/registry/new", fields, _add="costs")
    assert added.status_code == 200
    assert 'name="costs.0.year"' in added.text and 'name="costs.1.year"' not in added.text
    assert "Aide à la traduction des courriers" in unescape(added.text)
    removed = send(agent, "/registry/new", fields, _remove="aliases.1")
    html = unescape(removed.text)
    assert 'value="chatbot"' in html and 'value="robot conversationnel"' not in html
    assert 'value="agent conversationnel"' in html


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "obligatoire"),
        ({"status": "actif"}, "status", "inconnue"),
        ({"next_review": "31/12/2027"}, "next_review", "format invalide"),
        ({"summary": "x" * 401}, "summary", "trop long"),
        ({"costs.0.year": "2025"}, "costs.0.amount_eur", "obligatoire"),
        ({"costs.0.year": "deux mille"}, "costs.0.year", "nombre entier"),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_nothing_is_saved(
    registry: list[str], login_as: Any, engine: Engine, change: dict[str, str], field: str,
    message: str,
) -> None:  # fmt: skip
    """A missing required field, an unknown value, a date in the wrong format, an over-long
    text, a half-filled row: the error is next to its field, what was typed is kept, no draft."""
    agent = login_as("agent")
    fields = flat(new_system()) | change
    before = count(engine, Revision)
    response = send(agent, "/registry/new", fields, change_summary="Essai")
    assert response.status_code == 400
    html = unescape(response.text)
    fid = "f-" + field.replace(".", "-")
    block = re.search(rf'<p class="field-error" id="{fid}-error">(.*?)</p>', html, re.S)
    assert block and message in block.group(1), html[:4000]
    assert re.search(rf'id="{fid}"[^>]*aria-invalid="true"', html)
    for value in change.values():
        if value:
            assert value in html
    assert count(engine, Revision) == before


def test_preview_shows_the_public_page_and_saves_nothing(
    registry: list[str], login_as: Any, engine: Engine
) -> None:
    """The preview shows the entry as residents will read it; no draft is stored."""
    agent = login_as("agent")
    before = count(engine, Revision)
    response = send(agent, "/registry/new", flat(new_system()), _action="preview")
    html = unescape(response.text)
    assert response.status_code == 200 and "Aperçu de la fiche publique" in html
    assert "Un outil qui propose une traduction" in html
    assert count(engine, Revision) == before


def test_reviewers_see_a_channels_hours_and_a_cost_row_in_words(
    registry: list[str], login_as: Any, engine: Engine
) -> None:
    """Changing a channel's hours and adding a cost row reads as two named lines, not YAML."""
    agent, official = login_as("agent"), login_as("official")
    with session_scope(engine, write=False) as session:
        system = session.scalar(select(System).where(System.slug == SLUG))
        assert system is not None and system.data is not None
        data = copy.deepcopy(system.data)
    data["human_contact"]["channels"][0]["hours"] = "du lundi au samedi de 8 h à 19 h"
    data["costs"] = [{"year": 2025, "amount_eur": 38000, "kind": "annual"}]
    response = send(agent, f"/registry/{SLUG}/edit", flat(data), change_summary="Horaires élargis")
    assert response.status_code == 303, unescape(response.text)[:3000]
    page = unescape(official.get(response.headers["location"]).text)
    assert re.search(r"Joindre une personne — Canaux, ligne 1 — Horaires</th>\s*<td>modifié", page)
    assert "<ins>du lundi au samedi de 8 h à 19 h</ins>" in page
    assert re.search(r"Coûts, ligne 1 — Montant \(euros\)</th>\s*<td>ajouté</td>", page)
    assert "<ins>38000</ins>" in page
    assert "amount_eur :" not in page
