"""The "Données ouvertes" page lists every export, feed and API of the portal with its format and
licence; each link answers with the format the page announces; the footer leads there."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.web.opendata import LICENCE, datasets
from tests.factories import published_charter, register_entries
from tests.helpers import assert_accessible, t

ROW_LINK = re.compile(r'<th scope="row">\s*<a href="([^"]+)">')


def listed(client: TestClient) -> list[str]:
    page = client.get("/donnees-ouvertes")
    assert page.status_code == 200
    return [unescape(href) for href in ROW_LINK.findall(page.text)]


@pytest.fixture
def world(engine: Engine, make_user: Any) -> None:
    """Version 1 of the charter published (its consultation closed) and the register's systems."""
    official = published_charter(engine, make_user)
    register_entries(engine, official)


def test_every_listed_link_answers_in_its_format(client: TestClient, world: None) -> None:
    """Each link of the page answers 200 with the media type the page announces."""
    expected = {d.url: d.media_type for g in datasets() for d in g.datasets}
    urls = listed(client)
    assert urls == list(expected)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:300])
        content_type = response.headers["content-type"]
        assert content_type.startswith(expected[url]), (url, content_type)
        assert response.content, url


def test_page_names_each_export_its_format_and_licence(client: TestClient) -> None:
    """A re-user reads, for each export, what it is, its format and its licence."""
    text = t(client.get("/donnees-ouvertes"))
    for group in datasets():
        assert group.title in text
        for d in group.datasets:
            assert d.title in text and d.description in text and d.format in text
    assert text.count(LICENCE) > sum(len(g.datasets) for g in datasets())
    for url in ["/registry/export-excel.csv", "/registry/inventaire-algorithmes.csv",
                "/charter/feed.atom", "/registry/feed.atom", "/moderation/figures",
                "/api/openapi.json", "/consultation/export.json"]:  # fmt: skip
        assert f'href="{url}"' in client.get("/donnees-ouvertes").text, url


def test_footer_of_every_page_links_to_open_data(client: TestClient) -> None:
    """The footer (on the home page and the site map) leads to the open-data page."""
    for path in ["/", "/plan-du-site", "/donnees-ouvertes"]:
        assert 'href="/donnees-ouvertes"' in client.get(path).text, path


def test_page_is_public_and_the_same_for_staff(client: TestClient, login_as: Any) -> None:
    """Signed-in staff get the same page; the page is public (no sign-in asked)."""
    anonymous = listed(client)
    assert listed(login_as("admin")) == anonymous
    assert client.get("/donnees-ouvertes", follow_redirects=False).status_code == 200


def test_open_data_page_is_accessible(live_server: str, new_page: Any) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation on the page, with or without JavaScript."""
    for javascript in (True, False):
        page = new_page(javascript=javascript)
        page.goto(f"{live_server}/donnees-ouvertes")
        assert page.locator("h1").inner_text() == "Données ouvertes"
        if javascript:
            assert_accessible(page)


def test_page_reads_in_english(client: TestClient) -> None:
    """A visitor asking for English reads the page, its groups and its columns in English."""
    text = t(client.get("/donnees-ouvertes", headers={"Accept-Language": "en"}))
    for words in ["Open data", "The whole register (CSV)", "For a single item:",
                  "Atom feed of the charter", "may be reused freely", "Format"]:  # fmt: skip
        assert words in text, words
    assert "Le registre complet" not in text


def test_each_address_pattern_answers_for_a_real_item(client: TestClient, world: None) -> None:
    """The per-item addresses the page shows answer, filled with a real system or version, in
    the format of their export."""
    filled = {
        "{système}": "chatbot-habitants",
        "{numéro}": "1",
    }
    media = {".json": "application/json", ".md": "text/markdown"}
    shown = [p.strip() for g in datasets() for d in g.datasets for p in d.pattern.split("·")]
    checked = 0
    for pattern in shown:
        if not pattern or pattern.startswith(("/council/", "/api/council/", "/consultation/")):
            # The minutes and a published synthesis are not in this world: test_crawl.py reaches
            # those exports by their links in the demo's world.
            continue
        url = pattern
        for placeholder, value in filled.items():
            url = url.replace(placeholder, value)
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:200])
        suffix = next((s for s in media if url.endswith(s)), ".json")
        assert response.headers["content-type"].startswith(media[suffix]), url
        checked += 1
    assert checked == 6
