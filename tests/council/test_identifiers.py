"""Issue 14, point 5: a query that names a deliberation ("délibération 2024-02-03", "n° 2024-41",
"DM n°2") goes straight to it; a query with other words stays an ordinary search."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from portal.council.identifiers import identifier
from portal.council.ingest import ingest_paths
from tests.helpers import t

from .conftest import CONTENT

AMENDMENTS = (
    "# Séance du conseil municipal du 12 décembre 2024\n\n"
    "## Délibération n° 2024-12-20 : Décision modificative n° 2 du budget principal\n\n"
    "Le conseil municipal, après en avoir délibéré, adopte la décision modificative n° 2.\n\n"
    "## Délibération n° 2024-12-21 : DM n°3 du budget annexe de l'eau\n\n"
    "Le conseil municipal, après en avoir délibéré, adopte la DM n°3.\n"
)


@pytest.mark.parametrize(
    ("query", "number"),
    [("délibération 2024-05-12", "2024-05-12"), ("Délibération n° 2024-02-03", "2024-02-03"),
     ("n° 2024-41", "2024-41"), ("délib. 2024-02-03", "2024-02-03"), ("2024-41", "2024-41"),
     ("la délibération numéro 2024-04-02", "2024-04-02"), ("piscine 2024", None),
     ("budget 2025", None), ("délibération sur la piscine", None)],
)  # fmt: skip
def test_what_names_a_deliberation(query: str, number: str | None) -> None:
    """Only the words that introduce a number may come with it."""
    assert identifier(query) == number


@pytest.fixture
def minutes(engine: Engine, tmp_path: Path) -> None:
    extra = tmp_path / "2024-12-12.md"
    extra.write_text(AMENDMENTS)
    results, errors = ingest_paths(engine, [*sorted(CONTENT.glob("*.md")), extra])
    assert not errors and results


def test_a_number_goes_straight_to_its_deliberation(client: Any, minutes: None) -> None:
    """ "délibération 2024-02-03" redirects to the deliberation's permanent link, which lands on
    its heading; the API names it first; other words make an ordinary search."""
    response = client.get("/council/search", params={"q": "délibération 2024-02-03"},
                          follow_redirects=False)  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"].startswith("/council/m/2024-02-08/p/")
    landed = client.get(response.headers["location"])
    assert "Délibération n° 2024-02-03 : Subventions aux associations sportives" in t(landed)
    api = client.get("/api/council/search", params={"q": "n° 2024-02-03"}).json()
    assert [(d["number"], d["meeting_date"]) for d in api["deliberations"]] == [
        ("2024-02-03", "2024-02-08")
    ]
    assert api["deliberations"][0]["url"] == response.headers["location"]
    ordinary = client.get("/council/search", params={"q": "subventions associations 2024"})
    assert ordinary.status_code == 200
    plain = client.get("/api/council/search", params={"q": "subventions associations"}).json()
    assert plain["deliberations"] == [] and plain["hits"]


def test_budget_amendments_by_their_name(client: Any, minutes: None) -> None:
    """ "DM n°2" finds the "décision modificative n° 2", "DM n°3" the "DM n°3"."""
    response = client.get("/council/search", params={"q": "DM n°2"}, follow_redirects=False)
    assert response.status_code == 303
    landed = t(client.get(response.headers["location"]))
    assert "Décision modificative n° 2 du budget principal" in landed
    api = client.get("/api/council/search", params={"q": "DM n° 3"}).json()
    assert [d["number"] for d in api["deliberations"]] == ["2024-12-21"]


def test_an_unknown_number_is_an_ordinary_search(client: Any, minutes: None) -> None:
    """A number no deliberation has: the search page, no redirect."""
    response = client.get("/council/search", params={"q": "délibération 2031-99"})
    assert response.status_code == 200 and "Délibérations portant ce numéro" not in t(response)
