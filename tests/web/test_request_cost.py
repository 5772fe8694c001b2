"""What the cheaper request path (issue 18) must keep: a session read without the ORM still
signs out a revoked or idle session at once, and every response carries each security header
once, the visitor's language and, for a new browser only, its anonymous id."""

from __future__ import annotations

import gc
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.accounts.models import AuthSession
from portal.app import create_app
from portal.clock import utcnow
from portal.db import session_scope
from portal.settings import Settings
from portal.web.cache import SharedPage, Slot
from portal.web.middleware import SECURITY_HEADERS
from tests.factories import consultation

SIGNED_IN = 'href="/espace"'


def _sessions(engine: Engine, user_id: int, **values: Any) -> None:
    with session_scope(engine) as session:
        session.execute(
            update(AuthSession).where(AuthSession.user_id == user_id).values(**values)  # type: ignore[arg-type]
        )


def test_a_session_revoked_or_idle_signs_out_at_the_next_view(
    engine: Engine, settings: Settings, make_user: Any, login_as: Any
) -> None:
    """A signed-in resident who reads the kept charter and article pages is shown signed out at
    the next view once their session is revoked, or idle past the limit, in the database."""
    consultation(engine, settings, make_user)
    for change in (
        {"revoked_at": utcnow()},
        {"last_seen_at": utcnow() - timedelta(minutes=settings.session_idle_minutes + 1)},
    ):
        browser = login_as()
        for path in ("/charter", "/charter/clauses/1", "/charter"):
            assert SIGNED_IN in browser.get(path).text, path
        _sessions(engine, browser.user_id, **change)
        for path in ("/charter", "/charter/clauses/1"):
            response = browser.get(path)
            assert response.status_code == 200
            assert SIGNED_IN not in response.text, (change, path)


def test_each_response_has_its_security_headers_once(
    engine: Engine, settings: Settings, make_user: Any, client: TestClient, login_as: Any
) -> None:
    """Pages, a missing page and a page served from the 5-second cache, anonymous or signed
    in: each security header once, the language once, and a new anonymous id only for a
    browser that has none."""
    consultation(engine, settings, make_user)
    resident = login_as()
    client.get("/")  # the browser's first page gives it its anonymous id
    for browser in (client, resident):
        for path in ("/charter", "/charter", "/charter/clauses/1", "/registry", "/no-such-page"):
            response = browser.get(path, headers={"Accept-Language": "en"})
            assert response.status_code == (404 if path == "/no-such-page" else 200)
            for name, value in SECURITY_HEADERS.items():
                assert response.headers.get_list(name) == [value], (path, name)
            assert response.headers.get_list("content-language") == ["en"], path
            anon = [c for c in response.headers.get_list("set-cookie") if "portal_anon=" in c]
            assert anon == [], (path, anon)  # the browser already holds one
    fresh = TestClient(client.app, base_url="http://testserver")
    response = fresh.get("/charter")
    anon = [c for c in response.headers.get_list("set-cookie") if c.startswith("portal_anon=")]
    assert len(anon) == 1


def test_hosts_and_anonymous_ids_are_judged_on_every_request(client: TestClient) -> None:
    """The one middleware layer remembers what it checked, never what it refused: an unknown
    host is refused each time it is sent, an allowed one in capitals is served, and a forged
    anonymous id is replaced each time while the one we signed is kept."""
    for _ in range(2):
        assert client.get("/charter", headers={"host": "evil.example"}).status_code == 400
        assert client.get("/charter", headers={"host": "TestServer"}).status_code == 200
    fresh = TestClient(client.app, base_url="http://testserver")
    issued = fresh.get("/charter").cookies.get("portal_anon")
    assert issued
    forged = issued[:-4] + ("AAAA" if not issued.endswith("AAAA") else "BBBB")
    for _ in range(2):
        kept = fresh.get("/charter", headers={"cookie": f"portal_anon={issued}"})
        assert kept.status_code == 200
        assert "portal_anon=" not in kept.headers.get("set-cookie", "")
        replaced = fresh.get("/charter", headers={"cookie": f"portal_anon={forged}"})
        assert replaced.cookies.get("portal_anon") not in (None, forged, issued)


def test_a_shared_page_as_bytes_is_the_page_encoded() -> None:
    """A shared page given as bytes (the texts encoded once) is, for any visitor's values, the
    page as text encoded: accents, a marker used twice, one never given, one at each end."""
    markers = {
        "csrf_token": "csrf-marker-a",
        "display_name": "csrf-marker-b",
        "next": "csrf-marker-c",
    }
    page = SharedPage(
        pieces=(
            "csrf-marker-a<p>Élan « café » csrf-marker-b</p>",
            "<form>csrf-marker-a csrf-marker-c</form>csrf-marker-b",
        ),
        slots=(Slot("t.html", {}, "<i>défaut csrf-marker-a</i>", frozenset({1})),),
        markers=markers,
    )
    for values in (
        {"csrf_token": "tok&amp;", "display_name": "Zoé", "next": "/charter?page=2"},
        {"csrf_token": "t"},
        {},
    ):
        assert page.assemble_bytes(values) == page.assemble(values).encode()
        assert page.assemble_bytes(values, user_id=5, marks={2}) == page.assemble(values).encode()
    assert "csrf-marker-b" in page.assemble({"csrf_token": "t"})
    plain = SharedPage(pieces=("<p>où</p>",), slots=(), markers={})
    assert plain.assemble_bytes({}) == "<p>où</p>".encode()


def test_a_server_process_freezes_what_its_start_loaded(settings: Settings) -> None:
    """A server's app (`serving`, as app_from_env makes it) freezes what its start loaded, so
    that the collector's full collections skip spaCy, the vocabulary and the postings; the app
    of a test or a command leaves the collector alone. Its pages are served all the same."""
    gc.unfreeze()
    try:
        with TestClient(create_app(settings)) as plain:
            assert plain.get("/").status_code == 200
            assert gc.get_freeze_count() == 0
        with TestClient(create_app(settings, serving=True)) as served:
            assert gc.get_freeze_count() > 50_000  # spaCy's pipeline alone
            page = served.get("/council/search?q=piscine")
            assert page.status_code == 200 and "Recherche" in page.text
    finally:
        gc.unfreeze()
