"""A page after the last one of a list is a 404 that says how many pages the list has and links
to the last one, on every paginated list: before, page 99 of a search said "17 passages trouvés"
above "Aucun passage ne correspond", the council's meetings page said "Aucun procès-verbal n'a
encore été chargé" and the register "7 systèmes" above "Aucun système ne correspond"."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.council.ingest import ingest_paths
from tests.factories import register_entries
from tests.helpers import t

SAMPLE = Path(__file__).parent.parent / "council" / "data" / "2024-11-14-sample.md"


def _link(html: str) -> str:
    """The error page's way on: the first link of its list, before "Revenir à l'accueil"."""
    found = re.search(r'<li><a href="([^"]+)">([^<]+)</a></li>\s*<li><a href="/">', html)
    assert found, html[-1500:]
    return unescape(found.group(1))


@pytest.mark.parametrize(
    ("path", "message", "way_on"),
    [
        ("/council?page=2", "La page 2 n'existe pas : cette liste n'a qu'une page.", "/council"),
        ("/council/search?q=piscine&page=99",
         "La page 99 n'existe pas : cette liste n'a qu'une page.", "/council/search?q=piscine"),
        ("/council/search?q=piscine&theme=Sport&page=5",
         "La page 5 n'existe pas : cette liste n'a qu'une page.",
         "/council/search?q=piscine&theme=Sport"),
        ("/registry?page=3", "La page 3 n'existe pas : cette liste n'a qu'une page.", "/registry"),
        ("/registry?q=vocal&page=2", "La page 2 n'existe pas : cette liste n'a qu'une page.",
         "/registry?q=vocal"),
    ],
)  # fmt: skip
def test_a_page_after_the_last_says_so_and_leads_back(
    client: TestClient, engine: Engine, make_user: Any, path: str, message: str, way_on: str
) -> None:
    """404 with the list's number of pages and a link to its last page, the search and its
    filters kept; that link works."""
    assert ingest_paths(engine, [SAMPLE])[1] == []
    register_entries(engine, make_user("agent"))
    response = client.get(path)
    assert response.status_code == 404, t(response)[-500:]
    assert message in unescape(response.text)
    assert _link(response.text) == way_on
    assert client.get(way_on).status_code == 200


def test_the_last_page_of_a_list_of_many_pages_is_named(login_as: Any, make_user: Any) -> None:
    """The administrators' list of accounts, 50 a page: with 55 accounts and more, page 3 is a
    404 that points at page 2, which is there; a page number that is not one is still the
    first page (tests/accounts)."""
    admin = login_as("admin")
    for n in range(55):
        make_user(email=f"habitant{n:02d}@exemple.fr", name=f"Habitant Numero {n:02d}")
    assert "Page 2 sur 2" in t(admin.get("/admin/users?page=2"))
    beyond = admin.get("/admin/users?page=3")
    assert beyond.status_code == 404
    assert "La page 3 n'existe pas : cette liste n'a que 2 pages." in unescape(beyond.text)
    assert _link(beyond.text) == "/admin/users?page=2"
    assert "Voir la page 2" in beyond.text
    searched = admin.get("/admin/users?q=numero&page=9")
    assert searched.status_code == 404 and _link(searched.text) == "/admin/users?q=numero&page=2"
    assert admin.get("/admin/users?page=abc").status_code == 200


def test_in_english_too(client: TestClient, engine: Engine) -> None:
    """The message and its link speak the visitor's language."""
    assert ingest_paths(engine, [SAMPLE])[1] == []
    client.cookies.set("portal_lang", "en")
    response = client.get("/council?page=3")
    assert response.status_code == 404
    assert "Page 3 does not exist: this list has only one page." in unescape(response.text)
    assert "See the list" in response.text


@pytest.mark.parametrize(
    "path",
    ["/council", "/council/questions", "/council/search?q=piscine", "/registry"],
)
def test_a_page_number_beyond_any_list_is_a_clear_answer(
    client: TestClient, engine: Engine, path: str
) -> None:
    """A page number of 30 digits (an offset no database holds) is a bad request, never a
    server error."""
    assert ingest_paths(engine, [SAMPLE])[1] == []
    joiner = "&" if "?" in path else "?"
    response = client.get(f"{path}{joiner}page={'9' * 30}")
    assert response.status_code == 400, response.text[-300:]
