"""Tables of the consultation module: charter versions, their sections and clauses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.db import utcnow

DRAFT = "draft"
PUBLISHED = "published"


class CharterVersion(SQLModel, table=True):
    """One version of the charter: drafts are editable by officials, published ones never change."""

    __tablename__ = "consultation_version"

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    status: str = Field(default=DRAFT, max_length=20, index=True)
    title: str = Field(max_length=300)
    preamble: str = ""
    publication_note: str | None = None
    published_at: datetime | None = None
    published_by: int | None = Field(default=None, foreign_key="accounts_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    lock_version: int = 1


class CharterSection(SQLModel, table=True):
    __tablename__ = "consultation_section"
    __table_args__ = (UniqueConstraint("version_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="consultation_version.id", ondelete="CASCADE")
    slug: str = Field(max_length=80)
    title: str = Field(max_length=300)
    position: int


class Clause(SQLModel, table=True):
    """An article of one version. `slug` is stable across versions: it is how diffs match clauses."""

    __tablename__ = "consultation_clause"
    __table_args__ = (
        UniqueConstraint("version_id", "number"),
        Index("ix_consultation_clause_version_slug", "version_id", "slug"),
    )

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="consultation_version.id", ondelete="CASCADE")
    number: int
    slug: str = Field(max_length=80)
    section_slug: str = Field(max_length=80)
    title: str = Field(max_length=300)
    body: str


# --- The consultation: phases, comments, supports, proposals, answers, moderation, following ---

# Phases of a draft version under consultation (CharterVersion.phase). A published version is
# PHASE_PUBLISHED; the scheduler moves DRAFTING -> OPEN at opens_at and OPEN -> REVIEW at closes_at.
PHASE_DRAFTING = "drafting"
PHASE_OPEN = "open"
PHASE_REVIEW = "review"
PHASE_PUBLISHED = "published"
PHASES = (PHASE_DRAFTING, PHASE_OPEN, PHASE_REVIEW, PHASE_PUBLISHED)

# What a support, a report or a follow points at.
TARGET_CLAUSE = "clause"
TARGET_COMMENT = "comment"
TARGET_PROPOSAL = "proposal"

# Proposal kinds and decisions (the latest answer's decision is copied to Proposal.status).
PROPOSAL_AMEND = "amend"
PROPOSAL_NEW = "new"
STATUS_PENDING = "pending"
DECISION_ACCEPTED = "accepted"
DECISION_ACCEPTED_WITH_CHANGES = "accepted_with_changes"
DECISION_REJECTED = "rejected"
DECISION_UNDER_STUDY = "under_study"
DECISIONS = (
    DECISION_ACCEPTED,
    DECISION_ACCEPTED_WITH_CHANGES,
    DECISION_REJECTED,
    DECISION_UNDER_STUDY,
)

# Why a comment may be hidden or reported (labels in French are the UI's business).
MODERATION_REASONS = (
    "insult",
    "harassment",
    "discrimination",
    "personal_data",
    "spam",
    "off_topic",
)

COMMENT_MAX_CHARS = 5000
COMMENT_EDIT_MINUTES = 15


class ConsultationSchedule(SQLModel, table=True):
    """The phase of one draft version and the dates at which the scheduler moves it on."""

    __tablename__ = "consultation_schedule"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="consultation_version.id", unique=True, ondelete="CASCADE")
    phase: str = Field(default=PHASE_DRAFTING, max_length=20, index=True)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    changed_at: datetime = Field(default_factory=utcnow)
    changed_by: int | None = Field(default=None, foreign_key="accounts_user.id")


class Proposal(SQLModel, table=True):
    """An agent's amendment to a clause (by its stable slug) or a new clause, for a draft version."""

    __tablename__ = "consultation_proposal"
    __table_args__ = (Index("ix_consultation_proposal_version_status", "version_id", "status"),)

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
    status: str = Field(default=STATUS_PENDING, max_length=30)
    support_count: int = 0
    comment_count: int = 0
    lock_version: int = 1
    # The clause of the next draft that the accepted text became (links answer -> change).
    applied_clause_id: int | None = Field(default=None, foreign_key="consultation_clause.id")


class Answer(SQLModel, table=True):
    """An official's public answer to a proposal, always with a reason; the latest one counts."""

    __tablename__ = "consultation_answer"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="consultation_proposal.id", index=True, ondelete="CASCADE")
    official_id: int = Field(foreign_key="accounts_user.id")
    decision: str = Field(max_length=30)
    reason: str
    final_text: str | None = None  # the text applied when accepted with changes
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Comment(SQLModel, table=True):
    """A resident's comment on a clause or on a proposal; replies have a parent (one level)."""

    __tablename__ = "consultation_comment"
    __table_args__ = (
        Index("ix_consultation_comment_clause_created", "clause_id", "created_at"),
        Index("ix_consultation_comment_proposal_created", "proposal_id", "created_at"),
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


class Report(SQLModel, table=True):
    """A report of a comment to the moderators; resolved when a moderator decides."""

    __tablename__ = "consultation_report"
    __table_args__ = (UniqueConstraint("comment_id", "reporter_id"),)

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="consultation_comment.id", index=True, ondelete="CASCADE")
    reporter_id: int = Field(foreign_key="accounts_user.id")
    reason: str = Field(max_length=60)
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = Field(default=None, index=True)
    resolved_by: int | None = Field(default=None, foreign_key="accounts_user.id")
    outcome: str | None = Field(default=None, max_length=20)  # hidden, kept


class ModerationAction(SQLModel, table=True):
    """Hide, restore, block, unblock: the public figures by reason are counted from this table."""

    __tablename__ = "consultation_moderation"

    id: int | None = Field(default=None, primary_key=True)
    action: str = Field(max_length=20, index=True)  # hide, restore, block, unblock
    comment_id: int | None = Field(default=None, foreign_key="consultation_comment.id")
    user_id: int | None = Field(default=None, foreign_key="accounts_user.id")  # blocked user
    moderator_id: int = Field(foreign_key="accounts_user.id")
    reason: str = Field(max_length=60)
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class Block(SQLModel, table=True):
    """A user blocked from taking part in the consultation (reading stays open to everyone)."""

    __tablename__ = "consultation_block"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="accounts_user.id", unique=True, ondelete="CASCADE")
    blocked_by: int = Field(foreign_key="accounts_user.id")
    reason: str = Field(max_length=60)
    created_at: datetime = Field(default_factory=utcnow)


class Follow(SQLModel, table=True):
    """A signed-in user following a clause (by slug, across versions) or a proposal."""

    __tablename__ = "consultation_follow"
    __table_args__ = (UniqueConstraint("user_id", "target_type", "target_key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="accounts_user.id", ondelete="CASCADE")
    target_type: str = Field(max_length=20)  # TARGET_CLAUSE (key = slug) or TARGET_PROPOSAL (id)
    target_key: str = Field(max_length=80)
    # Random token of the one-click unsubscribe link in every mail.
    unsubscribe_token: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
