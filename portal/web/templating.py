"""The one Jinja2 environment (autoescape everywhere) and the render helpers."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from portal.text import render_markdown
from portal.web import i18n

PORTAL_DIR = Path(__file__).resolve().parent.parent
MODULE_TEMPLATE_DIRS = [
    PORTAL_DIR / "web" / "templates",
    PORTAL_DIR / "accounts" / "templates",
    PORTAL_DIR / "consultation" / "templates",
    PORTAL_DIR / "registry" / "templates",
    PORTAL_DIR / "council" / "templates",
]


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in MODULE_TEMPLATE_DIRS]),
        autoescape=True,  # every template, whatever its extension
        # Templates do not change under a running server (set PORTAL_DEBUG=1 while editing them).
        auto_reload=os.environ.get("PORTAL_DEBUG") == "1",
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Our gettext functions as plain globals: they take %(name)s parameters and their result is
    # escaped on output like any string. Jinja's i18n extension would wrap each call in a context
    # call that costs a third of a page's render time; extraction (babel.cfg) still finds `_()`.
    env.globals.update(_=i18n.gettext, gettext=i18n.gettext, ngettext=i18n.ngettext)
    env.filters["markdown"] = render_markdown
    env.filters["datetime"] = i18n.format_datetime
    env.filters["number"] = i18n.format_number
    env.globals["current_locale"] = i18n.current_locale.get
    env.globals["stylesheets"] = stylesheets
    from portal.accounts.permissions import ROLE_LABELS

    env.globals["role_label"] = lambda role: i18n.gettext(ROLE_LABELS.get(role, role))
    return env


@lru_cache(maxsize=1)
def stylesheets() -> list[str]:
    """portal.css first, then each module's own stylesheet (static/css/<module>.css)."""
    css_dir = PORTAL_DIR / "web" / "static" / "css"
    names = sorted(p.name for p in css_dir.glob("*.css") if p.name != "portal.css")
    return ["/static/css/portal.css", *(f"/static/css/{n}" for n in names)]


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def base_context(request: Request) -> dict[str, Any]:
    state = request.state
    settings = request.app.state.settings
    return {
        "request": request,
        "settings": settings,
        "city": settings.city,
        "user": getattr(state, "user", None),
        "csrf_token": getattr(state, "csrf_token", ""),
        "flashes": getattr(state, "flashes", []),
        "lang": i18n.current_locale.get(),
        "url_for": request.url_for,
    }


def render_string(request: Request, template: str, context: Mapping[str, Any] | None = None) -> str:
    ctx = base_context(request)
    if context:
        ctx.update(context)
    return environment().get_template(template).render(ctx)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    partial: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render the page, or only its fragment (`partial`) when htmx asked for it."""
    name = partial if partial and is_htmx(request) else template
    return HTMLResponse(render_string(request, name, context), status_code, headers=headers)
