"""Each kind of page says what it holds in its own meta description (search engines and link
previews show it), not the site's generic sentence."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from tests.factories import MakeUser, published_charter, register_entries

META = re.compile(r'<meta name="description" content="([^"]*)">')


def description(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, path
    found = META.search(page.text)
    assert found, path
    return unescape(found.group(1))


def test_pages_describe_themselves(client: TestClient, engine: Engine, make_user: MakeUser) -> None:
    """The charter, an article, the register, an entry and the council's page each have their
    own description, naming what they hold."""
    published_charter(engine, make_user)
    register_entries(engine, make_user("agent"))
    generic = description(client, "/")
    pages = {
        "/charter": "version 1",
        "/charter/clauses/4": "Article 4 de la charte",
        "/registry": "Les systèmes d'intelligence artificielle qu'utilise",
        "/registry/chatbot-habitants": "",
        "/council": "Les procès-verbaux du conseil municipal de",
    }
    for path, words in pages.items():
        text = description(client, path)
        assert text and text != generic and words in text, (path, text)
