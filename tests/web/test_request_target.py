"""cache.request_target reads a request's path and query from the ASGI scope without building
Starlette's URL (issue 18): the page cache's key, the NUL check and a shared page's "next"
address use it, so it must give Starlette's own strings for every path and query."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from portal.web.cache import request_target

CASES = [
    ("/", b""),
    ("/charter", b""),
    ("/charter/clauses/4", b"page=3"),
    ("/council/search", b"q=piscine+budget&page=2"),
    ("/council/search", b"q=%C3%A9cole%00"),
    ("/registry/entrée", b"q=caf%C3%A9"),
    ("/a?b", b""),  # a decoded %3F in the path
    ("/a#b", b"x=1"),
    ("/a\\b", b""),
    ("/a b", b""),
    ("/a\tb", b""),
    ("/a\nb", b"q=1"),
    ("/a\x00b", b""),
    ("//evil.example/x", b""),
    ("///x", b""),
    ("/x", b"a=%20b&c=%0A"),
    ("/x", b"a=\xc3\xa9"),  # raw UTF-8 in the query (no browser sends it, a client may)
    ("/x", b"a b"),
]


@pytest.mark.parametrize(("path", "query"), CASES)
def test_request_target_is_starlettes_path_and_query(path: str, query: bytes) -> None:
    for host in (b"testserver", b"portal.example:8443", None):
        headers = [(b"host", host)] if host else []
        scope = {
            "type": "http",
            "method": "GET",
            "scheme": "https",
            "path": path,
            "query_string": query,
            "headers": headers,
            "server": ("127.0.0.1", 8000),
        }
        url = Request(scope).url
        assert request_target(scope) == (url.path, url.query)
