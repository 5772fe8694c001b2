"""Starlette's router, with the routes a request could match looked up by its first path segment.

Starlette tries every route in order until one matches: with the portal's 90-odd routes, a view
of `/registry` ran some 50 regular expressions before its own (measured: 4 to 8 % of a shared
page's CPU time, see docs/benchmarks.md). Routes whose first segment is written out
(`/charter/...`, `/registry/...`) can only match a path that starts with that segment, so a
request only tries those, plus the routes whose first segment is a parameter or that are not
path routes, in their declared order. The first full match is therefore the same route the
plain loop finds. Anything else — no full match, a partial match (405), a trailing-slash
redirect, the lifespan — goes to Starlette's own code, unchanged.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Match, Mount, Route, Router, get_route_path
from starlette.types import Receive, Scope, Send


def first_segment(path: str) -> str | None:
    """The written-out first segment of a route's path ('' for '/'), or None when it holds a
    parameter (then the route may match any first segment)."""
    segment = path.lstrip("/").split("/", 1)[0]
    return None if "{" in segment else segment


def _segment_of(route: BaseRoute) -> str | None:
    return first_segment(route.path) if isinstance(route, (Route, Mount)) else None


class IndexedRouter(Router):
    _index: dict[str, list[BaseRoute]]
    _anywhere: list[BaseRoute]
    _indexed_count = -1

    def _build(self) -> None:
        segments = [_segment_of(route) for route in self.routes]
        self._index = {
            written: [
                r for r, s in zip(self.routes, segments, strict=True) if s is None or s == written
            ]
            for written in {s for s in segments if s is not None}
        }
        self._anywhere = [r for r, s in zip(self.routes, segments, strict=True) if s is None]
        self._indexed_count = len(self.routes)

    def candidates(self, scope: Scope) -> list[BaseRoute]:
        """The routes, in declared order, that could match this request's path."""
        if self._indexed_count != len(self.routes):  # built once; again if routes were added
            self._build()
        segment = get_route_path(scope).lstrip("/").split("/", 1)[0]
        return self._index.get(segment, self._anywhere)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for route in self.candidates(scope):
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.setdefault("router", self)
                    scope["route"] = route
                    scope.update(child_scope)
                    await route.handle(scope, receive, send)
                    return
        await super().app(scope, receive, send)
