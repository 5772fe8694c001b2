"""Finding 9 (consultation): the same comment or proposal form sent 50 times at once to a served
app creates exactly one row, on PostgreSQL (READ COMMITTED) as on SQLite; every request gets the
same answer, pointing to it."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from portal.consultation.participation.models import Comment, Proposal
from portal.db import session_scope
from tests.factories import Accounts, clause_stats, email_of
from tests.helpers import run_concurrently, served_sign_in

PARALLEL = 50


def form_key(base: str, cookie: str, path: str) -> str:
    page = httpx.get(base + path, headers={"cookie": cookie}, timeout=60).text
    match = re.search(r'name="form_key" value="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def send_at_once(base: str, path: str, cookie: str, data: dict[str, str]) -> list[httpx.Response]:
    def send(_i: int) -> httpx.Response:
        return httpx.post(base + path, data=data, headers={"cookie": cookie},
                          follow_redirects=False, timeout=180)  # fmt: skip

    outcomes = run_concurrently(PARALLEL, send, timeout=300)
    assert outcomes.errors == []
    return outcomes.results


def rows(engine: Engine, model: Any, **where: Any) -> int:
    with session_scope(engine, write=False) as session:
        stmt = select(func.count()).select_from(model)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return int(session.scalar(stmt) or 0)


def test_fifty_identical_comments_at_once_make_one(
    charter: Accounts, engine: Engine, live_server: str, make_user: Any
) -> None:
    """One comment form (its hidden key) sent 50 times at once: one comment, counted once, and
    all 50 answers lead to it."""
    resident = make_user()
    cookie, token = served_sign_in(live_server, email_of(engine, resident), "/charter/clauses/4")
    key = form_key(live_server, cookie, "/charter/clauses/4")
    body = "Cinquante fois le même avis."
    responses = send_at_once(live_server, "/charter/clauses/4/comments", cookie,
                             {"body": body, "form_key": key, "csrf_token": token})  # fmt: skip
    assert {r.status_code for r in responses} == {303}
    assert len({r.headers["location"] for r in responses}) == 1
    assert rows(engine, Comment, body=body) == 1
    stats = clause_stats(engine)
    assert stats is not None and stats.comment_count == 1


def test_fifty_identical_comments_without_a_key_make_one(
    charter: Accounts, engine: Engine, live_server: str, make_user: Any
) -> None:
    """The same text sent 50 times at once by a script that sends no key: still one comment."""
    resident = make_user()
    cookie, token = served_sign_in(live_server, email_of(engine, resident), "/charter/clauses/4")
    body = "Un script insistant."
    responses = send_at_once(live_server, "/charter/clauses/4/comments", cookie,
                             {"body": body, "csrf_token": token})  # fmt: skip
    assert {r.status_code for r in responses} == {303}
    assert rows(engine, Comment, body=body) == 1


def test_fifty_identical_proposals_at_once_make_one(
    charter: Accounts, engine: Engine, live_server: str, make_user: Any
) -> None:
    """One proposal form sent 50 times at once: one proposal, every answer pointing to it."""
    agent = make_user("agent")
    cookie, token = served_sign_in(live_server, email_of(engine, agent), "/charter/proposals/new")
    key = form_key(live_server, cookie, "/charter/proposals/new")
    data = {"kind": "new", "section": "principes", "title": "Un registre papier",
            "body": "Le registre est aussi consultable en mairie, sur papier.",
            "rationale": "Tout le monde n'a pas internet.", "form_key": key,
            "csrf_token": token}  # fmt: skip
    responses = send_at_once(live_server, "/charter/proposals", cookie, data)
    assert {r.status_code for r in responses} == {303}
    assert len({r.headers["location"] for r in responses}) == 1
    assert rows(engine, Proposal, title="Un registre papier") == 1


def test_two_forms_with_the_same_text_make_two(
    charter: Accounts, engine: Engine, live_server: str, make_user: Any
) -> None:
    """Two different forms (two keys) are two deliberate comments, even with the same words."""
    resident = make_user()
    cookie, token = served_sign_in(live_server, email_of(engine, resident), "/charter/clauses/4")
    for _ in range(2):
        key = form_key(live_server, cookie, "/charter/clauses/4")
        response = httpx.post(f"{live_server}/charter/clauses/4/comments",
                              data={"body": "D'accord.", "form_key": key, "csrf_token": token},
                              headers={"cookie": cookie}, follow_redirects=False, timeout=60)  # fmt: skip
        assert response.status_code == 303
    assert rows(engine, Comment, body="D'accord.") == 2
