"""A resident's proposal is user text like a comment: reported, hidden with a public reason or
kept by a moderator; and blocking the author is offered from every hidden or reported item."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.consultation.moderation.models import Block, ProposalReport
from portal.db import session_scope
from tests.factories import Accounts
from tests.helpers import ROLES, as_role, assert_statuses, new_comment_id, post, post_comment, t

ABUSE = "Les élus sont des voleurs"


def resident_proposal(official: TestClient, resident: TestClient, title: str = ABUSE) -> int:
    post(official, "/charter/v/2/phase", {"action": "proposers", "proposers": "residents"})
    created = post(resident, "/charter/proposals",
                   {"kind": "new", "section": "principes", "title": title,
                    "body": "Texte injurieux.", "rationale": "Aucune."},
                   follow_redirects=False)  # fmt: skip
    assert created.status_code == 303, t(created)[:500]
    match = re.search(r"/charter/proposals/(\d+)", created.headers["location"])
    assert match
    return int(match.group(1))


def report(client: TestClient, pid: int, reason: str = "insult", **extra: str) -> Any:
    return post(client, f"/charter/proposals/{pid}/report", {"reason": reason, **extra})


def test_a_reported_proposal_is_hidden_with_a_public_reason(
    charter: Accounts, login_as: Any, engine: Engine, client: TestClient
) -> None:
    """Reported, it waits in the queue with a block button; hidden, its title and text give way to
    the reason everywhere, it leaves the answer desk and the publication check; the figures count
    it."""
    official, author, reporter, moderator = (
        login_as("official"), login_as(), login_as(), login_as("moderator")
    )  # fmt: skip
    pid = resident_proposal(official, author)
    assert "Signaler cette proposition" in t(reporter.get(f"/charter/proposals/{pid}"))
    assert "Signaler cette proposition" not in t(author.get(f"/charter/proposals/{pid}"))
    done = report(reporter, pid)
    assert "la proposition est signalée à la modération" in t(done)
    assert "1 signalement attend la modération" in t(official.get("/charter/v/2/publish"))
    queue = t(moderator.get("/moderation"))
    assert "Propositions signalées" in queue and ABUSE in queue
    assert f'action="/moderation/users/{author.user_id}/block"' in queue  # type: ignore[attr-defined]
    hidden = post(moderator, f"/moderation/proposals/{pid}/hide", {"reason": "insult"})
    assert "La proposition est masquée" in t(hidden)
    for path in (f"/charter/proposals/{pid}", "/charter/proposals", "/charter/cycles/2"):
        page = t(client.get(path))
        assert ABUSE not in page and "masquée par la modération" in page, path
    assert ABUSE not in t(official.get("/charter/review"))
    check = t(official.get("/charter/v/2/publish"))
    assert "aucun signalement n'attend" in check and ABUSE not in check
    figures = t(client.get("/moderation/figures"))
    assert "Injure" in figures
    # The hidden proposal's row still offers to block its author.
    queue = t(moderator.get("/moderation"))
    assert "Propositions masquées récemment" in queue
    assert f'action="/moderation/users/{author.user_id}/block"' in queue  # type: ignore[attr-defined]


def test_keep_closes_the_reports(charter: Accounts, login_as: Any, engine: Engine) -> None:
    """A moderator keeps a proposal that breaks no rule: its reports are closed, it stays."""
    official, author, reporter, moderator = (
        login_as("official"), login_as(), login_as(), login_as("moderator")
    )  # fmt: skip
    pid = resident_proposal(official, author, title="Une idée dérangeante mais correcte")
    report(reporter, pid, "off_topic")
    kept = post(moderator, f"/moderation/proposals/{pid}/keep")
    assert "La proposition reste visible" in t(kept)
    with session_scope(engine, write=False) as session:
        row = session.scalars(select(ProposalReport)).one()
        assert row.outcome == "kept" and row.resolved_at is not None
    assert "Aucune proposition signalée en attente." in t(moderator.get("/moderation"))


def test_bad_proposal_reports_are_refused(charter: Accounts, login_as: Any, engine: Engine) -> None:
    """Twice, one's own, a bad reason, a long note, an unknown proposal: a message, one report."""
    official, author, reporter = login_as("official"), login_as(), login_as()
    pid = resident_proposal(official, author)
    assert "Choisissez le motif" in t(report(reporter, pid, "nope"))
    assert "limitée à 500 caractères" in t(report(reporter, pid, note="x" * 501))
    assert "propre proposition" in t(report(author, pid))
    report(reporter, pid)
    assert "déjà signalé cette proposition" in t(report(reporter, pid))
    assert report(reporter, 9999).status_code == 404
    with session_scope(engine, write=False) as session:
        assert len(list(session.scalars(select(ProposalReport)))) == 1


def test_hiding_twice_or_one_own_proposal_is_refused(
    charter: Accounts, login_as: Any, make_user: Any
) -> None:
    """A second hide is a conflict (409); a moderator never moderates their own proposal."""
    official, author, moderator = login_as("official"), login_as(), login_as("moderator")
    pid = resident_proposal(official, author)
    assert (
        post(moderator, f"/moderation/proposals/{pid}/hide", {"reason": "spam"}).status_code == 200
    )
    again = post(moderator, f"/moderation/proposals/{pid}/hide", {"reason": "spam"})
    assert again.status_code == 409 and "déjà masquée" in t(again)
    bad = post(moderator, f"/moderation/proposals/{pid}/keep", {"reason": "x"})
    assert bad.status_code == 200
    own = resident_proposal(official, moderator, title="Ma proposition de modérateur")
    refused = post(moderator, f"/moderation/proposals/{own}/hide", {"reason": "spam"})
    assert refused.status_code == 403 and "propre proposition" in t(refused)


def test_block_is_offered_from_a_hidden_comment(
    charter: Accounts, login_as: Any, engine: Engine
) -> None:
    """Once a comment is hidden (its reports closed), the queue still lets the moderator block its
    author from the hidden comments' table; an item recorded at the front desk offers no block."""
    author, reporter, moderator, agent = (
        login_as(),
        login_as(),
        login_as("moderator"),
        login_as("agent"),
    )
    cid = new_comment_id(post_comment(author, "Une insulte cachée."))
    post(reporter, f"/charter/comments/{cid}/report", {"reason": "insult"})
    post(moderator, f"/moderation/comments/{cid}/hide", {"reason": "insult"})
    queue = t(moderator.get("/moderation"))
    assert "Aucun commentaire signalé en attente." in queue
    block_url = f"/moderation/users/{author.user_id}/block"  # type: ignore[attr-defined]
    assert f'action="{block_url}"' in queue
    blocked = post(moderator, block_url, {"reason": "insult"})
    assert "ne peut plus écrire" in t(blocked)
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(Block.user_id)) == author.user_id  # type: ignore[attr-defined]
    desk = post(agent, "/charter/desk/comments",
                {"article": "4", "body": "Propos recueillis injurieux.", "channel": "accueil"},
                follow_redirects=False)  # fmt: skip
    desk_id = int(desk.headers["location"].rsplit("-", 1)[1])
    post(reporter, f"/charter/comments/{desk_id}/report", {"reason": "insult"})
    queue = t(moderator.get("/moderation"))
    assert "aucun compte à bloquer" in queue
    assert f'action="/moderation/users/{agent.user_id}/block"' not in queue  # type: ignore[attr-defined]


HIDE = {"anonymous": 303, "resident": 403, "agent": 403, "moderator": 303, "official": 403,
        "admin": 303}  # fmt: skip


def test_who_may_hide_a_proposal(charter: Accounts, make_client: Any, login_as: Any) -> None:
    """Moderators (and the admin) hide proposals (303 back to the queue); the others are refused,
    exactly (anonymous: to the login page)."""
    official, author = login_as("official"), login_as()
    observed = {}
    for role in ROLES:
        pid = resident_proposal(official, author, title=f"À masquer ({role})")
        client = as_role(role, make_client, login_as)
        response = post(client, f"/moderation/proposals/{pid}/hide", {"reason": "spam"},
                        follow_redirects=False)  # fmt: skip
        observed[role] = response.status_code
        if response.status_code == 303:
            expected = "/login" if role == "anonymous" else "/moderation"
            assert response.headers["location"].startswith(expected), role
    assert_statuses(HIDE, observed)


def test_a_reported_proposal_waits_on_the_moderators_desk(charter: Accounts, login_as: Any) -> None:
    """ "Mon espace" counts reported proposals with reported comments."""
    official, author, reporter, moderator = (
        login_as("official"), login_as(), login_as(), login_as("moderator")
    )  # fmt: skip
    pid = resident_proposal(official, author)
    report(reporter, pid)
    desk = re.sub(r"<[^>]+>", " ", t(moderator.get("/espace")))
    assert re.search(r"Signalements à traiter\s*1 en attente", desk)


def test_a_hidden_proposal_is_not_republished_in_open_data(
    charter: Accounts, login_as: Any, client: TestClient
) -> None:
    """The export keeps a hidden proposal's place and fate but not its words; the feed omits it."""
    official, author, moderator = login_as("official"), login_as(), login_as("moderator")
    pid = resident_proposal(official, author)
    post(official, f"/charter/proposals/{pid}/answer",
         {"decision": "rejected", "reason": "Hors sujet.", "lock_version": "1"})  # fmt: skip
    post(moderator, f"/moderation/proposals/{pid}/hide", {"reason": "insult"})
    post(official, "/charter/v/2/phase", {"action": "close"})
    exported = client.get("/consultation/export.json")
    assert exported.status_code == 200
    [row] = [p for p in exported.json()["proposals"] if p["id"] == pid]
    assert (row["title"], row["body"], row["rationale"]) == (None, None, None)
    assert row["decision"] == "rejected" and ABUSE not in exported.text
    assert ABUSE not in client.get("/charter/feed.atom").text
