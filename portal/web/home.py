"""Home page, language switch, accessibility statement, health check, API status."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal import __version__
from portal.scheduler import last_runs
from portal.web import i18n
from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC
from portal.web.routing import form_str, redirect, route, safe_next
from portal.web.templating import render


def home(request: Request) -> Response:
    sections = [
        {
            "slug": "charte",
            "url": "/charter",
            "title": _("La charte d'usage de l'IA"),
            "text": _(
                "Lisez le projet de charte, commentez-le article par article, soutenez les propositions et suivez les réponses des élus."
            ),
            "figure": None,
        },
        {
            "slug": "registre",
            "url": "/registry",
            "title": _("Le registre des systèmes d'IA"),
            "text": _(
                "Quels systèmes d'IA la ville utilise, pourquoi, avec quelles garanties, et comment joindre un humain à la place."
            ),
            "figure": None,
        },
        {
            "slug": "conseil",
            "url": "/council",
            "title": _("Les décisions du conseil municipal"),
            "text": _(
                "Cherchez dans les procès-verbaux du conseil et posez une question : la réponse cite mot pour mot les comptes rendus."
            ),
            "figure": None,
        },
    ]
    return render(request, "home.html", {"sections": sections})


def accessibility(request: Request) -> Response:
    return render(request, "accessibility.html", {})


def set_language(request: Request) -> Response:
    lang = form_str(request, "lang")
    response = redirect(safe_next(form_str(request, "next")), request)
    if lang in i18n.LOCALES:
        response.set_cookie(
            i18n.LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax",
            secure=request.app.state.settings.secure_cookies,
        )  # fmt: skip
    return response


def _health(request: Request) -> tuple[dict[str, Any], int]:
    db = request.state.db
    report: dict[str, Any] = {"status": "ok", "version": __version__}
    try:
        db.execute(text("SELECT 1"))
        report["database"] = {"status": "ok", "backend": db.get_bind().dialect.name}
    except Exception as exc:  # noqa: BLE001 - the health check reports, never raises
        report["status"] = "error"
        report["database"] = {"status": "error", "detail": type(exc).__name__}
        return report, 503
    runs = last_runs(db, limit=1)
    if runs:
        run = runs[0]
        report["scheduler"] = {
            "last_job": run.job,
            "last_run_at": run.started_at.isoformat(),
            "last_status": run.status,
        }
    else:
        report["scheduler"] = {"last_job": None, "last_run_at": None, "last_status": None}
    return report, 200


def healthz(request: Request) -> Response:
    report, status = _health(request)
    return JSONResponse(report, status)


def api_status(request: Request) -> Response:
    report, status = _health(request)
    return JSONResponse(report, status)


routes = [
    route("/", home, permission=PUBLIC, cache_seconds=5),
    route("/accessibilite", accessibility, permission=PUBLIC, cache_seconds=60),
    route("/lang", set_language, methods=["POST"], permission=PUBLIC),
    route("/healthz", healthz, permission=PUBLIC),
    route("/api/status", api_status, permission=PUBLIC),
]

OPENAPI_PATHS: dict[str, Any] = {
    "/api/status": {
        "get": {
            "summary": "Portal status: database and scheduler",
            "operationId": "getStatus",
            "tags": ["portal"],
            "responses": {
                "200": {
                    "description": "The portal is up",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Status"}}
                    },
                },
                "503": {
                    "description": "The database does not answer",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Status"}}
                    },
                },
            },
        }
    }
}
OPENAPI_SCHEMAS: dict[str, Any] = {
    "Status": {
        "type": "object",
        "required": ["status", "version", "database"],
        "properties": {
            "status": {"type": "string", "enum": ["ok", "error"]},
            "version": {"type": "string"},
            "database": {"type": "object"},
            "scheduler": {"type": "object"},
        },
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "title", "detail"],
                "properties": {
                    "status": {"type": "integer"},
                    "title": {"type": "string"},
                    "detail": {"type": "string"},
                },
            }
        },
    },
}
