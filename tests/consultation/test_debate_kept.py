"""The debate stays public after publication: every cycle has its page (dates, figures, every
proposal with its fate), and every article of a published version links to what residents said,
read-only; all of it is reachable by links from the home page."""

from __future__ import annotations

import re
from collections import deque
from typing import Any

from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from tests.factories import Accounts, add_proposal
from tests.helpers import answer_proposal, post, post_comment, t


def run_first_cycle(accounts: Accounts, engine: Engine, login_as: Any) -> dict[str, int]:
    """Version 2's consultation: a comment, a refused proposal, one left without answer,
    published anyway with a reason; then version 3 opened and a comment on it."""
    resident, official = login_as(), login_as("official")
    assert post_comment(resident, "Un humain doit toujours pouvoir répondre.").status_code == 303
    refused = add_proposal(engine, author_id=accounts["agent"], title="Supprimer l'accueil")
    silent = add_proposal(engine, author_id=accounts["agent"], title="Un courrier par an",
                          clause_slug=None, section_slug="principes")  # fmt: skip
    assert (
        answer_proposal(official, refused, "rejected", "L'accueil reste ouvert.").status_code == 303
    )
    published = post(official, "/charter/v/2/publish",
                     {"note": "Adoptée.", "reason": "Vote du conseil.", "lock_version": "1"},
                     follow_redirects=False)  # fmt: skip
    assert published.status_code == 303, t(published)[:2000]
    assert post(official, "/charter/next-draft", follow_redirects=False).status_code == 303
    assert post(official, "/charter/v/3/phase", {"action": "open"}).status_code == 200
    assert post_comment(resident, "Deuxième cycle.").status_code == 303
    return {"refused": refused, "silent": silent}


def crawl(
    client: TestClient, start: str = "/", prefix: str = "/charter", limit: int = 400
) -> set[str]:
    """Every page under `prefix` reachable by links from `start` (query strings and anchors
    dropped)."""
    seen, queue = {start}, deque([start])
    while queue and len(seen) < limit:
        page = client.get(queue.popleft())
        if page.status_code != 200 or "text/html" not in page.headers.get("content-type", ""):
            continue
        for href in re.findall(r'href="(/[^"#?]*)', page.text):
            if (href.startswith(prefix) or href == "/") and href not in seen:
                if href.endswith((".md", ".json", ".csv", ".atom")):
                    continue
                seen.add(href)
                queue.append(href)
    return seen


def test_a_published_cycle_keeps_its_discussions_and_every_proposal(
    accounts: Accounts, engine: Engine, login_as: Any, client: TestClient
) -> None:
    """After publication and a new draft: the version's article links to its discussion, which
    is read-only; the cycle page has dates, figures and every proposal with its fate, including
    one left without an answer."""
    ids = run_first_cycle(accounts, engine, login_as)
    version = t(client.get("/charter/v/2"))
    assert 'href="/charter/v/2/clauses/4"' in version and "Ce qu'ont dit les habitants" in version
    discussion = client.get("/charter/v/2/clauses/4")
    page = t(discussion)
    assert discussion.status_code == 200
    assert "Un humain doit toujours pouvoir répondre." in page
    assert "Deuxième cycle." not in page
    assert "on ne peut plus y écrire" in page and 'name="body"' not in page
    assert "Supprimer l'accueil" in page and "Refusée" in page

    cycle = t(client.get("/charter/cycles/2"))
    assert "Consultation sur la version 2" in cycle
    assert "1 commentaire" in cycle and "2 propositions d'amendement" in cycle
    assert "2 personnes avec un compte ont participé" in cycle
    assert f'href="/charter/proposals/{ids["refused"]}"' in cycle
    assert f'href="/charter/proposals/{ids["silent"]}"' in cycle
    assert "L'accueil reste ouvert." in cycle and "Sans réponse" in cycle
    assert "n'a reçu aucune réponse avant la publication" in cycle
    assert "Vote du conseil." in cycle and 'href="/consultation/synthesis?version=2"' in cycle
    # The proposal's own page stays, read-only, with its answer.
    proposal = t(client.get(f"/charter/proposals/{ids['refused']}"))
    assert "L'accueil reste ouvert." in proposal
    # The live clause page (draft 3 now) links to the previous consultation's discussion.
    live = t(client.get("/charter/clauses/4"))
    assert 'href="/charter/v/2/clauses/4"' in live and "Deuxième cycle." in live
    # The draft's own versioned address leads to its live page.
    assert (
        client.get("/charter/v/3/clauses/4", follow_redirects=False).headers["location"]
        == "/charter/clauses/4"
    )


def test_every_cycle_page_and_proposal_is_reachable_from_home(
    accounts: Accounts, engine: Engine, login_as: Any, client: TestClient
) -> None:
    """From /, links lead to the cycle page, version 2's discussions and each of its proposals."""
    ids = run_first_cycle(accounts, engine, login_as)
    reached = crawl(client)
    assert "/charter/cycles/2" in reached and "/charter/v/2/clauses/4" in reached
    assert {
        f"/charter/proposals/{ids['refused']}",
        f"/charter/proposals/{ids['silent']}",
    } <= reached


def test_cycles_index_lists_every_version(
    accounts: Accounts, engine: Engine, login_as: Any, client: TestClient
) -> None:
    """The index of consultations lists each cycle with its figures."""
    run_first_cycle(accounts, engine, login_as)
    page = t(client.get("/charter/cycles"))
    for n in (1, 2, 3):
        assert f'href="/charter/cycles/{n}"' in page


def test_unknown_cycle_or_article_is_a_french_404(accounts: Accounts, client: TestClient) -> None:
    """A cycle or an article that does not exist: 404 with a French message."""
    for path in ("/charter/cycles/99", "/charter/v/99/clauses/1", "/charter/v/1/clauses/999"):
        response = client.get(path)
        assert response.status_code == 404 and "n'existe pas" in t(response), path
