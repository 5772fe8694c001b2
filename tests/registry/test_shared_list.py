"""The register's list is a shared page (portal/web/cache.py): rendered once per web process for
each kind of visitor, language, filters and day, and again as soon as a write to a table it shows
raises the generation, in any process. Each visitor gets it with their own token and name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal.app import create_app
from portal.db import session_scope
from portal.registry.models import System
from portal.settings import Settings
from portal.web.cache import SharedPage, fragment_cache
from tests.factories import email_of, register_entries
from tests.helpers import login


@pytest.fixture
def entries(engine: Engine, make_user: Any) -> list[str]:
    return register_entries(engine, make_user("agent"))


@pytest.fixture
def other_process(settings: Settings) -> Iterator[Starlette]:
    """A second app instance on the same database, with its own engine and caches."""
    app = create_app(settings)
    yield app
    app.state.engine.dispose()


def _browser(app: Starlette, engine: Engine, user_id: int | None = None) -> TestClient:
    client = TestClient(app, base_url="http://testserver")
    client.__enter__()
    if user_id is not None:
        login(client, email_of(engine, user_id))
        client.get("/")  # the sign-in's message shown: the next pages may be shared
    else:
        client.cookies.set("portal_session", "none")  # skips the 5-second anonymous cache
    return client


def _shared_keys(app: Starlette) -> list[tuple[Any, ...]]:
    kept = fragment_cache(app)._entries.items()  # what this process keeps (test's look inside)
    return [k for k, v in kept if isinstance(v, SharedPage) and "registry" in k]


def _tokens(page: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', page))


def test_a_change_in_another_process_shows_at_once(
    entries: list[str], app: Starlette, other_process: Starlette, engine: Engine
) -> None:
    reader = _browser(app, engine)
    first = reader.get("/registry")
    assert first.status_code == 200
    assert reader.get("/registry").text == first.text  # the second view: the same page
    assert len(_shared_keys(app)) == 1
    with session_scope(other_process.state.engine) as session:
        system = session.scalars(select(System).where(System.slug == entries[0])).one()
        old_name = system.name
        system.name = "Zéphyrin, l'assistant renommé"
    after = reader.get("/registry")
    assert after.status_code == 200
    assert "Zéphyrin, l&#39;assistant renommé" in after.text
    assert old_name not in after.text


def test_each_visitor_gets_their_own_name_token_and_links(
    entries: list[str], app: Starlette, engine: Engine, make_user: Any
) -> None:
    anne = make_user("agent", name="Anne Rivière")
    paul = make_user("agent", name="Paul Dumas")
    resident = make_user(name="Rose Habitante")
    pages = {}
    for who, user_id in (("anne", anne), ("paul", paul), ("rose", resident), ("anon", None)):
        response = _browser(app, engine, user_id).get("/registry")
        assert response.status_code == 200
        pages[who] = response.text
    assert "Anne Rivière" in pages["anne"] and "Paul Dumas" not in pages["anne"]
    assert "Paul Dumas" in pages["paul"] and "Anne Rivière" not in pages["paul"]
    assert "Rose Habitante" in pages["rose"]
    for staff in ("anne", "paul"):
        assert 'href="/registry/drafts"' in pages[staff]
    for public in ("rose", "anon"):
        assert 'href="/registry/drafts"' not in pages[public]
        assert "Anne Rivière" not in pages[public] and "Paul Dumas" not in pages[public]
    tokens = [_tokens(pages[who]) for who in ("anne", "paul", "rose", "anon")]
    assert all(len(t) == 1 for t in tokens) and len(set().union(*tokens)) == 4
    # Both agents share one page (same roles); the resident and the anonymous visitor their own.
    assert len(_shared_keys(app)) == 3
    kept = "".join(
        "".join(v.parts.values())
        for v in fragment_cache(app)._entries.values()
        if isinstance(v, SharedPage)
    )
    assert kept and not any(n in kept for n in ("Anne Rivière", "Paul Dumas", "Rose Habitante"))


def test_filters_and_pages_are_their_own_pages(
    entries: list[str], app: Starlette, engine: Engine
) -> None:
    reader = _browser(app, engine)
    everything = reader.get("/registry").text
    with session_scope(engine) as session:
        name = session.scalars(select(System.name).where(System.slug == entries[0])).one()
    found = reader.get("/registry", params={"q": "zzzz introuvable"})
    assert found.status_code == 200
    assert name in everything and name not in found.text
    assert reader.get("/registry").text == everything
    bad = reader.get("/registry", params={"page": "abc"})
    assert bad.status_code == 400
    assert len(_shared_keys(app)) == 2
