"""Issue 14, point 5: search results are grouped by deliberation, one result per deliberation
with its best passages under it, not eight hits of the same item; pages count deliberations."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from portal.council.ingest import ingest_paths
from portal.council.search import PER_GROUP


def _minutes() -> str:
    debate = "\n\n".join(
        f"M. Durand{i} insiste sur la patinoire mobile et son coût numéro {i}." for i in range(8)
    )
    kiosks = "\n\n".join(
        f"## Délibération n° 2025-03-{10 + i} : Kiosque numéro {i}\n\n"
        f"Le conseil municipal, après en avoir délibéré, adopte le kiosque numéro {i}."
        for i in range(25)
    )
    return (
        "# Séance du conseil municipal du 3 mars 2025\n\n"
        "## Délibération n° 2025-03-01 : Patinoire mobile de l'hiver\n\n"
        f"{debate}\n\n"
        "## Délibération n° 2025-03-02 : Marché de Noël\n\n"
        "Le marché de Noël accueillera aussi la patinoire mobile.\n\n"
        f"{kiosks}\n"
    )


@pytest.fixture
def minutes(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "2025-03-03.md"
    path.write_text(_minutes())
    assert ingest_paths(engine, [path])[1] == []


def _text(html: str) -> str:
    """What a person reads of a piece of HTML."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def _groups(page: str) -> list[str]:
    return re.findall(r'<li class="hit-group">(.*?)</li>', page, re.S)


def test_one_result_per_deliberation(client: Any, minutes: None) -> None:
    """Ten paragraphs on the skating rink in two deliberations: two results, the first with
    its three best paragraphs and the count of the others."""
    page = client.get("/council/search", params={"q": "patinoire mobile"}).text
    groups = _groups(page)
    assert len(groups) == 2
    # The ranking of the two differs between SQLite's BM25 and PostgreSQL's ts_rank.
    first, second = sorted(groups, key=lambda g: "2025-03-01" not in g)
    assert "délibération n° 2025-03-01" in first and first.count('class="hit"') == PER_GROUP
    assert "Et 6 autres passages de cette délibération." in _text(first)  # heading + 8
    assert "délibération n° 2025-03-02" in second and second.count('class="hit"') == 1
    assert "Un résultat par délibération : 2 délibérations" in _text(page)


def test_pages_count_deliberations(client: Any, minutes: None) -> None:
    """Twenty-five deliberations on kiosks: twenty on the first page, five on the second."""
    first = client.get("/council/search", params={"q": "kiosque"}).text
    assert len(_groups(first)) == 20 and "Page 1 sur 2" in _text(first)
    second = client.get("/council/search", params={"q": "kiosque", "page": "2"}).text
    assert len(_groups(second)) == 5
    numbers = re.findall(r"délibération n° (2025-03-\d+)", first + second)
    assert len(numbers) == len(set(numbers)) == 25


def test_the_api_still_lists_passages(client: Any, minutes: None) -> None:
    """The API keeps ranking passages (its clients and the evaluation count passages)."""
    hits = client.get("/api/council/search", params={"q": "patinoire mobile"}).json()["hits"]
    assert len(hits) == 10
