"""An agent deletes their account: the register deletes at once their incomplete drafts (what
they typed and kept, seen by no one else) and clears their ownership of entries (no deleted
referent shown, questions no longer waiting on a desk no one opens); drafts sent for review,
published changes and questions stay."""

from __future__ import annotations

from html import unescape
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.db import session_scope
from portal.manifest import erase_account
from portal.modules import MODULES
from portal.registry.models import IncompleteDraft, Revision, System
from tests.helpers import post
from tests.registry.editor_helpers import (
    SLUG,
    count,
    flat,
    keep,
    new_system,
    publish,
    published,
    send,
    sent_draft,
)

NEW_SLUG = "aide-traduction"


def _agent_with_traces(login_as: Any, engine: Engine) -> tuple[TestClient, int]:
    """An agent who kept two drafts, had a new entry published (its owner) and sent a change
    still waiting for review; another agent's kept draft beside them."""
    agent, official, other = login_as("agent"), login_as("official"), login_as("agent")
    keep(agent, "/registry/new", {"name": "Tri du courrier (mon brouillon)"})
    keep(agent, f"/registry/{SLUG}/edit", flat(published(engine).data or {}) | {"summary": "x"})
    keep(other, "/registry/new", {"name": "Brouillon d'une collègue"})
    created = sent_draft(send(agent, "/registry/new", flat(new_system()), change_summary="Neuf"))
    assert publish(official, created, 0).status_code == 303
    data = flat(published(engine, NEW_SLUG).data or {}) | {"purpose": "Traduire plus vite."}
    sent_draft(send(agent, f"/registry/{NEW_SLUG}/edit", data, change_summary="But précisé"))
    assert published(engine, NEW_SLUG).owner_id == agent.user_id  # type: ignore[attr-defined]
    assert count(engine, IncompleteDraft) == 3
    return agent, int(agent.user_id)  # type: ignore[attr-defined]


def _left_of(engine: Engine, user_id: int) -> tuple[int, int, int]:
    """(their kept drafts, entries they own, their drafts for review) still stored."""
    with session_scope(engine, write=False) as session:
        kept = session.scalars(select(IncompleteDraft).where(IncompleteDraft.author_id == user_id))
        owned = session.scalars(select(System).where(System.owner_id == user_id))
        sent = session.scalars(select(Revision).where(Revision.author_id == user_id))
        return len(kept.all()), len(owned.all()), len(sent.all())


def test_deleting_an_account_deletes_its_kept_drafts_and_clears_its_entries(
    registry: list[str], login_as: Any, client: TestClient, engine: Engine
) -> None:
    """Deleted from the account page: no kept draft of theirs is left (a colleague's stays),
    the entry they owned names no referent, their draft for review and published change stay."""
    agent, user_id = _agent_with_traces(login_as, engine)
    assert _left_of(engine, user_id) == (2, 1, 2)
    done = post(agent, "/account/delete", {"confirm": "SUPPRIMER"}, form_page="/account",
                follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    assert _left_of(engine, user_id) == (0, 0, 2)
    assert count(engine, IncompleteDraft) == 1
    page = unescape(client.get(f"/registry/{NEW_SLUG}").text)
    assert "Référent" not in page and "Compte supprimé" not in page


def test_the_registers_erase_provider_is_declared_in_its_manifest(
    registry: list[str], login_as: Any, engine: Engine
) -> None:
    """Run through the manifests as the account deletion runs them: the same rows go."""
    _agent, user_id = _agent_with_traces(login_as, engine)
    with session_scope(engine) as session:
        erase_account(session, user_id, MODULES)
    assert _left_of(engine, user_id) == (0, 0, 2)
    assert count(engine, IncompleteDraft) == 1
