"""Every page a role may use is reachable by following links from `/`, signed in as that role.

For each role of `tests.helpers.ROLES` a crawler starts at `/` and follows only links (`a[href]`
and redirects; a GET form is not a link) within the site, breadth-first, at most
`PER_ROUTE` addresses per route (so a hundred council passages do not crowd out the desks) and
`MAX_PAGES` pages in all. Nothing it follows writes: every write of the portal is a POST.

The world is the demo's (charter, consultation, synthesis, register with a draft waiting,
council minutes) and each role crawls as its demo account (the demo agent owns the systems).

What must be reached is read from the route table: every GET route without a path parameter
whose permission the role holds and that answers it 200 in this world (a page refused by the
state, such as proposals closed to residents, is not asked for), minus the few listed in
`NOT_LINKED` with the reason they are entered another way (a mailed link, a program); and at
least one address of every GET route with a parameter (an entry, a draft, a meeting) but those in
`PARAMETER_NOT_LINKED`. A new desk or export that no page links to therefore fails here, named
with its permission. Besides, no crawled page answers 5xx and no internal link is a 404 (the page
holding the broken link is named).

The crawl runs on SQLite only: it is about links, which do not depend on the database (both
databases are covered by each page's own tests).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Match
from starlette.testclient import TestClient

from portal.consultation.demo.loader import load_demo as load_consultation
from portal.consultation.synthesis.demo import load_demo as load_synthesis
from portal.council.demo import load_demo as load_council
from portal.db import session_scope
from portal.registry import services as registry_services
from portal.registry.editor import services as registry_incomplete
from portal.registry.loader import to_text
from portal.settings import Settings
from portal.web.permissions import perm
from portal.web.routing import PortalRoute, route
from tests.factories import _password_hash, add_proposal, email_of, register_entries
from tests.helpers import ROLES, login

MAX_PAGES = 400
PER_ROUTE = 8
BASE = "http://testserver"
HREF = re.compile(r"<a\b[^>]*?\bhref=\"([^\"]*)\"", re.IGNORECASE)
FORM = re.compile(r"<form\b([^>]*)>", re.IGNORECASE)
ACTION = re.compile(r"\baction=\"([^\"]*)\"", re.IGNORECASE)
POST_METHOD = re.compile(r"\bmethod=\"post\"", re.IGNORECASE)

ANONYMOUS_ONLY = {"/login", "/signup", "/password-reset"}
"""Shown to signed-out visitors only: the header offers them then, and hides them once signed in."""

NOT_LINKED = {
    "/favicon.ico": "asked for by browsers, not by people",
    "/healthz": "for the monitoring of the servers",
    "/api/status": "for the monitoring of the servers (described in /api/openapi.json)",
    "/api/council/ask": "an API needing a question, for programs (described in /api/openapi.json)",
    "/signup/confirm": "entered from the link mailed at sign-up, with its token",
    "/password-reset/confirm": "entered from the link mailed for a new password, with its token",
    "/account/email/confirm": "entered from the link mailed to the new address, with its token",
    "/account/invitation": "entered from the invitation mailed by an administrator, with its token",
    "/login/oidc/confirm": "the return address of the city's identity provider (OIDC sign-in)",
    "/login/oidc/logged-out": "the return address of the identity provider after signing out",
}
"""GET routes without a path parameter that no page needs to link to, and why."""

FORM_ENTRY = {
    "/council/search": "the search form of the council's pages (a GET form, not a link)",
}
"""Pages entered by a GET form with what the visitor types: the form must be on a reached page."""

API_PATTERN = "an API for programs: its pattern is on /donnees-ouvertes and in /api/openapi.json"
PARAMETER_NOT_LINKED = {
    "/login/oidc/{provider}": "the sign-in buttons of an identity provider (none set up here)",
    "/login/oidc/{provider}/callback": "the return address of the identity provider",
    "/follow/unsubscribe/{token}": "the link at the foot of each follow mail",
    "/council/alerts/unsubscribe/{token}": "the link at the foot of each saved-search alert mail",
    "/registry/drafts/incomplete/{id:int}": "an agent's own unfinished entry: only its author "
    "opens it, from their desk (tests/registry/test_incomplete_draft_browser.py walks there)",
    "/api/registry/systems/{slug}": API_PATTERN,
    "/api/council/meetings/{day}": API_PATTERN,
    "/api/council/deliberations/{number}": API_PATTERN,
    "/council/uploads/{upload_id:int}": "the upload form leads there (no upload in this world)",
}
"""GET routes with a path parameter that no page of this world links to, and why; every other
one the role may use must be reached at least once (a desk's item, an entry, a meeting)."""

MUST_REACH = {
    "/donnees-ouvertes", "/moderation/figures", "/consultation/export",
    "/consultation/export.json", "/consultation/export.csv", "/charter/feed.atom",
    "/registry/export.json", "/registry/export.csv", "/registry/export-excel.csv",
    "/registry/schema.json", "/registry/inventaire-algorithmes.csv", "/registry/feed.atom",
    "/api/openapi.json", "/plan-du-site", "/accessibilite", "/mentions-legales",
    "/donnees-personnelles", "/cookies", "/consultation/synthesis.json",
    "/consultation/synthesis.csv", "/api/registry/systems",
}  # fmt: skip
"""Named by issue 13 for everyone: the open data, each export and feed, the legal pages."""

STAFF_DESKS = {
    "agent": {"/espace", "/registry/drafts", "/council/upload", "/charter/desk"},
    "moderator": {"/espace", "/moderation", "/registry/questions/signalees"},
    "official": {"/espace", "/charter/review", "/registry/drafts"},
    "admin": {"/espace", "/moderation", "/charter/review", "/registry/drafts", "/council/upload",
              "/council/questions/desk", "/admin/users", "/admin/audit", "/admin/outbox"},
}  # fmt: skip
"""Desks issue 13 names, checked by name as well as through the route table."""


@dataclass
class Crawl:
    visited: dict[str, int] = field(default_factory=dict)  # url -> status
    referrers: dict[str, str] = field(default_factory=dict)  # url -> first page linking to it
    forms: set[str] = field(default_factory=set)  # actions of the GET forms on reached pages
    # url -> a placeholder of a translated string shown as is ("%%", "%(name)s")
    placeholders: dict[str, str] = field(default_factory=dict)
    truncated: bool = False

    @property
    def paths(self) -> set[str]:
        """Paths reached: answered with a page, or (409) with the French reason the data is not
        there yet (the consultation's export while the consultation is open)."""
        return {
            urlsplit(url).path
            for url, status in self.visited.items()
            if status < 400 or status == 409
        }


def portal_routes(app: Starlette) -> list[PortalRoute]:
    return [r for r in app.router.routes if isinstance(r, PortalRoute)]


def route_of(routes: list[PortalRoute], path: str) -> PortalRoute | None:
    scope = {"type": "http", "path": path, "method": "GET"}
    for candidate in routes:
        match, _child = candidate.matches(scope)
        if match is Match.FULL:
            return candidate
    return None


def internal(url: str) -> str | None:
    """The link as a site address (path and query, no fragment), or None if it leaves the site."""
    absolute = urljoin(BASE + "/", unescape(url))
    parts = urlsplit(absolute)
    if f"{parts.scheme}://{parts.netloc}" != BASE or parts.path.startswith("/static/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


# Text a visitor reads, outside the markup: a `%%` or `%(name)s` there is a translated string
# that was not formatted (or formatted twice), as the synthesis method once read "5 %%".
TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]*>", re.S)
PLACEHOLDER = re.compile(r"%%|%\([a-z_]+\)[sd]")


def crawl(client: TestClient, routes: list[PortalRoute]) -> Crawl:
    result = Crawl()
    queue: deque[str] = deque(["/"])
    seen = {"/"}
    per_route: dict[str, int] = {}
    while queue:
        url = queue.popleft()
        if len(result.visited) >= MAX_PAGES:
            result.truncated = True
            break
        response = client.get(url, follow_redirects=False)
        result.visited[url] = response.status_code
        targets: list[str] = []
        if response.is_redirect:
            targets.append(response.headers["location"])
        elif response.headers.get("content-type", "").startswith("text/html"):
            targets.extend(HREF.findall(response.text))
            shown = PLACEHOLDER.search(TAGS.sub(" ", response.text))
            if shown:
                result.placeholders[url] = shown.group(0)
            for attributes in FORM.findall(response.text):
                action = ACTION.search(attributes)
                if action and not POST_METHOD.search(attributes):
                    result.forms.add(urlsplit(internal(action.group(1)) or "").path)
        for href in targets:
            target = internal(href)
            if target is None or target in seen:
                continue
            seen.add(target)
            result.referrers[target] = url
            found = route_of(routes, urlsplit(target).path)
            key = found.path if found is not None else target
            per_route[key] = per_route.get(key, 0) + 1
            if per_route[key] <= PER_ROUTE:
                queue.append(target)
    return result


def role_holds(role: str) -> tuple[frozenset[str], bool]:
    """(roles, signed in) of a role of the tables; every account also holds "resident"
    (tests.factories.create_user, as accounts.services does)."""
    if role == "anonymous":
        return frozenset(), False
    return frozenset({"resident", role}), True


def expected_pages(routes: list[PortalRoute], role: str) -> dict[str, str]:
    """Every parameterless GET page the role may use -> the permission that grants it."""
    roles, signed_in = role_holds(role)
    pages: dict[str, str] = {}
    for r in routes:
        if "GET" not in (r.methods or ()) or "{" in r.path or r.path in NOT_LINKED:
            continue
        if signed_in and r.path in ANONYMOUS_ONLY:
            continue
        if r.path in FORM_ENTRY:
            continue
        if r.permission.allows(roles, authenticated=signed_in):
            pages[r.path] = r.permission.name
    return pages


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Demo mode: the portal accepts a database holding the demo's residents."""
    return settings.with_(demo=True)


@pytest.fixture
def world(engine: Engine, settings: Settings, make_user: Any, monkeypatch: Any) -> dict[str, int]:
    """A demo-like portal, as `portal demo load` makes it: the demo charter with its
    consultation, comments, proposals and published synthesis, the register's systems, the
    council's minutes."""
    monkeypatch.setattr("portal.accounts.services.hash_password", lambda _p: _password_hash())
    accounts = {
        "elu": make_user("official"), "agent": make_user("agent"),
        "moderation": make_user("moderator"), "habitant": make_user(), "admin": make_user("admin"),
    }  # fmt: skip
    load_consultation(engine, settings, accounts=accounts, progress=lambda _m: None)
    load_synthesis(engine, settings, accounts=accounts, progress=lambda _m: None)
    add_proposal(engine, author_id=accounts["agent"], title="Une proposition à explorer")
    register_entries(engine, accounts["agent"])
    with session_scope(engine) as session:
        system = registry_services.get_published(session, "chatbot-habitants")
        data = dict(system.data or {}, summary="Un assistant écrit, plus court désormais.")
        registry_services.draft(
            session, text=to_text(data), summary="Résumé raccourci", author_id=accounts["agent"],
            slug="chatbot-habitants",
        )  # fmt: skip
        registry_incomplete.keep(  # an agent's unfinished entry, reached from their desk
            session, author_id=accounts["agent"], system_id=None, summary="",
            form={"name": "Tri automatique du courrier entrant"},
        )  # fmt: skip
    load_council(engine, settings, accounts=accounts, progress=lambda _m: None)
    return accounts


DEMO_ACCOUNT = {"resident": "habitant", "agent": "agent", "moderator": "moderation",
                "official": "elu", "admin": "admin"}  # fmt: skip
"""The demo account of each role (the demo's agent owns the register's systems)."""


def client_for(
    role: str,
    make_client: Any,
    login_as: Any,
    engine: Engine,
    accounts: dict[str, int] | None = None,
) -> TestClient:
    """Signed out, signed in as the world's account of that role, or as a new one."""
    client: TestClient
    if role == "anonymous":
        client = make_client()
        return client
    if accounts is not None:
        client = make_client()
        login(client, email_of(engine, accounts[DEMO_ACCOUNT[role]]))
        return client
    signed_in: TestClient = login_as(*([] if role == "resident" else [role]))
    return signed_in


def problems_of(client: TestClient, routes: list[PortalRoute], role: str) -> list[str]:
    """What the crawl as `role` finds wrong: pages it may use that no link reaches, pages that
    fail (5xx), links that lead nowhere (404), missing search forms."""
    result = crawl(client, routes)
    problems: list[str] = []
    if result.truncated:
        problems.append(f"[{role}] crawl stopped at {MAX_PAGES} pages")
    for url, status in sorted(result.visited.items()):
        linked_from = result.referrers.get(url, "-")
        if status >= 500:
            problems.append(f"[{role}] {url} answers {status} (linked from {linked_from})")
        if status == 404:
            problems.append(f"[{role}] broken link {url} on {linked_from}")
    for url, shown in sorted(result.placeholders.items()):
        problems.append(f"[{role}] {url} shows {shown!r}: a string not formatted")
    roles, signed_in = role_holds(role)
    reached_routes = {
        found.path
        for url, status in result.visited.items()
        if status < 400 and (found := route_of(routes, urlsplit(url).path)) is not None
    }
    for r in routes:
        if (
            "GET" in (r.methods or ())
            and "{" in r.path
            and r.path not in PARAMETER_NOT_LINKED
            and r.path not in reached_routes
            and r.permission.allows(roles, authenticated=signed_in)
        ):
            problems.append(f"[{role}] no page of {r.path} ({r.permission.name}) is linked")
    expected = expected_pages(routes, role)
    named = MUST_REACH | STAFF_DESKS.get(role, set())
    for path in sorted(set(expected) | named):
        if path in result.paths:
            continue
        if path not in named and client.get(path).status_code != 200:
            continue  # allowed by its permission, but not in this state (proposals closed…)
        why = expected.get(path, "named by issue 13")
        problems.append(f"[{role}] {path} ({why}) is linked from no page reached from /")
    for path, entry in FORM_ENTRY.items():
        if path not in result.forms and path not in result.paths:
            problems.append(f"[{role}] {path}: no page reached from / holds {entry}")
    return problems


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_page_of_each_role_is_reachable_by_links(
    app: Starlette, world: dict[str, int], engine: Engine, make_client: Any, login_as: Any
) -> None:
    """Signed in as each role, every page it may use is reached by links from `/`; no page
    answers 5xx and no internal link is a 404."""
    routes = portal_routes(app)
    problems = [
        problem
        for role in ROLES
        for problem in problems_of(
            client_for(role, make_client, login_as, engine, world), routes, role
        )
    ]
    assert not problems, "Pages unreachable by links, or failing:\n" + "\n".join(problems)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_new_desk_that_no_page_links_to_is_reported(
    app: Starlette, engine: Engine, make_client: Any, login_as: Any
) -> None:
    """A moderators' desk added to the route table without a link is named, with its
    permission, for the moderator and the admin only."""
    desk = route(
        "/moderation/bureau-sans-lien",
        lambda _request: PlainTextResponse("bureau"),
        permission=perm("test:desk:use", "moderator"),
    )
    app.router.routes.insert(0, desk)
    routes = portal_routes(app)
    for role in ROLES:
        client = client_for(role, make_client, login_as, engine)
        reported = [p for p in problems_of(client, routes, role) if "bureau-sans-lien" in p]
        if role in ("moderator", "admin"):
            assert reported == [
                f"[{role}] /moderation/bureau-sans-lien (test:desk:use) is linked from no page "
                "reached from /"
            ]
        else:
            assert reported == []
