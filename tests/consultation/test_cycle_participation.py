"""Who may propose is a setting of each cycle, residents' proposals go through the same answer
desk, and an agent records a comment or a proposal for a resident without an account, shown
"recueilli par un agent d'accueil" with its channel, never under the agent's name."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.consultation.participation.models import Comment, Proposal
from portal.db import session_scope
from tests.factories import Accounts, email_of
from tests.helpers import ROLES, as_role, assert_statuses, login, post, t


def count(engine: Engine, model: Any) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def set_proposers(official: TestClient, value: str) -> Any:
    return post(official, "/charter/v/2/phase", {"action": "proposers", "proposers": value})


def propose(client: TestClient, **extra: str) -> Any:
    data = {"kind": "new", "section": "principes", "title": "Un droit à l'oubli",
            "body": "Les données sont effacées au bout d'un an.",
            "rationale": "Personne ne relit de vieilles traces.", **extra}  # fmt: skip
    return post(client, "/charter/proposals", data, follow_redirects=False)


def desk_comment(agent: TestClient, **extra: str) -> Any:
    data = {"article": "4", "body": "Je veux parler à quelqu'un, pas à une machine.",
            "channel": "telephone", **extra}  # fmt: skip
    return post(agent, "/charter/desk/comments", data, follow_redirects=False)


def test_residents_propose_only_when_the_cycle_lets_them(
    charter: Accounts, login_as: Any, engine: Engine, client: TestClient
) -> None:
    """By default only agents propose (a resident gets a clear 403); once the official opens
    proposals to residents, a resident's proposal is published and waits at the answer desk."""
    resident, official = login_as(), login_as("official")
    refused = resident.get("/charter/proposals/new")
    assert refused.status_code == 403 and "seuls les agents de la ville" in t(refused)
    assert propose(resident).status_code == 403 and count(engine, Proposal) == 0
    assert "Proposer un nouvel article" not in t(resident.get("/charter"))

    saved = set_proposers(official, "residents")
    assert "Le choix de qui peut proposer" in t(saved)
    assert "les agents et les habitants" in t(client.get("/charter/cycles/2"))
    assert "Proposer un nouvel article" in t(resident.get("/charter"))
    assert resident.get("/charter/proposals/new").status_code == 200
    created = propose(resident)
    assert created.status_code == 303
    page = t(resident.get(created.headers["location"]))
    assert "Un droit à l'oubli" in page and ", agent de la ville" not in page
    desk = t(official.get("/charter/review"))
    assert "Un droit à l'oubli" in desk
    pid = re.search(r"/charter/proposals/(\d+)", created.headers["location"])
    assert pid is not None
    answer = post(official, f"/charter/proposals/{pid.group(1)}/answer",
                  {"decision": "under_study", "reason": "À voir avec la DSI.", "lock_version": "1"},
                  follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303


def test_bad_proposers_value_and_closed_cycle(
    charter: Accounts, login_as: Any, engine: Engine
) -> None:
    """An unknown setting is refused in French; once the consultation is closed, no proposal is
    received (409) and nothing is stored."""
    official, agent = login_as("official"), login_as("agent")
    bad = set_proposers(official, "everyone")
    assert bad.status_code == 400 and "Choisissez qui peut proposer" in t(bad)
    assert post(official, "/charter/v/2/phase", {"action": "close"}).status_code == 200
    closed = propose(agent)
    assert closed.status_code == 409 and "ne sont plus reçues" in t(closed)
    assert count(engine, Proposal) == 0


def test_an_agent_records_a_comment_for_a_resident_without_an_account(
    charter: Accounts, engine: Engine, client: TestClient, make_user: Any, make_client: Any
) -> None:
    """The comment is public, marked recueilli par un agent d'accueil with its channel and the
    name the resident agreed to, never with the agent's name."""
    agent_id = make_user("agent", name="Agnès Guichet")
    agent = make_client()
    login(agent, email_of(engine, agent_id))
    assert "Recueillir une contribution" in t(agent.get("/charter"))
    assert agent.get("/charter/desk").status_code == 200
    sent = desk_comment(agent, assisted_name="Mme R.")
    assert sent.status_code == 303 and "#comment-" in sent.headers["location"]
    page = t(client.get("/charter/clauses/4"))
    assert "Je veux parler à quelqu'un" in page
    assert "Mme R., recueilli par un agent d'accueil (par téléphone)" in page
    assert "Agnès Guichet" not in page
    anonymous = desk_comment(agent, body="Un autre avis, par courrier.", channel="courrier")
    assert anonymous.status_code == 303
    assert "Recueilli par un agent d'accueil (par courrier)" in t(client.get("/charter/clauses/4"))
    assert "1 contribution recueillie" not in t(client.get("/charter/cycles/2"))
    assert "2 contributions recueillies par un agent d'accueil" in t(
        client.get("/charter/cycles/2")
    )


def test_an_agent_records_a_proposal_for_a_resident(
    charter: Accounts, login_as: Any, engine: Engine, client: TestClient
) -> None:
    """Through the proposal form's "for whom" fields: shown recueilli par un agent d'accueil,
    not as an agent's proposal."""
    agent = login_as("agent")
    assert "Pour qui écrivez-vous ?" in t(agent.get("/charter/proposals/new"))
    created = propose(agent, channel="accueil")
    assert created.status_code == 303
    page = t(client.get(created.headers["location"]))
    assert "Recueilli par un agent d'accueil (à l'accueil)" in page
    assert ", agent de la ville" not in page


@pytest.mark.parametrize(
    ("extra", "status", "message"),
    [
        ({"channel": ""}, 400, "Indiquez comment la contribution a été reçue"),
        ({"channel": "pigeon"}, 400, "Indiquez comment la contribution a été reçue"),
        ({"assisted_name": "x" * 121}, 400, "Le nom affiché est limité à 120 caractères."),
        ({"body": "   "}, 400, "Le commentaire est vide"),
        ({"body": "y" * 5001}, 400, "Le commentaire est trop long"),
        ({"article": ""}, 400, "Choisissez l'article commenté."),
        ({"article": "99"}, 400, "Choisissez l'article commenté."),
    ],
)
def test_bad_desk_input_is_refused_and_kept(
    extra: dict[str, str],
    status: int,
    message: str,
    charter: Accounts,
    login_as: Any,
    engine: Engine,
) -> None:
    """Each bad field: a French message, the text typed shown back, nothing stored."""
    agent = login_as("agent")
    response = desk_comment(agent, **extra)
    assert response.status_code == status and message in t(response)
    assert count(engine, Comment) == 0


def test_an_agent_may_not_write_for_a_resident_who_has_an_account(
    charter: Accounts, login_as: Any, engine: Engine
) -> None:
    """The person's address belongs to an account: refused (403), for comments and proposals;
    nothing stored; the address is not kept."""
    resident, agent = login_as(), login_as("agent")
    address = email_of(engine, resident.user_id)  # type: ignore[attr-defined]
    refused = desk_comment(agent, assisted_email=address.upper())
    assert refused.status_code == 403 and "Cette personne a un compte" in t(refused)
    assert count(engine, Comment) == 0
    refused = propose(agent, channel="telephone", assisted_email=address)
    assert refused.status_code == 403 and "Cette personne a un compte" in t(refused)
    assert count(engine, Proposal) == 0
    ok = desk_comment(agent, assisted_email="sans-compte@exemple.fr")
    assert ok.status_code == 303
    with session_scope(engine, write=False) as session:
        stored = session.scalars(select(Comment)).one()
        assert "sans-compte" not in repr(stored.__dict__)


def test_only_agents_use_the_for_whom_fields(
    charter: Accounts, login_as: Any, engine: Engine
) -> None:
    """A resident allowed to propose who sends the agent's fields is refused (403)."""
    official, resident = login_as("official"), login_as()
    set_proposers(official, "residents")
    refused = propose(resident, channel="accueil")
    assert refused.status_code == 403 and count(engine, Proposal) == 0


def test_the_desk_is_closed_with_the_consultation(charter: Accounts, login_as: Any) -> None:
    """Comments recorded after the close are refused like any comment (409)."""
    official, agent = login_as("official"), login_as("agent")
    post(official, "/charter/v/2/phase", {"action": "close"})
    closed = desk_comment(agent)
    assert closed.status_code == 409 and "La consultation n'est pas ouverte" in t(closed)


DESK = {"anonymous": 303, "resident": 403, "agent": 200, "moderator": 403, "official": 403,
        "admin": 200}  # fmt: skip


def test_who_may_open_the_desk(charter: Accounts, make_client: Any, login_as: Any) -> None:
    """Agents (and the admin) record contributions for residents; nobody else, exactly."""
    observed = {
        role: as_role(role, make_client, login_as)
        .get("/charter/desk", follow_redirects=False)
        .status_code
        for role in ROLES
    }
    assert_statuses(DESK, observed)


def test_the_open_data_export_names_the_channel_not_the_agent(
    charter: Accounts, login_as: Any, client: TestClient
) -> None:
    """In the anonymised export, a recorded comment's author is its channel, never the agent's
    pseudonym (which their own comments carry)."""
    agent = login_as("agent")
    assert desk_comment(agent).status_code == 303
    assert (
        post(agent, "/charter/clauses/4/comments", {"body": "Mon avis d'agent."}).status_code == 200
    )
    post(login_as("official"), "/charter/v/2/phase", {"action": "close"})  # the export is public
    exported = client.get("/consultation/export.json")
    assert exported.status_code == 200, t(exported).split("<main")[-1][:800]
    comments = exported.json()["comments"]
    authors = {c["body"]: c["author"] for c in comments}
    assert authors["Je veux parler à quelqu'un, pas à une machine."] == "accueil:telephone"
    assert authors["Mon avis d'agent."].startswith("p-")


def test_what_an_agent_records_for_others_is_not_in_the_agents_own_lists(
    charter: Accounts, login_as: Any
) -> None:
    """A comment and a proposal recorded at the front desk are the resident's words: they appear
    neither on the agent's "my contributions" page nor in the agent's data download."""
    agent = login_as("agent")
    assert desk_comment(agent, body="Un avis dicté au téléphone.").status_code == 303
    assert propose(agent, channel="accueil", title="Un guichet humain").status_code == 303
    own = post(agent, "/charter/clauses/4/comments", {"body": "Mon propre avis d'agent."},
               follow_redirects=False)  # fmt: skip
    assert own.status_code == 303
    mine = t(agent.get("/account/consultation"))
    assert "Mon propre avis d'agent." in mine
    assert "Un avis dicté au téléphone." not in mine and "Un guichet humain" not in mine
    download = agent.get("/account/export.json").text
    assert "Mon propre avis d'agent." in download
    assert "Un avis dicté au téléphone." not in download and "Un guichet humain" not in download
