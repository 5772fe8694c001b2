"""The consultation's generation is raised by the last write of a transaction, never earlier.

Found by the production load test (bench/bench_production.py, 2026-12-01: 38 HTTP 500 of 3,632
requests, "deadlock detected" on PostgreSQL): a comment is inserted inside a SAVEPOINT (the same
form sent twice at once: the unique key decides), and SQLAlchemy fires `before_commit` when a
SAVEPOINT is released too, so the generation's row was locked there, before the article's
counters; a support of the same article, holding its counters' row and raising the generation
at its commit, then waited on it while the comment waited on the counters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.consultation.participation import services as participation
from portal.db import session_scope
from tests.factories import Accounts, MakeUser, clause_id

WRITES = ("INSERT", "UPDATE", "DELETE")


def _writes_during(engine: Engine, action: Any) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(WRITES):
            seen.append(" ".join(statement.split())[:80])

    event.listen(engine, "before_cursor_execute", record)
    try:
        with session_scope(engine) as session:
            action(session)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def _raised_once_and_last(writes: list[str]) -> None:
    raised = [n for n, w in enumerate(writes) if "consultation_generation" in w]
    assert raised == [len(writes) - 1], writes  # once, and nothing written after it
    assert any("consultation_clause_stats" in w for w in writes[:-1]), writes


def test_a_comment_and_a_support_raise_the_generation_once_after_their_other_writes(
    engine: Engine, charter: Accounts, make_user: MakeUser
) -> None:
    resident = make_user("resident")
    article = clause_id(engine, 4)
    _raised_once_and_last(
        _writes_during(
            engine,
            lambda s: participation.add_comment(
                s, author_id=resident, body="Un avis sur l'article.", clause_id=article, key="k-1"
            ),
        )
    )
    _raised_once_and_last(
        _writes_during(
            engine,
            lambda s: participation.support(
                s, user_id=resident, target_type="clause", target_id=article
            ),
        )
    )
