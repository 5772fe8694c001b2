"""Migration 0011 (guarded publication, who may propose, assisted participation, one create per
form, proposals reported) on a database holding rows stored the old way, up and down, on both
backends."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.consultation.participation.models import Comment, ConsultationSchedule, Proposal
from portal.db import session_scope
from tests.migrations_helpers import (
    NOW,
    Migration,
    columns,
    comment,
    migration_at,
    proposal,
    scalar,
    tables,
    user,
    version,
)

old = migration_at(
    "0010", "0011",
    user(email="agent@exemple.fr", name="Agent"),
    version(number=2),
    ("INSERT INTO consultation_schedule (version_id, phase, changed_at) VALUES (1, 'open', :now)",
     {"now": NOW}),
    proposal(),
    comment("Avis 1"),
    comment("Avis 2"),
)  # fmt: skip


def test_upgrade_keeps_old_rows_as_the_old_code_meant_them_and_downgrade_keeps_them(
    old: Migration,
) -> None:
    """A cycle stored before lets agents only propose; old comments and proposals have no key and
    no assisted marker; afterwards one key is stored once; the downgrade keeps every row."""
    with old.up() as engine:
        assert "consultation_proposal_report" in tables(engine)
    # Today's models read and write the rows (they know later columns too, e.g. 0019's stored
    # HTML); 0011's own changes are checked above and, after the downgrade, below.
    with old.up("head") as engine:
        with session_scope(engine, write=False) as session:
            schedule = session.get(ConsultationSchedule, 1)
            assert schedule is not None and schedule.proposers == "agents"
            stored = session.get(Proposal, 1)
            assert stored is not None
            assert (stored.report_count, stored.hidden_at, stored.idempotency_key) == (
                0, None, None,
            )  # fmt: skip
            comments = list(session.scalars(select(Comment)))
            assert [(c.assisted_channel, c.idempotency_key) for c in comments] == [(None, None)] * 2
        with session_scope(engine) as session:
            session.add(Comment(proposal_id=1, author_id=1, body="Un", idempotency_key="k1"))
        with pytest.raises(IntegrityError), session_scope(engine) as session:
            session.add(Comment(proposal_id=1, author_id=1, body="Deux", idempotency_key="k1"))

    with old.down() as engine:
        assert "consultation_proposal_report" not in tables(engine)
        assert "idempotency_key" not in columns(engine, "consultation_comment")
        assert scalar(engine, "SELECT count(*) FROM consultation_comment") == 3
        assert scalar(engine, "SELECT count(*) FROM consultation_proposal") == 1
