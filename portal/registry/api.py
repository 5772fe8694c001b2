"""JSON API of the register (/api/registry/...), described in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal.registry import services
from portal.web.permissions import PUBLIC
from portal.web.routing import route


def _card(system: services.System, base: str) -> dict[str, Any]:
    data = system.data or {}
    return {
        "slug": system.slug,
        "name": system.name,
        "summary": data.get("summary", ""),
        "status": system.status,
        "risk_category": system.risk_category,
        "service": system.service,
        "personal_data": system.personal_data,
        "next_review": system.next_review.isoformat() if system.next_review else None,
        "url": f"{base}/registry/{system.slug}",
    }


def api_systems(request: Request) -> Response:
    p = request.query_params
    filters = services.check_filters(
        q=p.get("q", ""),
        status=p.get("status", ""),
        risk=p.get("risk", ""),
        service=p.get("service", ""),
        personal=p.get("personal_data", ""),
        page=p.get("page", "1"),
    )
    result = services.list_systems(request.state.db, filters)
    base = request.app.state.settings.base_url
    return JSONResponse(
        {
            "total": result.total,
            "page": result.page,
            "pages": result.pages,
            "systems": [_card(s, base) for s in result.systems],
        }
    )


def api_system(request: Request) -> Response:
    db = request.state.db
    system = services.get_published(db, request.path_params["slug"])
    changes = services.history(db, system.id)
    stats = services.questions_of(db, system.id)
    return JSONResponse(
        {
            "entry": system.data,
            "published_revision": system.published_revision,
            "history": [
                {
                    "number": c.number,
                    "published_at": c.published_at.isoformat(),
                    "summary": c.summary,
                    "fields": [d["field"] for d in c.diff],
                }
                for c in changes
            ],
            "questions": {
                "open": stats.open,
                "answered": stats.answered,
                "median_hours_to_answer": stats.median_hours,
            },
        }
    )


routes = [
    route("/api/registry/systems", api_systems, permission=PUBLIC),
    route("/api/registry/systems/{slug}", api_system, permission=PUBLIC),
]

_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
OPENAPI_PATHS: dict[str, Any] = {
    "/api/registry/systems": {
        "get": {
            "summary": "Published AI systems of the register, filtered and searched (French stemming)",
            "operationId": "listRegistrySystems",
            "tags": ["registry"],
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200}},
                {
                    "name": "status",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["", *services.STATUSES]},
                },
                {
                    "name": "risk",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["", *services.RISKS]},
                },
                {"name": "service", "in": "query", "schema": {"type": "string", "maxLength": 200}},
                {
                    "name": "personal_data",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["", "yes", "no"]},
                },
                {
                    "name": "page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 10000},
                },
            ],
            "responses": {
                "200": {
                    "description": "One page of systems (20 at most), by name",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/RegistrySystemList"}
                        }
                    },
                },
                "400": {
                    "description": "Unknown filter value, a number out of range, or bytes that "
                    "are not UTF-8",
                    **_ERROR,
                },
            },
        }
    },
    "/api/registry/systems/{slug}": {
        "get": {
            "summary": "One published entry (valid against /registry/schema.json#/$defs/system), "
            "its history and its questions' figures",
            "operationId": "getRegistrySystem",
            "tags": ["registry"],
            "parameters": [
                {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {
                    "description": "The entry",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/RegistrySystem"}
                        }
                    },
                },
                "400": {"description": "Bytes that are not UTF-8 in the request", **_ERROR},
                "404": {"description": "No published entry with this slug", **_ERROR},
            },
        }
    },
}
OPENAPI_SCHEMAS: dict[str, Any] = {
    "RegistrySystemCard": {
        "type": "object",
        "required": [
            "slug",
            "name",
            "summary",
            "status",
            "risk_category",
            "service",
            "personal_data",
            "next_review",
            "url",
        ],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "summary": {"type": "string"},
            "status": {"type": "string", "enum": list(services.STATUSES)},
            "risk_category": {"type": "string", "enum": list(services.RISKS)},
            "service": {"type": "string"},
            "personal_data": {"type": "boolean"},
            "next_review": {"type": ["string", "null"], "format": "date"},
            "url": {"type": "string"},
        },
    },
    "RegistrySystemList": {
        "type": "object",
        "required": ["total", "page", "pages", "systems"],
        "properties": {
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "pages": {"type": "integer"},
            "systems": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/RegistrySystemCard"},
            },
        },
    },
    "RegistrySystem": {
        "type": "object",
        "required": ["entry", "published_revision", "history", "questions"],
        "properties": {
            "entry": {
                "type": "object",
                "description": "The entry, as described by /registry/schema.json#/$defs/system",
            },
            "published_revision": {"type": "integer"},
            "history": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["number", "published_at", "summary", "fields"],
                    "properties": {
                        "number": {"type": "integer"},
                        "published_at": {"type": "string", "format": "date-time"},
                        "summary": {"type": "string"},
                        "fields": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
            "questions": {
                "type": "object",
                "required": ["open", "answered", "median_hours_to_answer"],
                "properties": {
                    "open": {"type": "integer"},
                    "answered": {"type": "integer"},
                    "median_hours_to_answer": {"type": ["number", "null"]},
                },
            },
        },
    },
}
