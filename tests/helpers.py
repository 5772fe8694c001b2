"""Plain helpers shared by the tests: reading pages, posting forms, concurrent runs, query counts,
permission tables. No fixtures here (they live in the conftest files); data is built in factories."""

from __future__ import annotations

import contextlib
import html
import os
import re
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import Engine, make_url
from starlette.testclient import TestClient

from portal.core_models import OutboxMail
from portal.db import session_scope
from portal.mail import ReadMail, as_read, outbox
from portal.migrate import upgrade
from portal.settings import normalise_database_url
from tests.factories import PASSWORD, ROOT

AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# CI (.ci/run) sets this: a test that needs PostgreSQL or Chromium then fails instead of skipping.
REQUIRE_ALL = os.environ.get("PORTAL_TEST_REQUIRE_ALL") == "1"
PG_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "")
SECRET = "test-secret-key-that-is-long-enough-0123456789"

T = TypeVar("T")

HX = {"HX-Request": "true"}
"""The header htmx sends: the app answers with a fragment instead of a whole page."""

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
"""User text that would run if a page forgot to escape it."""

ROLES = ["anonymous", "resident", "agent", "moderator", "official", "admin"]
"""Every role a permission table covers; "resident" is a signed-in person with no extra role."""

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


# --- pages ------------------------------------------------------------------------------------


def t(response: Any) -> str:
    """The page as a person reads it (entities such as &#39; decoded)."""
    return html.unescape(response.text)


def ingest_minutes(engine: Engine, path: Path, text: str) -> Engine:
    """Minutes written for a test, saved as `path` (its name gives the meeting's date when the
    text does not) and read into `engine` without an error; the engine, for fixtures."""
    from portal.council.ingest import ingest_paths

    path.write_text(text, encoding="utf-8")
    results, errors = ingest_paths(engine, [path])
    assert errors == [] and len(results) == 1, errors
    return engine


def missing(reason: str) -> None:
    """A service a test needs is not there: skip, or fail under PORTAL_TEST_REQUIRE_ALL=1."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (required here: PORTAL_TEST_REQUIRE_ALL=1)")
    pytest.skip(reason)


@contextlib.contextmanager
def scratch_postgres(name: str, revision: str = "head") -> Iterator[str]:
    """A new PostgreSQL database on PG_URL's server, migrated to `revision`, dropped after."""
    admin_url = normalise_database_url(PG_URL)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database needs no durability across a server crash: commits return without
        # waiting for the WAL's fsync (still atomic, still visible at once to every connection).
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url, revision)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def database_at(revision: str, backend: str, folder: Path, name: str) -> Iterator[str]:
    """A scratch database migrated only to `revision` (to store rows the old way, then upgrade):
    a SQLite file in `folder`, or a PostgreSQL database `name` dropped after."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'old.sqlite3'}"
        upgrade(url, revision)
        yield url
        return
    if not PG_URL:
        missing("PostgreSQL tests need PORTAL_TEST_POSTGRES_URL")
    with scratch_postgres(name, revision) as url:
        yield url


def csrf_token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token of the form on `path`, as the browser would send it back."""
    page = client.get(path).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> None:
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]


def post(
    client: TestClient,
    path: str,
    data: Mapping[str, Any] | None = None,
    *,
    form_page: str = "/signup",
    **kw: Any,
) -> Any:
    """Post `data` to `path` with the CSRF token read from `form_page` (any page with a form);
    other keywords (headers, follow_redirects) go to the client."""
    token = csrf_token(client, form_page)
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kw)


def as_role(role: str, make_client: Callable[[], TestClient], login_as: Any) -> TestClient:
    """A client for a role of a permission table: signed out, or signed in with that role."""
    if role == "anonymous":
        return make_client()
    client: TestClient = login_as(*([] if role == "resident" else [role]))
    return client


def sign_in(page: Any, base: str, email: str) -> Any:
    """Sign a Playwright page in through the login form (password: factories.PASSWORD); returns
    the page, signed in."""
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    return page


# --- the consultation's forms -----------------------------------------------------------------


def post_comment(client: TestClient, body: str, number: int = 4, **extra: str) -> Any:
    """Comment on article `number` (a reply with `parent_id=`), without following the redirect."""
    return post(client, f"/charter/clauses/{number}/comments", {"body": body, **extra},
                follow_redirects=False)  # fmt: skip


def new_comment_id(response: Any) -> int:
    """The id of the comment a posted comment's redirect points to (`…#comment-<id>`)."""
    match = re.search(r"#comment-(\d+)$", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def answer_proposal(
    client: TestClient, proposal_id: int, decision: str, reason: str, lock: int = 1, **extra: str
) -> Any:
    """An official's answer to a proposal, as the answer form sends it."""
    return post(
        client,
        f"/charter/proposals/{proposal_id}/answer",
        {"decision": decision, "reason": reason, "lock_version": str(lock), **extra},
        follow_redirects=False,
    )


# --- permission tables ------------------------------------------------------------------------


def assert_statuses(expected: Mapping[Hashable, int], observed: Mapping[Hashable, int]) -> None:
    """Every cell of a permission table (role, route, ...) got exactly its status; all the
    mismatches are reported at once, so one run shows the whole table's drift."""
    missing = [cell for cell in expected if cell not in observed]
    extra = [cell for cell in observed if cell not in expected]
    wrong = [
        f"{cell}: got {observed[cell]}, expected {status}"
        for cell, status in expected.items()
        if cell in observed and observed[cell] != status
    ]
    problems = wrong + [f"{cell}: not requested" for cell in missing]
    problems += [f"{cell}: not in the table" for cell in extra]
    assert not problems, "status mismatches:\n" + "\n".join(problems)


# --- concurrency ------------------------------------------------------------------------------


@dataclass
class Outcomes(Generic[T]):
    """What `run_concurrently` collected, in the order the calls finished."""

    results: list[T] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


def run_concurrently(n: int, fn: Callable[[int], T], *, timeout: float = 60) -> Outcomes[T]:
    """Call `fn(0)` … `fn(n - 1)` in n threads released at the same moment by a barrier;
    collect the results and the exceptions (an exception in a thread must not vanish)."""
    barrier = threading.Barrier(n)
    outcomes: Outcomes[T] = Outcomes()
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        try:
            result = fn(i)
        except BaseException as exc:  # reported to the test, never lost in the thread
            with lock:
                outcomes.errors.append(exc)
        else:
            with lock:
                outcomes.results.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a concurrent call did not finish"
    return outcomes


# --- queries ----------------------------------------------------------------------------------


@dataclass
class QueryCount:
    count: int = 0


@contextlib.contextmanager
def count_queries(engine: Engine) -> Iterator[QueryCount]:
    """Count the SQL statements sent on `engine` inside the block (`with ... as queries`)."""
    counted = QueryCount()

    def count(*_args: Any) -> None:
        counted.count += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", count)


# --- mail ------------------------------------------------------------------------------------


def mails_to(engine: Engine, address: str, base_url: str = "http://testserver") -> list[ReadMail]:
    """The mails to `address`, oldest first, as their reader gets them (links absolute)."""
    with session_scope(engine, write=False) as session:
        rows = session.scalars(
            select(OutboxMail).where(OutboxMail.to_address == address).order_by(OutboxMail.id)
        )
        return [as_read(mail, base_url) for mail in rows]


# --- browser --------------------------------------------------------------------------------


def assert_accessible(page: Any) -> None:
    """Run axe-core on the page: no violation of WCAG 2.0/2.1 level A or AA rules."""
    if not AXE_JS.exists():
        missing("axe-core is missing: run `npm ci` (make setup does it)")
    # A click that navigates returns before the next page is there: wait for it to load, and
    # try again once if the page was replaced while axe-core was being added or run.
    for attempt in range(2):
        page.wait_for_load_state("load")
        try:
            if not page.evaluate("() => typeof window.axe !== 'undefined'"):
                page.add_script_tag(path=str(AXE_JS))
            result = page.evaluate(
                """async () => await axe.run(document, {runOnly: {type: 'tag',
                    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
            )
            break
        except Exception as exc:  # playwright's Error: the page navigated meanwhile
            if attempt or not any(
                sign in str(exc)
                for sign in ("appendChild", "Execution context was destroyed", "navigation")
            ):
                raise
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in result["violations"]
    ]
    assert not violations, f"axe-core on {page.url}:\n" + "\n".join(violations)


def outbox_link(engine: Engine, to: str, path: str) -> str:
    """The last link to `path` mailed to `to` (read from the outbox, as a person reads mail)."""
    with session_scope(engine, write=False) as session:
        for mail in outbox(session, to=to, limit=20):
            body = as_read(mail, "http://testserver").body
            match = re.search(r"https?://[^\s]+" + re.escape(path) + r"\?token=[\w\-]+", body)
            if match:
                return match.group(0)
    raise AssertionError(f"no mail with a {path} link to {to}")


# --- a served app, over real HTTP --------------------------------------------------------------


def served_sign_in(base: str, email: str, path: str) -> tuple[str, str]:
    """Sign in as `email` on a served app (live_server); return the browser's cookie header and
    the CSRF token of the form at `path`, for requests sent in parallel with httpx."""
    import httpx

    with httpx.Client(base_url=base, timeout=60) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
        assert token
        response = c.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
        )
        assert response.status_code == 303, response.text[:300]
        page = c.get(path)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.text[:300]
        return "; ".join(f"{k}={v}" for k, v in c.cookies.items()), token.group(1)


def read_council_uploads(engine: Engine, settings: Any) -> str:
    """Read the council minutes uploaded so far, as the worker's job does (an upload request only
    queues the file: portal/council/uploads.py)."""
    # Imported here: the other packages' tests need no council module.
    from portal.council.uploads import read_queued

    return read_queued(engine, settings)
