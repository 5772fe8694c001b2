"""Home page (what is happening now, from each package's `home` provider), language switch,
favicon, health check, API status.

The web layer defines what a home block is and shows the page; each package says what is open,
new or waiting in its part (a `home_news(session)` function named in its manifest's `home`;
app.py hands them to the app), reading only its own tables or services.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from portal import __version__
from portal.scheduler import last_runs
from portal.web import i18n
from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC
from portal.web.routing import form_str, redirect, route, safe_next
from portal.web.templating import (
    cached_shared_page,
    render,
    shareable,
    shared_response,
    visitor_kind,
)


@dataclass(frozen=True)
class HomeLink:
    """One line of a home block: what it is, where to read it, a short detail (a date, a count)."""

    label: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class HomeFigure:
    """A key figure of the city's AI programme, with the page that explains it."""

    label: str
    value: str
    url: str


@dataclass(frozen=True)
class HomeBlock:
    """What one package says is happening now: shown in `order`, its title linking to `url`."""

    order: int
    title: str
    url: str
    lead: str = ""
    items: tuple[HomeLink, ...] = ()
    empty: str = ""


@dataclass(frozen=True)
class HomeNews:
    """A package's contribution to the home page: its blocks, its questions still waiting for an
    answer (shown together, whatever their package) and its key figures."""

    blocks: tuple[HomeBlock, ...] = ()
    unanswered: tuple[HomeLink, ...] = ()
    unanswered_count: int = 0
    figures: tuple[HomeFigure, ...] = ()


HomeProvider = Callable[[Session], HomeNews]
# What a package's home news depend on, read cheaply (see portal/manifest.py: `home`).
HomeVersion = Callable[[Session], object]


@dataclass
class HomePage:
    blocks: list[HomeBlock]
    unanswered: list[HomeLink]
    unanswered_count: int
    figures: list[HomeFigure]
    sections: list[dict[str, str]] = field(default_factory=list)


def home_page(session: Session, providers: Sequence[HomeProvider]) -> HomePage:
    news = [provider(session) for provider in providers]
    return HomePage(
        blocks=sorted((b for n in news for b in n.blocks), key=lambda b: b.order),
        unanswered=[link for n in news for link in n.unanswered],
        unanswered_count=sum(n.unanswered_count for n in news),
        figures=[f for n in news for f in n.figures],
        sections=[
            {"url": "/charter", "title": _("La charte d'usage de l'IA")},
            {"url": "/registry", "title": _("Le registre des systèmes d'IA")},
            {"url": "/council", "title": _("Les décisions du conseil municipal")},
        ],
    )


def home(request: Request) -> Response:
    """The home page; for a plain GET, the page rendered once per process for each kind of
    visitor, language and day, until a package's `home_version` changes (issue 18: rendered on
    every view, it cost a signed-in visitor about 4.6 ms and thirteen statements)."""
    db = request.state.db
    providers = request.app.state.home_providers
    versions: list[HomeVersion] | None = getattr(request.app.state, "home_versions", None)
    if versions is None or not shareable(request):
        return render(request, "home.html", home_page(db, providers))
    key = ("shared-page", "home", i18n.current_locale.get(), visitor_kind(request),
           date.today())  # fmt: skip
    generation = tuple(version(db) for version in versions)
    page, _rendered = cached_shared_page(
        request, key, generation, "home.html", lambda: (home_page(db, providers), {})
    )
    return shared_response(request, page)


def favicon(request: Request) -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)


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
    route("/favicon.ico", favicon, permission=PUBLIC),
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
