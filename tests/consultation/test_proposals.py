"""Agents' proposals through HTTP: amend or add a clause, the diff, comments and supports on them."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.consultation.participation import services as ps
from portal.consultation.participation.models import Proposal
from portal.db import session_scope
from tests.helpers import HX, post, t


def propose(client: TestClient, **data: str) -> Any:
    return post(client, "/charter/proposals", data, follow_redirects=False)


def amend_clause_4(agent: TestClient) -> int:
    form = t(agent.get("/charter/proposals/new?article=4"))
    current = re.search(r'<textarea id="body"[^>]*>(.*?)</textarea>', form, re.S)
    assert current and "uniquement par une machine" in current.group(1)
    body = (
        current.group(1).replace("un agent", "un agent formé", 1)
        + "\n\nLe rappel a lieu le jour même."
    )
    response = propose(agent, kind="amend", clause_number="4", title="Un humain à qui parler",
                       body=body, rationale="Les habitants demandent un **rappel rapide**.")  # fmt: skip
    assert response.status_code == 303, t(response)[:2000]
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_agent_proposes_an_amendment_shown_as_a_diff(
    charter: dict[str, int], login_as: Any, client: TestClient
) -> None:
    """An amendment starts from the clause's text and its page shows the word diff and rationale."""
    agent = login_as("agent")
    pid = amend_clause_4(agent)
    page = client.get(f"/charter/proposals/{pid}")
    text = t(page)
    assert page.status_code == 200
    assert "Proposition : Un humain à qui parler" in text
    assert "<ins>" in page.text and "Le rappel a lieu le jour même." in text
    assert "<strong>rappel rapide</strong>" in page.text
    assert "en attente de réponse" in text
    listing = t(client.get("/charter/proposals"))
    assert f'href="/charter/proposals/{pid}"' in listing and "Article 4" in listing
    clause_page = t(client.get("/charter/clauses/4"))
    assert f'href="/charter/proposals/{pid}"' in clause_page


def test_agent_proposes_a_new_clause(
    charter: dict[str, int], login_as: Any, client: TestClient, engine: Engine
) -> None:
    """A new clause needs a section; its page shows the whole text as added."""
    agent = login_as("agent")
    missing = propose(agent, kind="new", title="Logiciels libres", body="La ville préfère le libre.",
                      rationale="Souveraineté.")  # fmt: skip
    assert missing.status_code == 400 and "section du nouvel article" in t(missing)
    assert "La ville préfère le libre." in t(missing)  # what was typed is kept
    with session_scope(engine, write=False) as s:
        section = s.scalar(select(ps.CharterSection.slug).limit(1))
    done = propose(agent, kind="new", section=str(section), title="Logiciels libres",
                   body="La ville préfère le libre.", rationale="Souveraineté.")  # fmt: skip
    assert done.status_code == 303
    page = t(client.get(done.headers["location"]))
    assert "Texte entièrement nouveau" in page and "nouvel article dans la section" in page


def test_bad_proposals_are_refused(charter: dict[str, int], login_as: Any, engine: Engine) -> None:
    """Empty rationale, unchanged text or unknown clause: a clear message and nothing stored."""
    agent = login_as("agent")
    no_reason = propose(agent, kind="amend", clause_number="4", title="T", body="Nouveau texte",
                        rationale=" ")  # fmt: skip
    assert no_reason.status_code == 400 and "justification sont obligatoires" in t(no_reason)
    unknown = propose(agent, kind="amend", clause_number="99", title="T", body="x", rationale="y")
    assert unknown.status_code == 404 and "existe pas" in t(unknown)
    with session_scope(engine, write=False) as s:
        clause = s.scalar(
            select(ps.Clause).where(ps.Clause.number == 4).order_by(ps.Clause.id.desc())
        )  # type: ignore[union-attr]
        assert clause is not None
        title, body = clause.title, clause.body
    same = propose(agent, kind="amend", clause_number="4", title=title, body=body, rationale="r")
    assert same.status_code == 400 and "identique au texte actuel" in t(same)
    with session_scope(engine, write=False) as s:
        assert list(s.scalars(select(Proposal))) == []


def test_residents_comment_and_support_proposals(
    charter: dict[str, int], login_as: Any, engine: Engine
) -> None:
    """Residents comment on a proposal (htmx and plain) and support it once."""
    pid = amend_clause_4(login_as("agent"))
    resident = login_as()
    plain = post(resident, f"/charter/proposals/{pid}/comments", {"body": "Bonne proposition."},
                 follow_redirects=False)  # fmt: skip
    assert plain.status_code == 303 and plain.headers["location"].startswith(
        f"/charter/proposals/{pid}#comment-"
    )
    htmx = post(resident, f"/charter/proposals/{pid}/comments", {"body": "Et le samedi ?"},
                headers=HX)  # fmt: skip
    assert 'id="discussion"' in htmx.text and "Et le samedi ?" in t(htmx)
    empty = post(resident, f"/charter/proposals/{pid}/comments", {"body": ""})
    assert empty.status_code == 400 and "Le commentaire est vide" in t(empty)
    post(resident, f"/charter/proposals/{pid}/support", {"action": "add"})
    post(resident, f"/charter/proposals/{pid}/support", {"action": "add"})
    page = t(resident.get(f"/charter/proposals/{pid}"))
    assert "Bonne proposition." in page and "(2 commentaires)" in page
    with session_scope(engine, write=False) as s:
        row = s.get(Proposal, pid)
        assert row is not None and row.support_count == 1 and row.comment_count == 2


def test_xss_in_proposal_fields_is_inert(
    charter: dict[str, int], login_as: Any, client: TestClient
) -> None:
    """Script in a proposal's title, text or rationale is shown as text, never run."""
    agent = login_as("agent")
    response = propose(agent, kind="amend", clause_number="4", title='<script>alert("t")</script>',
                       body="<script>alert(1)</script> texte", rationale="<img src=x onerror=alert(2)>")  # fmt: skip
    assert response.status_code == 303
    for path in (response.headers["location"], "/charter/proposals", "/charter/clauses/4"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img" not in html


def test_proposals_are_closed_after_the_consultation(
    charter: dict[str, int], login_as: Any, engine: Engine
) -> None:
    """Once the draft is under review, a proposal gets a clear message and nothing is stored."""
    agent = login_as("agent")
    with session_scope(engine) as s:
        ps.close_consultation(s, number=2, actor_id=charter["elu"])
    response = propose(
        agent, kind="amend", clause_number="4", title="T", body="Autre", rationale="r"
    )
    assert response.status_code == 409 and "ne sont plus reçues" in t(response)
    with session_scope(engine, write=False) as s:
        assert list(s.scalars(select(Proposal))) == []


def test_diff_stays_against_the_text_the_agent_started_from(
    charter: dict[str, int], login_as: Any, engine: Engine
) -> None:
    """When the draft clause changes later (an accepted answer), the proposal's diff does not."""
    pid = amend_clause_4(login_as("agent"))
    client = login_as()  # signed in: pages are never served from the anonymous cache
    before = client.get(f"/charter/proposals/{pid}").text
    with session_scope(engine) as s:
        proposal = s.get(Proposal, pid)
        assert proposal is not None
        clause = ps.current_text(s, proposal)
        assert clause is not None
        clause.body = proposal.body  # the draft now reads as proposed
    after = client.get(f"/charter/proposals/{pid}")
    assert "au moment de la proposition" in t(after)
    diff = re.search(r'<div class="diff proposal-diff">(.*?)</div>', after.text, re.S)
    assert diff and "<ins>" in diff.group(1)
    assert diff.group(1) in before
