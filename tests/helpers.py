"""Plain helpers shared by the tests: reading pages, posting forms, concurrent runs, query counts,
permission tables. No fixtures here (they live in the conftest files); data is built in factories."""

from __future__ import annotations

import contextlib
import html
import re
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.core_models import OutboxMail
from portal.db import session_scope
from portal.mail import ReadMail, as_read
from tests.factories import PASSWORD

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


def form_token(client: TestClient, form_page: str) -> str:
    """The CSRF token of the form on `form_page`, as the browser would send it back (the same
    as tests/conftest.py's `csrf_token`, which is to move here)."""
    page = client.get(form_page).text
    match = _CSRF_FIELD.search(page)
    assert match, f"no CSRF token on {form_page}"
    return match.group(1)


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
    token = form_token(client, form_page)
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
