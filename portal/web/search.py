"""One search box for the whole portal: the charter, the register and the council minutes at once.

The web layer reads the query and shows the groups; each package finds its own matches with its
own search (French accents, stems, synonyms, spelling suggestions), through a `search(session,
query, *, limit)` function named in its manifest's `sitesearch` (app.py hands them to the app).
`/search` is the page, `/api/search` the same answer in JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal.errors import ValidationFailed
from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC
from portal.web.routing import route
from portal.web.templating import render

MAX_QUERY = 200
PER_GROUP = 5


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    excerpt: str = ""
    kind: str = ""  # "article", "proposition", "réponse", "fiche", "passage"…


@dataclass(frozen=True)
class SearchGroup:
    """One package's answer: its matches, how many there are in all, its own search page."""

    module: str
    title: str
    hits: tuple[SearchHit, ...] = ()
    total: int = 0
    more_url: str = ""
    suggestion: str | None = None
    # When nothing matched as typed, the corrected query these hits were found with.
    corrected: str | None = None


class SearchProvider(Protocol):
    def __call__(self, session: Session, query: str, *, limit: int) -> SearchGroup: ...


@dataclass
class SearchPage:
    query: str
    groups: list[SearchGroup] = field(default_factory=list)
    error: str | None = None
    total: int = 0
    suggestion: str | None = None


def clean_query(raw: str | None) -> str:
    query = " ".join((raw or "").split())
    if len(query) > MAX_QUERY:
        raise ValidationFailed(
            _("Votre recherche est trop longue (%(max)s caractères au plus).", max=MAX_QUERY)
        )
    return query


def search_all(
    session: Session, providers: Sequence[SearchProvider], query: str, *, limit: int = PER_GROUP
) -> list[SearchGroup]:
    """Each module's matches; a module that found nothing as typed is asked again with the
    spelling another module suggests (the minutes' vocabulary knows the city's words)."""
    groups = [provider(session, query, limit=limit) for provider in providers]
    suggestion = next((g.suggestion for g in groups if g.suggestion), None)
    if not suggestion or suggestion == query:
        return groups
    for index, (provider, group) in enumerate(zip(providers, groups, strict=True)):
        if group.total == 0:
            again = provider(session, suggestion, limit=limit)
            if again.total:
                groups[index] = replace(again, suggestion=None, corrected=suggestion)
    return groups


def _page(request: Request) -> SearchPage:
    query = clean_query(request.query_params.get("q"))
    if not query:
        return SearchPage(query="")
    groups = search_all(request.state.db, request.app.state.search_providers, query)
    return SearchPage(
        query=query,
        groups=groups,
        total=sum(g.total for g in groups),
        suggestion=next((g.suggestion for g in groups if g.suggestion), None),
    )


def search_page(request: Request) -> Response:
    try:
        page = _page(request)
    except ValidationFailed as exc:
        page = SearchPage(query="", error=str(exc.message))
        return render(request, "search.html", page, status_code=400)
    return render(request, "search.html", page)


def api_search(request: Request) -> Response:
    page = _page(request)  # a ValidationFailed becomes the JSON error (portal/web/errors.py)
    if not page.query:
        raise ValidationFailed(_("Indiquez ce que vous cherchez (paramètre q)."))
    return JSONResponse(
        {
            "query": page.query,
            "total": page.total,
            "suggestion": page.suggestion,
            "groups": [_group_json(g) for g in page.groups],
        }
    )


def _group_json(group: SearchGroup) -> dict[str, Any]:
    data = asdict(group)
    data["hits"] = [asdict(h) for h in group.hits]
    return data


routes = [
    route("/search", search_page, permission=PUBLIC, threaded=True, cache_seconds=5),
    route("/api/search", api_search, permission=PUBLIC, threaded=True),
]

_HIT = {
    "type": "object",
    "required": ["title", "url", "excerpt", "kind"],
    "properties": {
        "title": {"type": "string"},
        "url": {"type": "string"},
        "excerpt": {"type": "string"},
        "kind": {"type": "string"},
    },
}
OPENAPI_PATHS: dict[str, Any] = {
    "/api/search": {
        "get": {
            "summary": "Search the charter, the register and the council minutes at once",
            "operationId": "searchAll",
            "tags": ["portal"],
            "parameters": [
                {
                    "name": "q",
                    "in": "query",
                    "required": True,
                    # at least one visible character, no NUL (refused before any handler)
                    "schema": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": MAX_QUERY,
                        "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$",
                    },
                }
            ],
            "responses": {
                "200": {
                    "description": "Matches grouped by module",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Search"}}
                    },
                },
                "400": {
                    "description": "No query, or a query too long",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            },
        }
    }
}
OPENAPI_SCHEMAS: dict[str, Any] = {
    "Search": {
        "type": "object",
        "required": ["query", "total", "groups"],
        "properties": {
            "query": {"type": "string"},
            "total": {"type": "integer"},
            "suggestion": {"type": ["string", "null"]},
            "groups": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["module", "title", "hits", "total", "more_url"],
                    "properties": {
                        "module": {"type": "string"},
                        "title": {"type": "string"},
                        "hits": {"type": "array", "items": _HIT},
                        "total": {"type": "integer"},
                        "more_url": {"type": "string"},
                        "suggestion": {"type": ["string", "null"]},
                        "corrected": {"type": ["string", "null"]},
                    },
                },
            },
        },
    }
}
