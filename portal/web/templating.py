"""The one Jinja2 environment (autoescape everywhere) and the render helpers."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.visitor import NodeTransformer
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from portal.text import render_markdown, safe_link
from portal.web import i18n
from portal.web.cache import (
    SharedPage,
    Slot,
    SlotVariant,
    fragment_cache,
    new_marker,
    request_target,
)
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
        _environment.cache_clear()


# The template functions that translate a message: `{{ _("Accueil") }}`.
MESSAGE_FUNCTIONS = ("_", "gettext")


class _Translate(NodeTransformer):
    """Each `_("constant")` without parameters becomes its translation, a constant: Jinja then
    writes it into the compiled template already escaped, instead of calling gettext and
    escaping its result on every render (some fifty times a page: a tenth of a search page's
    render, issue 18). Calls with parameters, or with a message that is not a constant, stay."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def visit_Call(self, call: nodes.Call) -> nodes.Node:
        node = self.generic_visit(call)
        if (
            isinstance(node, nodes.Call)
            and isinstance(node.node, nodes.Name)
            and node.node.name in MESSAGE_FUNCTIONS
            and len(node.args) == 1
            and isinstance(node.args[0], nodes.Const)
            and isinstance(node.args[0].value, str)
            and not node.kwargs
            and node.dyn_args is None
            and node.dyn_kwargs is None
        ):
            message = i18n.translation(self.locale, node.args[0].value)
            return nodes.Const(message, lineno=node.lineno)
        return node


class _LocaleEnvironment(jinja2.Environment):
    """The environment of one interface language: its templates' constant messages translated
    when they are compiled (_Translate)."""

    locale = i18n.DEFAULT_LOCALE

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        # A template that names something `_` itself (`{% set _ = … %}`) is left as it is.
        if any(n.name in MESSAGE_FUNCTIONS and n.ctx != "load" for n in tree.find_all(nodes.Name)):
            return tree
        translated = _Translate(self.locale).visit(tree)
        assert isinstance(translated, nodes.Template)
        return translated


def environment() -> jinja2.Environment:
    """The environment of the interface's language now (i18n.current_locale)."""
    return _environment(i18n.current_locale.get())


@lru_cache(maxsize=16)
def _environment(locale: str) -> jinja2.Environment:
    config = _configuration
    env = _LocaleEnvironment(
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
    env.locale = locale
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
    # The page's own address, as request.url.path and .query give it, without building
    # Starlette's URL (cache.request_target): the menu and the language switch show it.
    path, query = request_target(request.scope)
    return {
        "request": request,
        "request_path": path,
        "request_query": query,
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


# --- shared pages (portal/web/cache.py: SharedPage) -------------------------------------------


# What a shared page holds as markers, replaced for each visitor: their CSRF token, name and form
# key, the address the language switch returns to, the consultation's time left (to the minute).
SHARED_MARKERS = ("csrf_token", "display_name", "form_key", "next", "time_left")


class SlotRecorder:
    """The `slots` of a shared render: `{{ slots.open("t.html", marks=…, authors=…, name=value…)
    }}` before a part that may be the visitor's own (their support, follow, comments) and
    `{{ slots.close() }}` after it. The part between is rendered as usual, for the kind of
    visitor (its default); the slot keeps the template and values to render it again for a
    visitor whose `marks` or `authors` it holds. Only a shared render defines `slots`."""

    def __init__(self) -> None:
        self.marker = new_marker()
        self.slots: list[Slot] = []

    def open(
        self,
        template: str,
        marks: Sequence[object] | frozenset[object] = (),
        authors: Sequence[int] | frozenset[int] = (),
        **values: Any,
    ) -> Markup:
        self.slots.append(Slot(template, values, "", frozenset(marks), frozenset(authors)))
        return Markup(f"{self.marker}{len(self.slots) - 1}<")  # noqa: S704 - our marker

    def close(self) -> Markup:
        return Markup(f"{self.marker}>")  # noqa: S704 - our marker

    def cut(self, html: str) -> tuple[tuple[str, ...], tuple[Slot, ...]]:
        """The rendered page as the texts between its slots, and the slots with their HTML."""
        marker = re.escape(self.marker)
        pieces, slots, start = [], [], 0
        for found in re.finditer(marker + r"(\d+)<(.*?)" + marker + ">", html, re.S):
            pieces.append(html[start : found.start()])
            slot = self.slots[int(found.group(1))]
            slots.append(dataclasses.replace(slot, default=found.group(2)))
            start = found.end()
        pieces.append(html[start:])
        return tuple(pieces), tuple(slots)


def shareable(request: Request) -> bool:
    """Whether this request may get a shared page: a plain GET of the whole page (not an htmx
    fragment), with no message to show from the previous page."""
    return (
        request.method == "GET"
        and not is_htmx(request)
        and not getattr(request.state, "flashes", None)
    )


def visitor_kind(request: Request) -> tuple[object, ...]:
    """Who a shared page is rendered for: anonymous, or signed in with this set of roles."""
    user = getattr(request.state, "user", None)
    return ("anonymous",) if user is None else ("signed-in", *sorted(user.roles))


def render_shared_page(
    request: Request,
    template: str,
    build: Callable[[], tuple[Context, dict[str, Any]]],
) -> SharedPage:
    """Render `template` once for every visitor of this request's kind: the visitor's CSRF
    token, name, form key and language-switch return address as markers, a stand-in for the
    user (same roles, no id, the name's marker), parts between `slots.open()` and
    `slots.close()` kept as slots (SlotRecorder). `build`
    returns the page's context (built while request.state holds the stand-in) and its data."""
    markers = {name: new_marker() for name in SHARED_MARKERS}
    state = request.state
    user, token = getattr(state, "user", None), getattr(state, "csrf_token", "")
    if user is not None:
        state.user = dataclasses.replace(
            user, id=0, display_name=markers["display_name"], email="", session_id=0,
            session_hash="",
        )  # fmt: skip
    state.csrf_token, state.form_key, state.shared_build = (
        markers["csrf_token"],
        markers["form_key"],
        True,
    )
    try:
        context, data = build()
        recorder = SlotRecorder()
        ctx = base_context(request)
        ctx.update(context_values(context))
        ctx.update(
            slots=recorder,
            lang_switch_next=markers["next"],
            time_left_marker=markers["time_left"],
        )
        html = environment().get_template(template).render(ctx)
    finally:
        state.user, state.csrf_token, state.shared_build = user, token, False
        state.form_key = None
    pieces, slots = recorder.cut(html)
    return SharedPage(
        pieces=pieces,
        slots=slots,
        markers=markers,
        data=data,
    )


def cached_shared_page(
    request: Request,
    key: tuple[object, ...],
    generation: object,
    template: str,
    build: Callable[[], tuple[Context, dict[str, Any]]],
) -> tuple[SharedPage, bool]:
    """The shared page under `key` rendered at `generation` (the consultation's counter, or any
    value compared with ==, e.g. the council index's state), from this process's cache or
    rendered now (then kept, replacing the older generation's); and whether it was rendered."""
    cache = fragment_cache(request.app)
    page = cache.get(key)
    if isinstance(page, SharedPage) and shared_page_current(request, page, generation):
        return page, False
    page = render_shared_page(request, template, build)
    page.data["generation"] = generation
    page.data["site"] = conformity(request.app.state.settings.content_dir)
    cache.put(key, page)
    return page, True


def shared_page_current(request: Request, page: SharedPage, generation: object) -> bool:
    """Whether a kept shared page is the one to serve now: rendered at `generation`, and with
    the layout's own changing part (the accessibility status every footer shows, read from its
    statement's file when that changes: no page's generation covers it) as it is now."""
    return page.data.get("generation") == generation and page.data.get("site") == conformity(
        request.app.state.settings.content_dir
    )


def cached_shared_candidate(request: Request, key: tuple[object, ...]) -> SharedPage | None:
    """The page kept under `key`, whatever its generation (to read the visitor's marks for its
    targets and the generation in one statement before knowing whether it is still good)."""
    page = fragment_cache(request.app).get(key)
    return page if isinstance(page, SharedPage) else None


def shared_response(
    request: Request,
    page: SharedPage,
    *,
    marks: set[Any] | frozenset[Any] = frozenset(),
    form_key: str = "",
    time_left: str | None = None,
    render_slot: Callable[[Slot], str | SlotVariant] | None = None,
) -> HTMLResponse:
    """The shared page for this visitor: their token, name, form key and address (and the time
    left now) in place of the markers (escaped), their own slots rendered by `render_slot`."""
    user = getattr(request.state, "user", None)
    path, query = request_target(request.scope)
    values = {
        "csrf_token": str(escape(getattr(request.state, "csrf_token", ""))),
        "display_name": str(escape(user.display_name)) if user is not None else "",
        "form_key": str(escape(form_key)),
        "next": str(escape(path + (f"?{query}" if query else ""))),
        "time_left": str(escape(time_left or "")),
    }
    body = page.assemble_bytes(
        values, user_id=user.id if user else None, marks=marks, render_slot=render_slot
    )
    return HTMLResponse(body)


def render_slot_string(request: Request, slot: Slot, extra: Mapping[str, Any]) -> str:
    """One slot rendered for this visitor, with their real values."""
    ctx = base_context(request)
    ctx.update(slot.values)
    ctx.update(extra)
    return environment().get_template(slot.template).render(ctx)


def render_slot_variant(
    request: Request,
    page: SharedPage,
    slot: Slot,
    key: Hashable,
    extra: Callable[[str], Mapping[str, Any]],
) -> SlotVariant:
    """One slot as every visitor with the same own parts in it (`key`) sees it: rendered once
    per shared page and key, as the page itself is, with the page's markers for the visitor's
    token and name (a stand-in user, as in `render_shared_page`) and form key (`extra` gets the
    form key's marker); `SharedPage.assemble` puts each visitor's values in."""

    def render() -> str:
        state = request.state
        user, token = state.user, state.csrf_token
        if user is not None:
            state.user = dataclasses.replace(
                user, id=0, display_name=page.markers["display_name"], email="", session_id=0,
                session_hash="",
            )  # fmt: skip
        state.csrf_token = page.markers["csrf_token"]
        try:
            return render_slot_string(request, slot, extra(page.markers["form_key"]))
        finally:
            state.user, state.csrf_token = user, token

    return page.variant(slot, key, render)
