"""Issue 19, finding 1: links of the register (contact channels, sources) only to safe schemes,
checked when an entry is written (files and drafts) and again when its page is shown."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.db import session_scope
from portal.registry.loader import EntryError, load_folder, parse_text, to_text
from portal.registry.models import Revision, System
from portal.text import is_safe_link
from tests.factories import REGISTRY_CONTENT
from tests.helpers import post

SLUG = "chatbot-habitants"
HOSTILE_URLS = [
    "javascript:alert(document.domain)",
    "JavaScript:alert(1)",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/contact",
    "/\\evil.example",
    "https:evil.example",
    "file:///etc/passwd",
]
SAFE_URLS = ["https://www.suresnes.fr/contact", "http://a.fr", "mailto:dpo@suresnes.fr",
             "tel:+33141181920", "/contact", "https://x.fr/a%20b.pdf"]  # fmt: skip


def _entry() -> dict[str, Any]:
    return copy.deepcopy(next(e.data for e in load_folder(REGISTRY_CONTENT) if e.slug == SLUG))


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_the_loader_refuses_an_unsafe_link(url: str) -> None:
    """A file whose contact channel or source links elsewhere than the allow-list is refused."""
    for where in ("channel", "source"):
        data = _entry()
        if where == "channel":
            data["human_contact"]["channels"][0]["url"] = url
            field = "human_contact.channels.0.url"
        else:
            data["sources"] = [{"title": "Une source", "url": url}]
            field = "sources.0.url"
        with pytest.raises(EntryError) as refused:
            parse_text(to_text(data), source="fiche.md")
        assert refused.value.field == field
        assert "refusé" in refused.value.reason


@pytest.mark.parametrize("url", SAFE_URLS)
def test_the_loader_keeps_safe_links(url: str) -> None:
    """https, http, mailto, tel and paths of the site pass."""
    data = _entry()
    data["sources"] = [{"title": "Une source", "url": url}]
    assert parse_text(to_text(data))["sources"][0]["url"] == url
    assert is_safe_link(url)


@pytest.mark.parametrize("url", HOSTILE_URLS[:7])
def test_a_draft_with_an_unsafe_link_is_refused(
    registry: list[str], login_as: Any, engine: Engine, url: str
) -> None:
    """An agent's draft with a javascript:, data:, vbscript: or //host link gets a 400 and a
    French error naming the field; no draft is stored."""
    agent = login_as("agent")
    data = _entry()
    data["human_contact"]["channels"][2]["url"] = url
    response = post(
        agent, f"/registry/{SLUG}/edit", {"text": to_text(data), "summary": "Nouveau lien"},
        form_page=f"/registry/{SLUG}/edit", follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 400
    assert "human_contact.channels.2.url" in response.text
    assert "refusé" in response.text
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(Revision).where(Revision.status == "draft")) is None


def test_a_published_entry_never_links_an_unsafe_url(
    registry: list[str], client: TestClient, engine: Engine
) -> None:
    """An entry stored with unsafe links (written before the check) shows them as plain text on
    its public page: no javascript:, data:, vbscript: or //host href; safe links stay links."""
    with session_scope(engine) as s:
        system = s.scalar(select(System).where(System.slug == SLUG))
        assert system is not None
        data = copy.deepcopy(system.data or {})
        channels = data["human_contact"]["channels"]
        channels[2]["url"] = "javascript:alert(document.domain)"
        channels.append({"channel": "Dossier", "url": "data:text/html,<script>alert(1)</script>"})
        channels.append({"channel": "Ailleurs", "url": "//evil.example"})
        data["sources"] = [
            {"title": "Source piégée", "url": "vbscript:msgbox(1)"},
            {"title": "Source tabulée", "url": "java\tscript:alert(1)"},
            {"title": "Source sûre", "url": "https://www.suresnes.fr/ia"},
        ]
        data["service"]["email"] = "dpo@suresnes.fr"
        system.data = data
    response = client.get(f"/registry/{SLUG}")
    assert response.status_code == 200
    hrefs = re.findall(r'href="([^"]*)"', response.text)
    bad = [h for h in hrefs if re.match(r"\s*(javascript|data|vbscript|java\s)|//", h, re.I)]
    assert bad == []
    assert "https://www.suresnes.fr/ia" in hrefs and "mailto:dpo@suresnes.fr" in hrefs
    assert "Source piégée" in response.text  # the text stays, unlinked
    assert "javascript:alert(document.domain)" in response.text
