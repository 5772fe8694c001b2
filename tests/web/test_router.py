"""The indexed router picks the route Starlette's plain loop would pick, for every route of the
portal, and leaves 404, 405, trailing-slash redirects and static files as they were."""

from __future__ import annotations

import re

from starlette.applications import Starlette
from starlette.routing import Match, Mount, Route
from starlette.testclient import TestClient

from portal.web.router import IndexedRouter, first_segment

SAMPLES = {"int": "12", "path": "a/b.css", "str": "x1"}


def sample_path(path: str) -> str:
    """The route's path with each parameter given a value its convertor accepts."""
    return re.sub(r"{(\w+)(?::(\w+))?}", lambda m: SAMPLES.get(m.group(2) or "str", "x1"), path)


def plain_match(routes: list, scope: dict) -> object | None:
    """What Starlette's loop over every route finds first."""
    return next((r for r in routes if r.matches(scope)[0] is Match.FULL), None)


def scope_for(path: str, method: str) -> dict:
    return {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}


def test_first_segment_of_route_paths() -> None:
    assert first_segment("/") == ""
    assert first_segment("/charter/clauses/{id:int}") == "charter"
    assert first_segment("/{slug}") is None
    assert first_segment("/static") == "static"
    assert first_segment("/v{n:int}/x") is None


def test_every_route_resolves_as_the_plain_loop_does(app: Starlette) -> None:
    """For each route, a path made from it (and the same with a slash added), with each of its
    methods and one it does not take: the indexed candidates' first full match is the plain
    loop's first full match."""
    router = app.router
    assert isinstance(router, IndexedRouter)
    routes = list(router.routes)
    checked = 0
    for route in routes:
        path = sample_path(route.path) if isinstance(route, (Route, Mount)) else "/"
        if isinstance(route, Mount):
            path = path.rstrip("/") + "/a/b.css"
        methods = [*sorted(getattr(route, "methods", None) or {"GET"}), "PATCH"]
        for candidate in (path, path.rstrip("/") + "/"):
            for method in methods:
                scope = scope_for(candidate, method)
                expected = plain_match(routes, scope)
                found = next(
                    (r for r in router.candidates(scope) if r.matches(scope)[0] is Match.FULL),
                    None,
                )
                assert found is expected, (candidate, method)
                checked += 1
    assert checked > 3 * len(routes) > 150


def test_unmatched_requests_keep_starlettes_answers(client: TestClient) -> None:
    """No route: 404; a route without that method: 405; a page asked with a trailing slash is
    redirected to its address; a static file is served."""
    assert client.get("/nulle-part/rien").status_code == 404
    assert client.get("/charter/nulle-part").status_code == 404
    assert client.delete("/login").status_code == 405
    assert client.post("/charter").status_code == 405
    moved = client.get("/charter/", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"].endswith("/charter")
    assert client.get("/").status_code == 200
    assert client.get("/static/css/portal.css").status_code == 200
