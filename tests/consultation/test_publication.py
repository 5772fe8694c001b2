"""Guarded publication: the confirmation page lists what is not done, a written reason is needed
to publish anyway and is published with the version, a stale page and a second official are
refused clearly, with real parallel requests on both databases."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.consultation.charter import services as charter_services
from portal.db import session_scope
from tests.factories import Accounts, add_proposal, email_of
from tests.helpers import (
    ROLES,
    answer_proposal,
    as_role,
    assert_statuses,
    new_comment_id,
    post,
    post_comment,
    run_concurrently,
    served_sign_in,
    t,
)


def status_of(engine: Engine, number: int = 2) -> tuple[str, str | None]:
    with session_scope(engine, write=False) as session:
        version = charter_services.get_version(session, number)
        return version.status, version.publication_reason


def seen_digest(client: TestClient, number: int = 2) -> str:
    match = re.search(
        r'name="seen" value="([^"]+)"', client.get(f"/charter/v/{number}/publish").text
    )
    assert match
    return match.group(1)


def publish(client: TestClient, **data: str) -> Any:
    form = {"note": "Version 2 adoptée.", "lock_version": "1", **data}
    return post(client, "/charter/v/2/publish", form, follow_redirects=False)


def a_pending_report(login_as: Any) -> int:
    author, reporter = login_as(), login_as()
    cid = new_comment_id(post_comment(author, "Un avis que quelqu'un signale."))
    assert post(reporter, f"/charter/comments/{cid}/report", {"reason": "spam"}).status_code == 200
    return cid


def test_confirmation_lists_what_is_not_done_and_refuses_without_a_reason(
    accounts: Accounts, engine: Engine, login_as: Any, client: TestClient
) -> None:
    """Open until a date, a proposal without answer and a pending report are listed; publishing
    without a reason is refused (409) and nothing is published; with one, it is, and the reason is
    shown with the version to everyone."""
    add_proposal(engine, author_id=accounts["agent"], title="Un guichet le samedi")
    a_pending_report(login_as)
    official = login_as("official")
    page = t(official.get("/charter/v/2/publish"))
    assert "la consultation est encore ouverte jusqu'au" in page
    assert "1 proposition sans réponse" in page and "Un guichet le samedi" in page
    assert "1 signalement attend la modération" in page
    assert "Pourquoi publier quand même ?" in page

    refused = publish(official, seen=seen_digest(official))
    assert refused.status_code == 409
    assert "Tout n'est pas terminé" in t(refused) and "Un guichet le samedi" in t(refused)
    assert "Version 2 adoptée." in t(refused)  # what was typed comes back
    assert status_of(engine) == ("draft", None)

    reason = "Le conseil municipal vote le texte demain ; les réponses suivront."
    done = publish(official, reason=reason, seen=seen_digest(official))
    assert done.status_code == 303 and done.headers["location"] == "/charter/v/2"
    assert status_of(engine) == ("published", reason)
    public = t(client.get("/charter/v/2"))
    assert "Publiée avant que tout soit terminé" in public and reason in public


def test_when_all_is_done_no_reason_is_asked(
    accounts: Accounts, engine: Engine, login_as: Any
) -> None:
    """Consultation closed, every proposal answered, no report pending: the page says so and the
    version is published without a reason (none is stored even if one is sent)."""
    pid = add_proposal(engine, author_id=accounts["agent"])
    official = login_as("official")
    assert answer_proposal(official, pid, "rejected", "Déjà prévu ailleurs.").status_code == 303
    assert post(official, "/charter/v/2/phase", {"action": "close"}).status_code == 200
    page = t(official.get("/charter/v/2/publish"))
    assert "Tout est terminé" in page and "Pourquoi publier quand même ?" not in page
    assert "la consultation est close" in page
    assert publish(official, reason="inutile").status_code == 303
    assert status_of(engine) == ("published", None)


def test_a_stale_confirmation_page_is_refused(
    accounts: Accounts, engine: Engine, login_as: Any
) -> None:
    """The list changed after the page was shown (a new proposal): publishing with the old page is
    refused with a clear message and the new list; nothing is published."""
    official = login_as("official")
    seen = seen_digest(official)
    add_proposal(engine, author_id=accounts["agent"], title="Arrivée entre-temps")
    stale = publish(official, reason="On publie.", seen=seen)
    assert stale.status_code == 409
    assert "La situation a changé" in t(stale) and "Arrivée entre-temps" in t(stale)
    assert status_of(engine) == ("draft", None)


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"note": "  "}, 400, "La note de publication est obligatoire."),
        ({"note": "x" * 5001}, 400, "La note de publication est limitée à 5000 caractères."),
        ({"reason": "   "}, 409, "Tout n'est pas terminé"),
        ({"reason": "y" * 5001}, 400, "La raison est limitée à 5000 caractères."),
        ({"reason": "ok", "lock_version": "0"}, 409, "juste avant vous"),
        ({"reason": "ok", "lock_version": "abc"}, 409, "juste avant vous"),
    ],
)
def test_bad_publication_input_is_refused_clearly(
    data: dict[str, str],
    status: int,
    message: str,
    accounts: Accounts,
    engine: Engine,
    login_as: Any,
) -> None:
    """Empty or over-long note or reason, a stale or forged lock: a French message, nothing
    published."""
    official = login_as("official")
    response = publish(official, **data)
    assert response.status_code == status
    assert message in t(response)
    assert status_of(engine) == ("draft", None)


def test_publishing_an_already_published_version_shows_the_conflict_page(
    drafting: Accounts, engine: Engine, login_as: Any, make_user: Any
) -> None:
    """The second official's form, sent after the first published: a conflict page that says who
    published and when, keeps the note typed, and offers no form."""
    first, second = login_as("official"), login_as("official")
    assert publish(first, note="Publiée par la première.").status_code == 303
    late = publish(second, note="Ma note à moi.")
    assert late.status_code == 409
    page = t(late)
    assert "Cette version est déjà publiée" in page and "Rien n'a été écrasé" in page
    assert "Ma note à moi." in page and 'action="/charter/v/2/publish"' not in page
    with session_scope(engine, write=False) as session:
        assert charter_services.get_version(session, 2).publication_note == (
            "Publiée par la première."
        )
    assert "Cette version est déjà publiée" in t(second.get("/charter/v/2/publish"))


def test_two_officials_publishing_at_once_over_http(
    drafting: Accounts, engine: Engine, live_server: str, make_user: Any
) -> None:
    """Six officials send the publication at the same moment to the served app: exactly one is
    published (303), the five others get the conflict page (409); one note is stored."""
    officials = [make_user("official") for _ in range(6)]
    sessions = [
        served_sign_in(live_server, email_of(engine, uid), "/charter/v/2/publish")
        for uid in officials
    ]

    def send(i: int) -> httpx.Response:
        cookie, token = sessions[i]
        return httpx.post(
            f"{live_server}/charter/v/2/publish",
            data={"note": f"Note {i}", "lock_version": "1", "csrf_token": token},
            headers={"cookie": cookie},
            follow_redirects=False,
            timeout=120,
        )

    outcomes = run_concurrently(len(sessions), send)
    assert outcomes.errors == []
    statuses = sorted(r.status_code for r in outcomes.results)
    assert statuses == [303] + [409] * 5
    losers = [r for r in outcomes.results if r.status_code == 409]
    assert all("Cette version est déjà publiée" in r.text for r in losers)
    with session_scope(engine, write=False) as session:
        version = charter_services.get_version(session, 2)
        assert version.status == "published" and version.lock_version == 2
        assert version.publication_note in {f"Note {i}" for i in range(6)}


EXPECTED = {"anonymous": 303, "resident": 403, "agent": 403, "moderator": 403, "official": 200,
            "admin": 200}  # fmt: skip


def test_who_may_see_the_confirmation_page(
    drafting: Accounts, make_client: Any, login_as: Any
) -> None:
    """Officials (and the admin) see the confirmation page; everyone else is refused, exactly."""
    observed = {
        role: as_role(role, make_client, login_as)
        .get("/charter/v/2/publish", follow_redirects=False)
        .status_code
        for role in ROLES
    }
    assert_statuses(EXPECTED, observed)


def test_the_confirmation_page_of_an_unknown_version_is_404(
    drafting: Accounts, login_as: Any
) -> None:
    """A version that does not exist: 404, in French."""
    official = login_as("official")
    response = official.get("/charter/v/99/publish")
    assert response.status_code == 404 and "n'existe pas" in t(response)
