"""The one Jinja2 environment (autoescape everywhere) and the render helpers."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from portal.text import render_markdown, safe_link
from portal.web import i18n
from portal.web.content import conformity

PORTAL_DIR = Path(__file__).resolve().parent.parent
WEB_TEMPLATES = PORTAL_DIR / "web" / "templates"


@dataclass(frozen=True)
class _Configuration:
    template_dirs: tuple[Path, ...] = (WEB_TEMPLATES,)
    # Pure helpers (labels, formatting): a template global never queries the database.
    template_globals: tuple[tuple[str, Any], ...] = ()


_configuration = _Configuration()


def configure(template_dirs: Sequence[Path], template_globals: Mapping[str, Any]) -> None:
    """Called by the composition root (app.py) with what the packages' manifests declare."""
    global _configuration
    wanted = _Configuration(
        (WEB_TEMPLATES, *template_dirs), tuple(sorted(template_globals.items()))
    )
    if wanted != _configuration:
        _configuration = wanted
        environment.cache_clear()


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    config = _configuration
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in config.template_dirs]),
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
    # User text stored as safe HTML when it was written: `{{ c.body_html|stored_html(c.body) }}`.
    env.filters["stored_html"] = stored_html
    # Every href that comes from people or files: `{% if x.url|safe_link %}<a href=…>`; an unsafe
    # URL (javascript:, data:, //other.host…) gives None, so the page shows the text unlinked.
    env.filters["safe_link"] = safe_link
    env.filters["datetime"] = i18n.format_datetime
    env.filters["number"] = i18n.format_number
    env.globals["current_locale"] = i18n.current_locale.get
    env.globals["stylesheets"] = stylesheets
    env.globals["content_lang_attr"] = content_lang_attr
    env.globals.update(config.template_globals)
    return env


def stored_html(html: str | None, source: str | None = None) -> Markup:
    """HTML the portal rendered with `render_markdown` and stored (comments, proposals): shown
    as it is. A row written around the ORM (no HTML yet) is rendered here from its source, so a
    page never shows raw Markdown; the `consultation.rerender` job then stores its HTML."""
    if html is None:
        return render_markdown(source or "")
    return Markup(html)  # noqa: S704 - produced by render_markdown (bleach) when written


@lru_cache(maxsize=1)
def stylesheets() -> list[str]:
    """portal.css first, then each module's own stylesheet (static/css/<module>.css)."""
    css_dir = PORTAL_DIR / "web" / "static" / "css"
    names = sorted(p.name for p in css_dir.glob("*.css") if p.name != "portal.css")
    return ["/static/css/portal.css", *(f"/static/css/{n}" for n in names)]


# The language of the city's content (charter, register, minutes, legal texts).
CONTENT_LANGUAGE = "fr"


def content_lang_attr() -> Markup:
    """` lang="fr"` on an element holding the city's French content when the interface is in
    another language (WCAG 3.1.2), nothing otherwise: `<article{{ content_lang_attr() }}>`."""
    if i18n.current_locale.get() == CONTENT_LANGUAGE:
        return Markup("")
    return Markup(f' lang="{CONTENT_LANGUAGE}"')  # noqa: S704 - a constant


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def base_context(request: Request) -> dict[str, Any]:
    state = request.state
    settings = request.app.state.settings
    return {
        "request": request,
        "settings": settings,
        "city": settings.city,
        # The layout's own name for it: a page context may have a `city` of its own.
        "site_city": settings.city,
        "conformity": conformity(settings.content_dir),
        "user": getattr(state, "user", None),
        "csrf_token": getattr(state, "csrf_token", ""),
        "flashes": getattr(state, "flashes", []),
        "lang": i18n.current_locale.get(),
        "url_for": request.url_for,
    }


Context = Mapping[str, Any] | Any  # a mapping, or a page context (a dataclass instance)


def context_values(context: Context | None) -> Mapping[str, Any]:
    """A page context's fields as template variables (shallow: objects keep their methods)."""
    if context is None:
        return {}
    if dataclasses.is_dataclass(context) and not isinstance(context, type):
        return {f.name: getattr(context, f.name) for f in dataclasses.fields(context)}
    assert isinstance(context, Mapping), type(context)
    return context


def render_string(request: Request, template: str, context: Context | None = None) -> str:
    ctx = base_context(request)
    ctx.update(context_values(context))
    return environment().get_template(template).render(ctx)


def render(
    request: Request,
    template: str,
    context: Context | None = None,
    *,
    partial: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render the page, or only its fragment (`partial`) when htmx asked for it."""
    name = partial if partial and is_htmx(request) else template
    return HTMLResponse(render_string(request, name, context), status_code, headers=headers)
