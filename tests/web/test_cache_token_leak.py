"""The shared page cache never writes a visitor's CSRF token into text that people wrote.

Security finding 0: cached pages used to hold a fixed, public placeholder replaced by each viewer's
token on the way out, so a comment quoting the placeholder carried every viewer's token. Every kind
of user text shown on a cached page is posted here with the old placeholder and with strings shaped
like the new per-render marker; each anonymous visitor's token must then appear only in the page's
own CSRF fields.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from tests.factories import email_of, open_charter, register_entries
from tests.helpers import csrf_token, login, post

OLD_PLACEHOLDER = "__csrf_token_placeholder_7f3a__"
BAIT = (
    f"Voir [ce lien](https://autre.example/?t={OLD_PLACEHOLDER}) et {OLD_PLACEHOLDER} "
    "csrf-marker-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA csrf-marker-"
)
FORM_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
REAL_MARKER = re.compile(r"csrf-marker-(?!A{32})[\w-]{20,}")
HX_HEADER = re.compile(r'hx-headers=\'\{"X-CSRF-Token": "([^"]+)"\}\'')


def _token_places(html: str, token: str) -> tuple[int, int]:
    """(occurrences of the token anywhere, occurrences in the page's own CSRF fields)."""
    own = sum(1 for m in FORM_FIELD.finditer(html) if m.group(1) == token)
    own += sum(1 for m in HX_HEADER.finditer(html) if m.group(1) == token)
    return html.count(token), own


def _post(client: TestClient, path: str, form_page: str, **data: str) -> Any:
    """Post user text with the token of the page holding the form; it is stored (303)."""
    response = post(client, path, data, form_page=form_page, follow_redirects=False)
    assert response.status_code == 303, unescape(response.text)[:1500]
    return response


def test_user_text_quoting_the_placeholder_never_carries_a_viewers_token(
    engine: Engine, settings: Any, make_user: Any, make_client: Any
) -> None:
    """Comments, replies, proposals, names and register questions with the placeholder leak nothing."""
    accounts = open_charter(engine, settings, make_user)
    register_entries(engine, make_user("agent", name="Agente Responsable"))
    resident_id = make_user(name=f"Habitant {OLD_PLACEHOLDER}")
    resident = make_client()
    login(resident, email_of(engine, resident_id))
    agent = make_client()
    login(agent, email_of(engine, accounts["agent"]))

    _post(resident, "/charter/clauses/4/comments", "/charter/clauses/4", body=BAIT)
    clause_page = resident.get("/charter/clauses/4").text
    parent = re.search(r'id="comment-(\d+)"', clause_page)
    assert parent
    _post(
        resident, "/charter/clauses/4/comments", "/charter/clauses/4",
        body=f"Réponse : {BAIT}", parent_id=parent.group(1),
    )  # fmt: skip
    created = _post(
        agent, "/charter/proposals", "/charter/proposals/new",
        kind="new", section="droits", title=f"Titre {OLD_PLACEHOLDER}", body=BAIT,
        rationale=BAIT,
    )  # fmt: skip
    proposal = created.headers["location"]
    _post(resident, f"{proposal}/comments", proposal, body=BAIT)
    _post(
        resident, "/registry/chatbot-habitants/questions", "/registry/chatbot-habitants",
        body=f"Question : {BAIT}", kind="question",
    )  # fmt: skip

    pages = [
        "/charter/clauses/4",
        "/charter/proposals",
        proposal,
        "/registry/chatbot-habitants",
        "/",
        "/charter",
    ]
    first, second = make_client(), make_client()
    first.get("/accessibilite")  # each gets its anonymous id before the shared pages
    second.get("/accessibilite")
    for path in pages:
        for visitor in (first, second):
            page = visitor.get(path)
            assert page.status_code == 200, path
            token = csrf_token(visitor, "/login")
            anywhere, own = _token_places(page.text, token)
            assert own >= 1, f"{path}: the page's forms lost the visitor's token"
            assert anywhere == own, f"{path}: the visitor's token appears in user text"
            assert not REAL_MARKER.search(page.text), f"{path}: a render's marker got out"
        if path in {"/charter/clauses/4", proposal, "/registry/chatbot-habitants"}:
            assert OLD_PLACEHOLDER in unescape(page.text), (
                f"{path}: the quoted text is shown as typed"
            )


def test_the_cached_page_stores_no_token_and_no_marker_is_reused(
    engine: Engine, settings: Any, make_user: Any, make_client: Any, app: Any
) -> None:
    """The cache holds no visitor's token; two renders never share a marker."""
    open_charter(engine, settings, make_user)
    visitor = make_client()
    visitor.get("/accessibilite")
    page = visitor.get("/charter/clauses/4").text
    token = csrf_token(visitor, "/login")
    stored = [p for k, p in app.state.page_cache._entries.items() if k[0] == "/charter/clauses/4"]
    assert len(stored) == 1
    assert all(token.encode() not in s for s in stored[0].segments)
    assert len(stored[0].segments) == _token_places(page, token)[1] + 1
    app.state.page_cache.clear()
    visitor.get("/charter/clauses/4")
    again = [p for k, p in app.state.page_cache._entries.items() if k[0] == "/charter/clauses/4"]
    assert again[0].segments == stored[0].segments  # same page, cut at the same places


def test_an_error_page_on_a_cached_route_carries_the_visitors_token(make_client: Any) -> None:
    """A 404 on a cached route is not shared and its language form works for that visitor."""
    visitor = make_client()
    visitor.get("/accessibilite")
    missing = visitor.get("/charter/clauses/999")
    assert missing.status_code == 404
    token = csrf_token(visitor, "/login")
    assert f'name="csrf_token" value="{token}"' in missing.text
    assert not REAL_MARKER.search(missing.text)
    switched = visitor.post(
        "/lang", data={"lang": "en", "next": "/", "csrf_token": token}, follow_redirects=False
    )
    assert switched.status_code == 303
