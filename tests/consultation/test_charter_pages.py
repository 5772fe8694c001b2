"""The charter pages through HTTP: reading view, permanent versions, open data, diff, publication."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.factories import Accounts
from tests.helpers import as_role, assert_accessible, csrf_token, run_concurrently


def test_charter_shows_the_draft_with_a_banner(
    client: TestClient, drafting: dict[str, int]
) -> None:
    """/charter shows draft version 2 with a banner linking to version 1 and to the changes."""
    page = client.get("/charter")
    assert page.status_code == 200
    assert "Projet de version 2" in page.text
    assert (
        'href="/charter/v/1"' in page.text and 'href="/charter/diff?from=1&amp;to=2"' in page.text
    )
    assert "Article 10 — Sobriété numérique" in page.text
    assert page.text.count('class="clause"') == 18


def test_published_version_has_a_permanent_page_and_open_data(
    client: TestClient, drafting: dict[str, int]
) -> None:
    """Version 1 has its URL, publisher, note, and Markdown and JSON downloads with the same text."""
    page = client.get("/charter/v/1")
    assert "Version 1, publiée le" in page.text and "par Élue Test" in page.text
    md = client.get("/charter/v/1.md")
    assert md.headers["content-type"].startswith("text/markdown")
    assert "### Article 5 — Un humain à qui parler" in md.text
    data = client.get("/charter/v/1.json").json()
    assert data["number"] == 1 and data["status"] == "published"
    numbers = [c["number"] for s in data["sections"] for c in s["clauses"]]
    assert sorted(numbers) == list(range(1, 18))


def test_diff_between_versions(client: TestClient, drafting: dict[str, int]) -> None:
    """The diff counts one added, one moved and three changed articles, with <ins>/<del>."""
    page = client.get("/charter/diff?from=1&to=2")
    assert "Articles ajoutés : 1 · supprimés : 0 · déplacés : 1 · modifiés : 3" in page.text
    assert "<ins>" in page.text and "<del>" in page.text
    assert "au plus <del>" in page.text


def test_clause_page_tells_where_the_text_comes_from(
    client: TestClient, drafting: dict[str, int]
) -> None:
    """A clause page shows its text and its change from version 1 to version 2."""
    page = client.get("/charter/clauses/4")
    assert "Un humain à qui parler" in page.text
    assert "De la version 1 à la version 2" in page.text
    new = client.get("/charter/clauses/10")
    assert "apparaît pour la première fois" in new.text


@pytest.mark.parametrize("path", ["/charter/v/9", "/charter/clauses/99", "/charter/v/9.json"])
def test_unknown_versions_and_clauses_are_404(
    client: TestClient, drafting: dict[str, int], path: str
) -> None:
    """Unknown versions or clauses get a French 404 page."""
    response = client.get(path)
    assert response.status_code == 404
    assert "existe pas" in response.text


def test_bad_diff_parameters_are_400(client: TestClient, drafting: dict[str, int]) -> None:
    """Non-numeric diff parameters get a clear 400."""
    response = client.get("/charter/diff?from=un&to=deux")
    assert response.status_code == 400
    assert "deux numéros de version" in response.text


def test_empty_charter_page(client: TestClient) -> None:
    """Before any content is loaded, /charter says so instead of failing."""
    assert "Aucune version" in client.get("/charter").text


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 303),
        ("resident", 403),
        ("agent", 403),
        ("moderator", 403),
        ("official", 303),
        ("admin", 303),
    ],
)
def test_publish_permission(
    role: str, status: int, drafting: dict[str, int], make_client: Any, login_as: Any
) -> None:
    """Only officials (and admins) publish a version."""
    client = as_role(role, make_client, login_as)
    response = client.post(
        "/charter/v/2/publish",
        data={
            "note": "Version adoptée",
            "lock_version": "1",
            "csrf_token": csrf_token(client, "/signup"),
        },
        follow_redirects=False,
    )
    assert response.status_code == status
    if status == 303 and role != "anonymous":
        assert response.headers["location"] == "/charter/v/2"


def test_publication_rules(drafting: dict[str, int], login_as: Any, client: TestClient) -> None:
    """A note is required; a published version cannot be published again; a stale form conflicts."""
    official = login_as("official")
    token = csrf_token(official, "/signup")
    empty = official.post(
        "/charter/v/2/publish", data={"note": " ", "lock_version": "1", "csrf_token": token}
    )
    assert empty.status_code == 400 and "note de publication est obligatoire" in empty.text
    stale = official.post(
        "/charter/v/2/publish", data={"note": "x", "lock_version": "0", "csrf_token": token}
    )
    assert stale.status_code == 409 and "juste avant vous" in stale.text
    done = official.post(
        "/charter/v/2/publish", data={"note": "Adoptée", "lock_version": "1", "csrf_token": token}
    )
    assert done.status_code == 200 and "La version 2 est publiée" in done.text
    again = official.post(
        "/charter/v/2/publish", data={"note": "x", "lock_version": "2", "csrf_token": token}
    )
    assert again.status_code == 409
    assert "Version 2, publiée le" in client.get("/charter").text


def test_two_officials_publishing_at_once(drafting: dict[str, int], login_as: Any) -> None:
    """Two officials publishing the same draft at the same moment: one wins, the other gets 409."""
    officials = [login_as("official"), login_as("official")]
    tokens = [csrf_token(o, "/signup") for o in officials]

    def publish(i: int) -> int:
        response = officials[i].post(
            "/charter/v/2/publish",
            data={"note": f"Publication {i}", "lock_version": "1", "csrf_token": tokens[i]},
            follow_redirects=False,
        )
        return response.status_code

    outcomes = run_concurrently(2, publish)
    assert outcomes.errors == []
    assert sorted(outcomes.results) == [303, 409]


def test_charter_pages_are_accessible(
    live_server: str, new_page: Any, drafting: dict[str, int]
) -> None:
    """axe-core: 0 WCAG 2.1 A/AA violations on the charter, a version, a clause, history and diff."""
    page = new_page()
    for path in (
        "/charter",
        "/charter/v/1",
        "/charter/clauses/4",
        "/charter/versions",
        "/charter/diff?from=1&to=2",
    ):
        page.goto(f"{live_server}{path}")
        assert_accessible(page)


def test_the_changes_of_an_article_speak_the_interface_language(
    charter: Accounts, client: TestClient
) -> None:
    """The hidden spoken labels of an article's changes follow the visitor's language, even
    though each change is computed once and reused (French, then English, then French again)."""
    changed = [n for n in range(1, 12) if "<ins>" in client.get(f"/charter/clauses/{n}").text]
    assert changed, "the demo's draft changes at least one article"
    path = f"/charter/clauses/{changed[0]}"
    assert "[début d'ajout]" in unescape(client.get(path).text)
    client.cookies.set("portal_lang", "en")
    english = unescape(client.get(path).text)
    assert "[start of insertion]" in english and "[début d'ajout]" not in english
    client.cookies.set("portal_lang", "fr")
    assert "[début d'ajout]" in unescape(client.get(path).text)
