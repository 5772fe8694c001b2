"""One search box for the whole portal: the charter (articles, proposals, answers), the register
and the council minutes at once, grouped by module, with the modules' French handling; the same
answer in JSON at /api/search; bad input gets a clear French answer."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.council.ingest import ingest_paths
from portal.settings import Settings
from tests.factories import ROOT, add_proposal, consultation, register_entries
from tests.helpers import t

COUNCIL = ROOT / "content" / "council"


@pytest.fixture
def world(engine: Engine, settings: Settings, make_user: Any) -> None:
    accounts = consultation(engine, settings, make_user)
    add_proposal(engine, author_id=make_user(), title="Un numéro direct pour les seniors")
    register_entries(engine, accounts["agent"])
    results, errors = ingest_paths(engine, sorted(COUNCIL.glob("*.md")))
    assert errors == [] and results


def _groups(client: TestClient, q: str) -> dict[str, Any]:
    response = client.get("/api/search", params={"q": q})
    assert response.status_code == 200, response.text
    return {g["module"]: g for g in response.json()["groups"]}


def test_one_query_finds_charter_register_and_council(client: TestClient, world: None) -> None:
    """ "intelligence artificielle" finds a charter article, a register entry and a council passage,
    grouped by module, on the page and in JSON; each hit links to its page."""
    groups = _groups(client, "intelligence artificielle")
    assert set(groups) == {"consultation", "registry", "council"}
    for module, group in groups.items():
        assert group["hits"], module
        assert group["total"] >= len(group["hits"])
        for hit in group["hits"]:
            assert client.get(hit["url"].split("#")[0]).status_code == 200, hit["url"]
    assert any(h["kind"] == "article de la charte" for h in groups["consultation"]["hits"])
    assert groups["registry"]["hits"][0]["url"].startswith("/registry/")
    assert groups["council"]["hits"][0]["url"].startswith("/council/m/")
    page = t(client.get("/search", params={"q": "intelligence artificielle"}))
    for title in ("La charte : articles, propositions et réponses",
                  "Le registre des systèmes d'IA", "Les procès-verbaux du conseil municipal"):  # fmt: skip
        assert title in page
    assert groups["registry"]["hits"][0]["title"] in page


def test_accents_and_plurals_do_not_matter(client: TestClient, world: None) -> None:
    """ "TELEPHONES" without accents, in capitals and plural, finds what "téléphone" finds."""
    accented = _groups(client, "téléphone")
    bare = _groups(client, "TELEPHONES")
    for module in ("consultation", "registry", "council"):
        assert [h["url"] for h in bare[module]["hits"]] == [
            h["url"] for h in accented[module]["hits"]
        ]


def test_proposals_are_found(client: TestClient, world: None) -> None:
    """A resident's proposal is found by its words."""
    hits = _groups(client, "seniors")["consultation"]["hits"]
    assert [h["title"] for h in hits] == ["Un numéro direct pour les seniors"]
    assert hits[0]["kind"] == "proposition"


def test_nothing_found_and_bad_input(client: TestClient, world: None) -> None:
    """A word found nowhere gives empty groups; no query or one too long gives a French 400."""
    groups = _groups(client, "zzzqqq")
    assert all(g["hits"] == [] and g["total"] == 0 for g in groups.values())
    assert "0 résultat pour « zzzqqq »." in t(client.get("/search", params={"q": "zzzqqq"}))
    empty = client.get("/api/search")
    assert empty.status_code == 400 and "paramètre q" in empty.json()["error"]["detail"]
    long = client.get("/api/search", params={"q": "mot " * 80})
    assert long.status_code == 400 and "trop longue" in long.json()["error"]["detail"]
    page = client.get("/search", params={"q": "mot " * 80})
    assert page.status_code == 400 and "trop longue" in t(page)
    assert client.get("/search").status_code == 200


def test_search_on_an_empty_portal(client: TestClient) -> None:
    """With nothing published, the search answers with empty groups, not an error."""
    groups = _groups(client, "caméra")
    assert set(groups) == {"consultation", "registry", "council"}
    assert all(g["total"] == 0 for g in groups.values())


def test_search_is_in_the_openapi_document(client: TestClient) -> None:
    """/api/search is described in /api/openapi.json."""
    assert "/api/search" in client.get("/api/openapi.json").json()["paths"]


def test_a_misspelt_query_is_corrected(client: TestClient, world: None) -> None:
    """ "inteligence" gets the suggestion "intelligence"; the charter and the register, which
    found nothing as typed, show what the corrected word finds, and say so."""
    data = client.get("/api/search", params={"q": "inteligence"}).json()
    assert data["suggestion"] == "intelligence"
    groups = {g["module"]: g for g in data["groups"]}
    assert groups["council"]["total"] > 0 and groups["council"]["corrected"] is None
    for module in ("consultation", "registry"):
        assert groups[module]["corrected"] == "intelligence" and groups[module]["total"] > 0
    page = t(client.get("/search", params={"q": "inteligence"}))
    assert 'Vouliez-vous dire <a href="/search?q=intelligence">' in page
    assert page.count("Rien pour « inteligence » ici ; résultats pour « intelligence » :") == 2
