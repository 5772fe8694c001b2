"""The anonymous micro-cache: shared pages, yet each visitor's CSRF token; never for signed-in people."""

from __future__ import annotations

import re
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from portal.web.permissions import PUBLIC
from portal.web.routing import route
from portal.web.templating import render
from tests.helpers import csrf_token

calls: list[int] = []


def _counting(request: Request) -> Response:
    calls.append(1)
    return render(
        request,
        "home.html",
        {
            "sections": [
                {
                    "slug": "x",
                    "url": "/",
                    "title": f"Titre {len(calls)}",
                    "text": "",
                    "figure": None,
                }
            ]
        },
    )


def _install(app: Starlette) -> None:
    calls.clear()
    app.router.routes.insert(0, route("/cached", _counting, permission=PUBLIC, cache_seconds=60))


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_anonymous_visitors_share_the_page_with_their_own_token(
    app: Starlette, make_client: Any
) -> None:
    """Two anonymous visitors get one render, each with a CSRF token that works for them."""
    _install(app)
    first, second = make_client(), make_client()
    first.get("/")  # gets its anonymous id first
    second.get("/")
    a, b = first.get("/cached"), second.get("/cached")
    assert len(calls) == 1
    assert "Titre 1" in a.text and "Titre 1" in b.text
    assert "__csrf_token_placeholder" not in a.text + b.text
    assert _token(a.text) != _token(b.text)
    ok = second.post(
        "/password-reset", data={"email": "x@exemple.fr", "csrf_token": _token(b.text)}
    )
    assert ok.status_code == 200
    assert "content-security-policy" in b.headers


def test_signed_in_people_always_get_a_fresh_page(
    app: Starlette, make_client: Any, login_as: Any
) -> None:
    """A signed-in user bypasses the cache and sees their own name."""
    _install(app)
    make_client().get("/cached")
    me = login_as()
    page = me.get("/cached")
    assert len(calls) == 2
    assert 'href="/account"' in page.text


def test_a_write_clears_the_cache(app: Starlette, make_client: Any) -> None:
    """After a successful write in this process, the next anonymous view is rendered afresh."""
    _install(app)
    visitor = make_client()
    visitor.get("/cached")
    visitor.get("/cached")
    assert len(calls) == 1
    visitor.post(
        "/password-reset",
        data={"email": "x@exemple.fr", "csrf_token": csrf_token(visitor, "/signup")},
    )
    visitor.get("/cached")
    assert len(calls) == 2


def test_language_is_part_of_the_key(app: Starlette, make_client: Any) -> None:
    """French and English visitors do not see each other's cached page."""
    _install(app)
    visitor = make_client()
    fr = visitor.get("/cached", headers={"Accept-Language": "fr"})
    en = visitor.get("/cached", headers={"Accept-Language": "en"})
    assert 'lang="fr"' in fr.text and 'lang="en"' in en.text
    assert len(calls) == 2
