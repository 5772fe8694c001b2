"""Under the English interface, the register's French content (names, summaries, channels,
hours) is marked lang="fr" so that a screen reader reads it in French (WCAG 3.1.2, RGAA 8.7)."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

EN = {"Accept-Language": "en"}


def test_register_list_and_contact_mark_french_content(
    client: TestClient, registry: list[str]
) -> None:
    listing = client.get("/registry", headers=EN).text
    assert '<html lang="en"' in listing
    assert re.search(r'<h3 lang="fr"><a href="/registry/', listing)
    assert re.search(r'<dd lang="fr">', listing)
    entry_slug = re.search(r'<h3 lang="fr"><a href="/registry/([^"]+)"', listing)
    assert entry_slug is not None
    entry = client.get(f"/registry/{entry_slug.group(1)}", headers=EN).text
    assert re.search(r'<strong lang="fr">', entry)  # a channel's name
    contact = client.get("/contact", headers=EN).text
    assert re.search(r'<option value="[^"]+" lang="fr">', contact)


def test_the_french_interface_adds_no_lang_attribute(
    client: TestClient, registry: list[str]
) -> None:
    listing = client.get("/registry").text
    assert '<h3 lang="fr">' not in listing and "<h3><a" in listing
