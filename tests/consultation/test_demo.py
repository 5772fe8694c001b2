"""The demo consultation: a consultation in progress as a resident finds it, counters consistent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.clock import utcnow
from portal.consultation.demo.loader import load_demo
from portal.consultation.moderation.models import Report
from portal.consultation.participation.models import (
    ClauseStats,
    Comment,
    ConsultationSchedule,
    Proposal,
    Support,
)
from portal.consultation.review.models import Answer
from portal.db import session_scope
from portal.settings import Settings
from tests.factories import _password_hash


def _count(session: Any, model: Any, *where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _grouped(session: Any, stmt: Any) -> dict[tuple[Any, ...], int]:
    return {tuple(row[:-1]): int(row[-1]) for row in session.execute(stmt)}


def test_demo_consultation_is_complete_consistent_and_idempotent(
    engine: Engine, settings: Settings, make_user: Any, client: TestClient, monkeypatch: Any
) -> None:
    """Demo mode: v2 open for weeks, hundreds of comments, answers, reports; counters match rows."""
    # Dozens of demo residents: skip argon2's deliberate slowness (one hash for all of them).
    monkeypatch.setattr("portal.accounts.services.hash_password", lambda _p: _password_hash())
    accounts = {
        "elu": make_user("official"), "agent": make_user("agent"),
        "moderation": make_user("moderator"), "habitant": make_user(), "admin": make_user("admin"),
    }  # fmt: skip
    demo = settings.with_(demo=True)
    load_demo(engine, demo, accounts=accounts, progress=lambda _m: None)
    load_demo(engine, demo, accounts=accounts, progress=lambda _m: None)  # idempotent
    with session_scope(engine, write=False) as session:
        schedule = session.scalar(select(ConsultationSchedule))
        assert schedule is not None and schedule.phase == "open"
        assert schedule.closes_at is not None and (schedule.closes_at - utcnow()).days >= 14
        total = _count(session, Comment)
        assert 300 <= total <= 500
        assert _count(session, Comment, Comment.parent_id.is_not(None)) >= 30  # type: ignore[union-attr]
        assert _count(session, Proposal) == 4 and _count(session, Answer) == 3
        assert _count(session, Report) >= 2
        assert _count(session, Comment, Comment.hidden_at.is_not(None)) == 1  # type: ignore[union-attr]
        # Every maintained counter equals the rows it counts (grouped counts, one query each).
        supports = _grouped(session, select(Support.target_type, Support.target_id, func.count())
                            .group_by(Support.target_type, Support.target_id))  # fmt: skip
        replies = _grouped(
            session, select(Comment.parent_id, func.count()).group_by(Comment.parent_id)
        )
        reports = _grouped(
            session, select(Report.comment_id, func.count()).group_by(Report.comment_id)
        )
        live = _grouped(session, select(Comment.clause_id, func.count())
                        .where(Comment.hidden_at.is_(None), Comment.deleted_at.is_(None))  # type: ignore[union-attr]
                        .group_by(Comment.clause_id))  # fmt: skip
        on_proposal = _grouped(
            session, select(Comment.proposal_id, func.count()).group_by(Comment.proposal_id)
        )
        for c in session.scalars(select(Comment)):
            assert c.support_count == supports.get(("comment", c.id), 0)
            assert c.reply_count == replies.get((c.id,), 0)
            assert c.report_count == reports.get((c.id,), 0)
        for stats in session.scalars(select(ClauseStats)):
            assert stats.comment_count == live.get((stats.clause_id,), 0)
            assert stats.support_count == supports.get(("clause", stats.clause_id), 0)
        for p in session.scalars(select(Proposal)):
            assert p.comment_count == on_proposal.get((p.id,), 0)
            assert p.support_count == supports.get(("proposal", p.id), 0)
        assert total == _count(session, Comment)
    page = client.get("/charter")
    assert page.status_code == 200 and "Projet de version 2" in page.text
    desk_free = client.get("/moderation/figures")
    assert "1 commentaire masqué" in desk_free.text


def test_demo_without_demo_mode_loads_only_the_charter(
    engine: Engine, settings: Settings, make_user: Any
) -> None:
    """Outside demo mode no resident account or comment is created, only the two versions."""
    accounts = {"elu": make_user("official"), "agent": make_user("agent")}
    load_demo(engine, settings, accounts=accounts, progress=lambda _m: None)
    with session_scope(engine, write=False) as session:
        assert _count(session, Comment) == 0 and _count(session, Proposal) == 0
