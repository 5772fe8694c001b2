"""A kept draft of a published entry that someone published again since it was started: the
agent is warned, with the fields changed online; fields the agent did not touch take the online
value; a field changed on both sides keeps the agent's value, flagged beside it for the agent and
for the reviewer. Nothing is sent before the agent has seen the merged form."""

from __future__ import annotations

import copy
import re
from html import unescape
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.db import session_scope
from portal.registry.models import IncompleteDraft, Revision
from tests.registry.editor_helpers import (
    SLUG,
    count,
    flat,
    form_inputs,
    keep,
    publish,
    published,
    send,
    sent_draft,
)

WARNING = "Attention : la fiche a été publiée à nouveau depuis le début de ce brouillon."
ONLINE_PURPOSE = "Répondre aux questions simples, et orienter vers le bon service (revu en ligne)."
ONLINE_NOTE = "Le contrat interdit toute réutilisation des conversations (clause revue en ligne)."
ONLINE_SUMMARY = "Un assistant écrit du site de la ville (résumé revu en ligne)."
MY_SUMMARY = "Un assistant écrit du site de la ville (résumé de l'agente)."
MY_VERSION = "version 4 depuis janvier"
NOTE_FLAG = "Modifié aussi en ligne depuis le début de ce brouillon"
REVIEW_FLAG = "(modifié aussi en ligne : valeur de l'auteur gardée)"


def _publish_online(engine: Engine, agent: TestClient, official: TestClient, **changes: str) -> int:
    """Someone else changes the entry through the editor and an official publishes it; returns
    the entry's new revision."""
    system = published(engine)
    assert system.data is not None
    fields = flat(system.data) | {k.replace("__", "."): v for k, v in changes.items()}
    path = f"/registry/{SLUG}/edit"
    draft = sent_draft(send(agent, path, fields, change_summary="Mise à jour en ligne"))
    assert publish(official, draft, system.published_revision).status_code == 303
    assert published(engine).published_revision == system.published_revision + 1
    return system.published_revision + 1


def _warning(html: str) -> str:
    block = re.search(r'<div class="banner registry-rebased"[^>]*>(.*?)</div>', html, re.S)
    assert block, "no warning"
    return block.group(1)


def _note(html: str, field: str) -> str | None:
    fid = "f-" + field.replace(".", "-")
    block = re.search(rf'<p class="field-note[^"]*" id="{fid}-note">(.*?)</p>', html, re.S)
    return block.group(1) if block else None


def test_fields_the_agent_left_take_the_online_value_after_a_warning(
    registry: list[str], login_as: Any, client: TestClient, engine: Engine
) -> None:
    """Kept at revision 1 changing the summary; the purpose and a part of a group published
    since: reopened, the warning names both, the form shows them as online and the agent's
    summary; sent from the page shown before, nothing is sent (409); sent again, the draft
    holds all three and publishes without reverting anything."""
    agent, other, official = login_as("agent"), login_as("agent"), login_as("official")
    start = published(engine)
    assert start.data is not None
    place = keep(agent, f"/registry/{SLUG}/edit", flat(start.data) | {"summary": MY_SUMMARY},
                 change_summary="Résumé plus clair")  # fmt: skip
    online = _publish_online(engine, other, official, purpose=ONLINE_PURPOSE,
                             generative__note=ONLINE_NOTE)  # fmt: skip

    listing = unescape(agent.get("/registry/drafts").text)
    row = re.search(rf'<a href="{place}">[^<]*</a>(.*?)</td>', listing, re.S)
    assert row and "fiche publiée à nouveau depuis" in row.group(1)
    page = agent.get(place)
    assert page.status_code == 200
    html = unescape(page.text)
    warning = _warning(html)
    assert WARNING in warning
    assert f"version {start.published_revision}" in warning and f"la {online}" in warning
    assert "Pourquoi la ville l'utilise" in warning and "— Note" in warning
    assert "En bref" not in warning  # changed by the agent only
    shown = form_inputs(html)
    assert shown["purpose"] == ONLINE_PURPOSE and shown["generative.note"] == ONLINE_NOTE
    assert shown["summary"] == MY_SUMMARY and shown["_seen_revision"] == str(online)
    assert _note(html, "summary") is None and "relit" not in warning

    before = {"_seen_revision": str(start.published_revision)}  # the page shown before
    stale = send(agent, place, flat(start.data) | {"summary": MY_SUMMARY} | before,
                 change_summary="Résumé plus clair", _action="save")  # fmt: skip
    assert stale.status_code == 409
    assert "Rien n'a été envoyé" in unescape(stale.text)
    assert form_inputs(unescape(stale.text))["purpose"] == ONLINE_PURPOSE
    assert count(engine, IncompleteDraft) == 1
    revisions = count(engine, Revision)

    revision_id = sent_draft(send(agent, place, shown, _action="save"))
    assert count(engine, Revision) == revisions + 1 and count(engine, IncompleteDraft) == 0
    with session_scope(engine, write=False) as session:
        revision = session.get(Revision, revision_id)
        assert revision is not None
        assert revision.data["purpose"] == ONLINE_PURPOSE
        assert revision.data["generative"]["note"] == ONLINE_NOTE
        assert revision.data["summary"] == MY_SUMMARY
        assert revision.base_revision == online and not revision.merge_conflicts
    review = unescape(official.get(f"/registry/drafts/{revision_id}").text)
    assert REVIEW_FLAG not in review and "À vérifier" not in review
    assert ONLINE_PURPOSE not in review  # not a change: the online value is kept
    assert publish(official, revision_id, online).status_code == 303
    public = unescape(client.get(f"/registry/{SLUG}").text)
    assert MY_SUMMARY in public and ONLINE_PURPOSE in public


def test_a_field_changed_on_both_sides_keeps_the_agents_value_flagged_for_the_reviewer(
    registry: list[str], login_as: Any, engine: Engine
) -> None:
    """The summary changed by the agent and online, the generator's version by the agent and
    its note online: the summary keeps the agent's text, flagged beside the field in the editor
    and in the reviewer's difference (online text in "Avant"); the group's parts merge."""
    agent, other, official = login_as("agent"), login_as("agent"), login_as("official")
    start = published(engine)
    assert start.data is not None
    mine = flat(start.data) | {"summary": MY_SUMMARY, "generative.version": MY_VERSION}
    place = keep(agent, f"/registry/{SLUG}/edit", mine, change_summary="Résumé et version")
    _publish_online(engine, other, official, summary=ONLINE_SUMMARY, generative__note=ONLINE_NOTE)

    html = unescape(agent.get(place).text)
    warning = _warning(html)
    assert "En bref" in warning and "Modifiés des deux côtés" in warning
    note = _note(html, "summary")
    assert note is not None and NOTE_FLAG in note
    assert re.search(r'id="f-summary"[^>]*aria-describedby="[^"]*f-summary-note', html)
    assert _note(html, "generative.note") is None and _note(html, "generative.version") is None
    shown = form_inputs(html)
    assert shown["summary"] == MY_SUMMARY
    assert shown["generative.version"] == MY_VERSION
    assert shown["generative.note"] == ONLINE_NOTE
    added = send(agent, place, shown, _add="limits")  # a row added: still warned and flagged
    assert added.status_code == 200
    assert "Modifiés des deux côtés" in _warning(unescape(added.text))
    assert _note(unescape(added.text), "summary") is not None

    revision_id = sent_draft(send(agent, place, shown, _action="save"))
    with session_scope(engine, write=False) as session:
        revision = session.get(Revision, revision_id)
        assert revision is not None and revision.merge_conflicts == ["summary"]
    review = unescape(official.get(f"/registry/drafts/{revision_id}").text)
    assert "À vérifier" in review
    row = re.search(r'<tr class="[^"]*registry-merge-flagged[^"]*">(.*?)</tr>', review, re.S)
    assert row, review[:4000]
    assert "En bref" in row.group(1) and REVIEW_FLAG in row.group(1)
    assert f"<del>{ONLINE_SUMMARY}</del>" in row.group(1)
    assert f"<ins>{MY_SUMMARY}</ins>" in row.group(1)
    assert len(re.findall("registry-merge-flagged", review)) == 1


def test_the_base_is_the_version_the_editor_showed(
    registry: list[str], login_as: Any, engine: Engine
) -> None:
    """The edit page shown, the entry published again, then the form kept: the draft's base is
    the version shown, so reopening warns; a draft kept with no publication since does not."""
    agent, other, official = login_as("agent"), login_as("agent"), login_as("official")
    start = published(engine)
    shown = form_inputs(unescape(agent.get(f"/registry/{SLUG}/edit").text))
    assert shown["_seen_revision"] == str(start.published_revision)
    calm = keep(agent, f"/registry/{SLUG}/edit", shown | {"summary": MY_SUMMARY})
    calm_page = unescape(agent.get(calm).text)
    assert "fiche publiée à nouveau depuis" not in unescape(agent.get("/registry/drafts").text)
    assert "registry-rebased" not in calm_page and WARNING not in calm_page
    _publish_online(engine, other, official, purpose=ONLINE_PURPOSE)
    late = keep(agent, f"/registry/{SLUG}/edit", shown | {"summary": MY_SUMMARY})
    with session_scope(engine, write=False) as session:
        bases = session.scalars(select(IncompleteDraft.base_revision)).all()
        assert bases == [start.published_revision] * 2
    for place in (calm, late):
        html = unescape(agent.get(place).text)
        assert "Pourquoi la ville l'utilise" in _warning(html)
        assert form_inputs(html)["purpose"] == ONLINE_PURPOSE


def test_a_row_removed_and_a_part_emptied_online_stay_removed(
    registry: list[str], login_as: Any, engine: Engine
) -> None:
    """Online, an alias removed and the generator's note emptied; the agent changed only the
    purpose: reopened, the alias and the note stay removed (not restored from the old copy)."""
    agent, other, official = login_as("agent"), login_as("agent"), login_as("official")
    start = published(engine)
    assert start.data is not None
    before = flat(start.data)
    assert before["aliases.1"] == "robot conversationnel" and before["generative.note"]
    place = keep(agent, f"/registry/{SLUG}/edit", before | {"purpose": ONLINE_PURPOSE})
    tidied = copy.deepcopy(start.data)
    tidied["aliases"].remove("robot conversationnel")
    del tidied["generative"]["note"]
    draft = sent_draft(send(other, f"/registry/{SLUG}/edit", flat(tidied), change_summary="Ménage"))
    assert publish(official, draft, start.published_revision).status_code == 303

    html = unescape(agent.get(place).text)
    warning = _warning(html)
    assert "Autres noms" in warning
    assert "— Note" in warning
    shown = form_inputs(html)
    assert "robot conversationnel" not in shown.values()
    assert "generative.note" not in shown
    assert shown["purpose"] == ONLINE_PURPOSE and shown["aliases.0"] == "chatbot"
