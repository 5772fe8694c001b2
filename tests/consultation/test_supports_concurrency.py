"""Supports through HTTP: once each, withdrawable, counts only, exact under concurrent requests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.consultation.participation.models import Comment, Support
from portal.db import session_scope
from tests.factories import clause_stats
from tests.helpers import HX, csrf_token, new_comment_id, post, post_comment, run_concurrently, t


def supports(engine: Engine) -> int:
    with session_scope(engine, write=False) as s:
        return int(s.scalar(select(func.count()).select_from(Support)) or 0)


def test_support_a_clause_then_withdraw(
    charter: dict[str, int], login_as: Any, engine: Engine, client: TestClient
) -> None:
    """A resident supports a clause once, sees the public count, and withdraws."""
    resident = login_as()
    first = post(resident, "/charter/clauses/4/support", {"action": "add"}, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/charter/clauses/4"
    page = t(resident.get("/charter/clauses/4"))
    assert "Merci pour votre soutien." in page and "1 soutien" in page
    assert "Retirer mon soutien" in page
    again = post(resident, "/charter/clauses/4/support", {"action": "add"})
    assert "Vous soutenez déjà" in t(again)
    assert supports(engine) == 1
    public = t(client.get("/charter"))
    assert "1 soutien" in public
    withdraw = post(resident, "/charter/clauses/4/support", {"action": "withdraw"})
    assert "Votre soutien est retiré." in t(withdraw)
    s = clause_stats(engine)
    assert s is not None and s.support_count == 0 and supports(engine) == 0


def test_support_with_htmx_returns_the_counter(charter: dict[str, int], login_as: Any) -> None:
    """With htmx, supporting answers with the support fragment only, count and button updated."""
    resident = login_as()
    response = post(resident, "/charter/clauses/4/support", {"action": "add"}, headers=HX)
    text = t(response)
    assert text.lstrip().startswith('<div class="support" id="support-clause-')
    assert "1 soutien" in text and "Retirer mon soutien" in text and "<html" not in text


def test_support_and_withdraw_a_comment(
    charter: dict[str, int], login_as: Any, engine: Engine
) -> None:
    """A comment's support counter follows supports and withdrawals; names are never shown."""
    author, fan = login_as(), login_as()
    cid = new_comment_id(post_comment(author, "Un avis à soutenir."))
    post(fan, f"/charter/comments/{cid}/support", {"action": "add"})
    page = t(author.get("/charter/clauses/4"))
    assert "1 soutien" in page
    post(fan, f"/charter/comments/{cid}/support", {"action": "withdraw"})
    with session_scope(engine, write=False) as s:
        row = s.get(Comment, cid)
        assert row is not None and row.support_count == 0


def test_deleted_comment_cannot_be_supported(
    charter: dict[str, int], login_as: Any, engine: Engine
) -> None:
    """Supporting a deleted comment gets a message and stores nothing."""
    author, fan = login_as(), login_as()
    cid = new_comment_id(post_comment(author, "Bientôt retiré."))
    post(author, f"/charter/comments/{cid}/delete", {})
    response = post(fan, f"/charter/comments/{cid}/support", {"action": "add"})
    assert "ne peut plus être soutenu" in t(response)
    assert supports(engine) == 0


def test_unknown_support_targets_are_404(charter: dict[str, int], login_as: Any) -> None:
    """Supporting a clause, comment or proposal that does not exist is a 404."""
    resident = login_as()
    for path in ("/charter/clauses/99/support", "/charter/comments/999/support",
                 "/charter/proposals/999/support"):  # fmt: skip
        assert post(resident, path, {"action": "add"}).status_code == 404


def test_concurrent_supports_are_exact(
    charter: dict[str, int], login_as: Any, engine: Engine
) -> None:
    """Ten residents supporting the same clause at the same moment give exactly ten supports."""
    residents = [login_as() for _ in range(10)]
    tokens = [csrf_token(c, "/charter/clauses/4") for c in residents]

    def support(i: int) -> int:
        response = residents[i].post(
            "/charter/clauses/4/support",
            data={"action": "add", "csrf_token": tokens[i]},
            follow_redirects=False,
        )
        return response.status_code

    outcomes = run_concurrently(len(residents), support)
    assert outcomes.errors == []
    assert outcomes.results == [303] * 10
    s = clause_stats(engine)
    assert s is not None and s.support_count == 10 and supports(engine) == 10


def test_double_submit_at_once_counts_one_support(
    charter: dict[str, int], login_as: Any, engine: Engine
) -> None:
    """The same person submitting the support form five times at once is counted once."""
    resident = login_as()
    token = csrf_token(resident, "/charter/clauses/4")

    def support(_i: int) -> int:
        response = resident.post(
            "/charter/clauses/4/support",
            data={"action": "add", "csrf_token": token},
            follow_redirects=False,
        )
        return response.status_code

    outcomes = run_concurrently(5, support)
    assert outcomes.errors == []
    assert outcomes.results == [303] * 5
    s = clause_stats(engine)
    assert s is not None and s.support_count == 1 and supports(engine) == 1


def test_double_report_at_once_is_stored_once(
    charter: dict[str, int], login_as: Any, engine: Engine
) -> None:
    """The same report sent three times at once is stored once, without a server error."""
    from portal.consultation.moderation.models import Report

    author, reporter = login_as(), login_as()
    cid = new_comment_id(post_comment(author, "Propos à signaler."))
    token = csrf_token(reporter, "/charter/clauses/4")

    def report(_i: int) -> int:
        response = reporter.post(
            f"/charter/comments/{cid}/report",
            data={"reason": "spam", "csrf_token": token},
            follow_redirects=False,
        )
        return response.status_code

    outcomes = run_concurrently(3, report)
    assert outcomes.errors == []
    assert outcomes.results == [303] * 3
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(func.count()).select_from(Report)) == 1
        row = s.get(Comment, cid)
        assert row is not None and row.report_count == 1
