"""JSON API of the council module: search over the minutes."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal.council import services
from portal.errors import ValidationFailed
from portal.web.permissions import PUBLIC
from portal.web.routing import route


def api_search(request: Request) -> Response:
    query = request.query_params.get("q", "").strip()
    if not query or len(query) > 300:
        raise ValidationFailed("Le paramètre q (1 à 300 caractères) est obligatoire.")
    hits = services.search(request.state.db, query)
    return JSONResponse(
        {
            "query": query,
            "hits": [
                {
                    "meeting_date": h.meeting_date.isoformat(),
                    "deliberation": h.item_number,
                    "item_title": h.item_title,
                    "page": h.page,
                    "url": h.url,
                    "snippet": str(h.snippet),
                    "text": h.text,
                }
                for h in hits
            ],
        }
    )


routes = [route("/api/council/search", api_search, permission=PUBLIC, threaded=True)]

OPENAPI_PATHS: dict[str, Any] = {
    "/api/council/search": {
        "get": {
            "summary": "Full-text search in the council minutes (French stemming, accents ignored)",
            "operationId": "searchCouncil",
            "tags": ["council"],
            "parameters": [
                {
                    "name": "q",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 300},
                }
            ],
            "responses": {
                "200": {
                    "description": "Passages, best first",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/CouncilSearch"}
                        }
                    },
                },
                "400": {
                    "description": "Missing or too long query",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            },
        }
    }
}
OPENAPI_SCHEMAS: dict[str, Any] = {
    "CouncilSearch": {
        "type": "object",
        "required": ["query", "hits"],
        "properties": {
            "query": {"type": "string"},
            "hits": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["meeting_date", "deliberation", "page", "url", "snippet", "text"],
                    "properties": {
                        "meeting_date": {"type": "string", "format": "date"},
                        "deliberation": {"type": ["string", "null"]},
                        "item_title": {"type": ["string", "null"]},
                        "page": {"type": ["integer", "null"]},
                        "url": {"type": "string"},
                        "snippet": {"type": "string"},
                        "text": {"type": "string"},
                    },
                },
            },
        },
    }
}
