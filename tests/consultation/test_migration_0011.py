"""Migration 0011 (guarded publication, who may propose, assisted participation, one create per
form, proposals reported) on a database holding rows stored the old way, up and down, on both
backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from portal.clock import utcnow
from portal.consultation.participation.models import Comment, ConsultationSchedule, Proposal
from portal.db import make_engine, session_scope
from portal.migrate import downgrade, upgrade
from tests.helpers import database_at


@pytest.fixture(params=["sqlite", "postgres"])
def old_url(request: pytest.FixtureRequest, tmp_path: Path, worker_tag: str) -> Iterator[str]:
    """A database at revision 0010 (before this one)."""
    with database_at("0010", request.param, tmp_path, f"portal_migration_0011_{worker_tag}") as url:
        yield url


def _store_the_old_way(url: str) -> None:
    engine = make_engine(url)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO accounts_user (id, email, display_name, password_hash, created_at, "
                 "is_active) VALUES (1, 'agent@exemple.fr', 'Agent', '!', :at, :t)"),
            {"at": now, "t": True},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO consultation_version (id, number, status, title, preamble, "
                 "created_at, lock_version) VALUES (1, 2, 'draft', 'Charte', '', :at, 1)"),
            {"at": now},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO consultation_schedule (version_id, phase, changed_at) "
                 "VALUES (1, 'open', :at)"),
            {"at": now},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO consultation_proposal (id, version_id, kind, title, body, rationale, "
                 "author_id, created_at, status, support_count, comment_count, lock_version) "
                 "VALUES (1, 1, 'new', 'Titre', 'Texte', 'Parce que', 1, :at, 'pending', 0, 0, 1)"),
            {"at": now},
        )  # fmt: skip
        for i in (1, 2):
            conn.execute(
                text("INSERT INTO consultation_comment (proposal_id, author_id, body, created_at, "
                     "support_count, reply_count, report_count) VALUES (1, 1, :b, :at, 0, 0, 0)"),
                {"b": f"Avis {i}", "at": now},
            )  # fmt: skip
    engine.dispose()


def test_upgrade_keeps_old_rows_as_the_old_code_meant_them_and_downgrade_keeps_them(
    old_url: str,
) -> None:
    """A cycle stored before lets agents only propose; old comments and proposals have no key and
    no assisted marker; afterwards one key is stored once; the downgrade keeps every row."""
    _store_the_old_way(old_url)
    upgrade(old_url, "0011")
    engine = make_engine(old_url)
    try:
        assert "consultation_proposal_report" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    # Today's models read and write the rows (they know later columns too, e.g. 0019's stored
    # HTML); 0011's own changes are checked above and, after the downgrade, below.
    upgrade(old_url, "head")
    engine = make_engine(old_url)
    try:
        with session_scope(engine, write=False) as session:
            schedule = session.get(ConsultationSchedule, 1)
            assert schedule is not None and schedule.proposers == "agents"
            proposal = session.get(Proposal, 1)
            assert proposal is not None
            assert (proposal.report_count, proposal.hidden_at, proposal.idempotency_key) == (
                0, None, None,
            )  # fmt: skip
            comments = list(session.scalars(select(Comment)))
            assert [(c.assisted_channel, c.idempotency_key) for c in comments] == [(None, None)] * 2
        with session_scope(engine) as session:
            session.add(Comment(proposal_id=1, author_id=1, body="Un", idempotency_key="k1"))
        with pytest.raises(IntegrityError), session_scope(engine) as session:
            session.add(Comment(proposal_id=1, author_id=1, body="Deux", idempotency_key="k1"))
    finally:
        engine.dispose()

    downgrade(old_url, "0010")
    engine = make_engine(old_url)
    try:
        tables = inspect(engine).get_table_names()
        assert "consultation_proposal_report" not in tables
        columns = {c["name"] for c in inspect(engine).get_columns("consultation_comment")}
        assert "idempotency_key" not in columns
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM consultation_comment")).scalar() == 3
            assert conn.execute(text("SELECT count(*) FROM consultation_proposal")).scalar() == 1
    finally:
        engine.dispose()
