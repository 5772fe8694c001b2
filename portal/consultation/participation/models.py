"""Tables of taking part: the phase of a draft, proposals, comments, supports, counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.clock import utcnow
from portal.consultation.vocabulary import Decision, Phase, Proposers

COMMENT_MAX_CHARS = 5000
COMMENT_EDIT_MINUTES = 15


class ConsultationSchedule(SQLModel, table=True):
    """The phase of one draft version and the dates at which the scheduler moves it on."""

    __tablename__ = "consultation_schedule"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="consultation_version.id", unique=True, ondelete="CASCADE")
    phase: str = Field(default=Phase.DRAFTING, max_length=20, index=True)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    changed_at: datetime = Field(default_factory=utcnow)
    changed_by: int | None = Field(default=None, foreign_key="accounts_user.id")
    # Who may propose amendments during this cycle: Proposers.AGENTS or Proposers.RESIDENTS.
    proposers: str = Field(default=Proposers.AGENTS, max_length=20)


class Proposal(SQLModel, table=True):
    """An agent's amendment to a clause (by its stable slug) or a new clause, for a draft version."""

    __tablename__ = "consultation_proposal"
    __table_args__ = (
        Index("ix_consultation_proposal_version_status", "version_id", "status"),
        Index("uq_consultation_proposal_idempotency_key", "idempotency_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="consultation_version.id", ondelete="CASCADE")
    kind: str = Field(max_length=10)  # PROPOSAL_AMEND or PROPOSAL_NEW
    clause_slug: str | None = Field(default=None, max_length=80, index=True)  # amended clause
    section_slug: str | None = Field(default=None, max_length=80)  # where a new clause goes
    title: str = Field(max_length=300)
    body: str  # the proposed text of the clause
    # The text the author started from (amendments): the page diffs against it even after an
    # accepted answer changed the draft.
    base_title: str | None = Field(default=None, max_length=300)
    base_body: str | None = None
    rationale: str
    author_id: int = Field(foreign_key="accounts_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default=Decision.PENDING, max_length=30)
    support_count: int = 0
    comment_count: int = 0
    lock_version: int = 1
    # The clause of the next draft that the accepted text became (links answer -> change).
    applied_clause_id: int | None = Field(default=None, foreign_key="consultation_clause.id")
    # Recorded by an agent (author_id) on behalf of a resident without an account: the channel
    # (vocabulary.Channel) and the name the resident agreed to show; never shown under the agent's.
    assisted_channel: str | None = Field(default=None, max_length=20)
    assisted_name: str | None = Field(default=None, max_length=120)
    # One create per form: the same form sent many times at once stores one row (a hash of the
    # author and the form's hidden key).
    idempotency_key: str | None = Field(default=None, max_length=64)
    hidden_at: datetime | None = None
    hidden_by: int | None = Field(default=None, foreign_key="accounts_user.id")
    hidden_reason: str | None = Field(default=None, max_length=60)
    report_count: int = 0


class Comment(SQLModel, table=True):
    """A resident's comment on a clause or on a proposal; replies have a parent (one level)."""

    __tablename__ = "consultation_comment"
    __table_args__ = (
        Index("ix_consultation_comment_clause_created", "clause_id", "created_at"),
        Index("ix_consultation_comment_proposal_created", "proposal_id", "created_at"),
        Index("uq_consultation_comment_idempotency_key", "idempotency_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    clause_id: int | None = Field(
        default=None, foreign_key="consultation_clause.id", ondelete="CASCADE"
    )
    proposal_id: int | None = Field(
        default=None, foreign_key="consultation_proposal.id", ondelete="CASCADE"
    )
    parent_id: int | None = Field(default=None, foreign_key="consultation_comment.id", index=True)
    author_id: int = Field(foreign_key="accounts_user.id", index=True)
    body: str
    created_at: datetime = Field(default_factory=utcnow, index=True)
    edited_at: datetime | None = None
    # Deleted by its author: the row stays as a placeholder so replies keep their context.
    deleted_at: datetime | None = None
    hidden_at: datetime | None = Field(default=None, index=True)
    hidden_by: int | None = Field(default=None, foreign_key="accounts_user.id")
    hidden_reason: str | None = Field(default=None, max_length=60)  # a key of MODERATION_REASONS
    hidden_note: str | None = Field(default=None, max_length=500)
    support_count: int = 0
    reply_count: int = 0
    report_count: int = 0
    # Recorded by an agent (author_id) on behalf of a resident without an account: the channel
    # (vocabulary.Channel) and the name the resident agreed to show; never shown under the agent's.
    assisted_channel: str | None = Field(default=None, max_length=20)
    assisted_name: str | None = Field(default=None, max_length=120)
    # One create per form: the same form sent many times at once stores one row (a hash of the
    # author and the form's hidden key).
    idempotency_key: str | None = Field(default=None, max_length=64)


class ClauseStats(SQLModel, table=True):
    """Maintained counters of one clause (kept apart so a published Clause row never changes)."""

    __tablename__ = "consultation_clause_stats"

    clause_id: int = Field(
        foreign_key="consultation_clause.id", primary_key=True, ondelete="CASCADE"
    )
    comment_count: int = 0
    support_count: int = 0


class Support(SQLModel, table=True):
    """One person's support of a clause, comment or proposal; only counts are ever public."""

    __tablename__ = "consultation_support"
    __table_args__ = (UniqueConstraint("user_id", "target_type", "target_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="accounts_user.id", ondelete="CASCADE")
    target_type: str = Field(max_length=20)
    target_id: int
    created_at: datetime = Field(default_factory=utcnow)
