"""Tables of the registry module: systems, their revisions (drafts), published changes, questions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.clock import utcnow


class System(SQLModel, table=True):
    """One algorithm or AI system. `data` is the published entry (None until first publication);
    the filter columns copy it so that every filter has an index."""

    __tablename__ = "registry_system"
    __table_args__ = (Index("ix_registry_system_published_name", "published_revision", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=200)
    status: str = Field(max_length=20, index=True)
    risk_category: str = Field(max_length=20, index=True)
    service: str = Field(max_length=200, index=True)
    personal_data: bool = Field(default=False, index=True)
    owner_id: int | None = Field(default=None, foreign_key="accounts_user.id", index=True)
    next_review: date | None = Field(default=None, index=True)
    review_notified_for: date | None = None
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    published_revision: int = 0
    published_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Revision(SQLModel, table=True):
    """A proposed state of an entry: a draft until an official publishes or rejects it."""

    __tablename__ = "registry_revision"

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="registry_system.id", index=True, ondelete="CASCADE")
    status: str = Field(default="draft", max_length=20, index=True)
    base_revision: int = 0
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    summary: str = Field(max_length=500)
    author_id: int | None = Field(default=None, foreign_key="accounts_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    reviewed_by: int | None = Field(default=None, foreign_key="accounts_user.id")
    reviewed_at: datetime | None = None
    review_note: str | None = Field(default=None, max_length=1000)
    # Fields a later publication and this draft's author both changed (the author's kept), for
    # the reviewer; None when nothing was merged.
    merge_conflicts: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Change(SQLModel, table=True):
    """A published change: the public history line, with the field-by-field difference."""

    __tablename__ = "registry_change"
    __table_args__ = (
        UniqueConstraint("system_id", "number"),
        Index("ix_registry_change_published_at", "published_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="registry_system.id", ondelete="CASCADE")
    revision_id: int | None = Field(default=None, foreign_key="registry_revision.id")
    number: int
    summary: str = Field(max_length=500)
    author_id: int | None = Field(default=None, foreign_key="accounts_user.id")
    publisher_id: int | None = Field(default=None, foreign_key="accounts_user.id")
    published_at: datetime = Field(default_factory=utcnow)
    diff: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Question(SQLModel, table=True):
    """A resident's question or problem report on an entry, and the owner's public answer.

    `idempotency_key` comes from the form: the same form posted twice (a double click, a retry,
    fifty parallel requests) stores one question, the unique constraint deciding."""

    __tablename__ = "registry_question"
    __table_args__ = (UniqueConstraint("author_id", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="registry_system.id", index=True, ondelete="CASCADE")
    author_id: int = Field(foreign_key="accounts_user.id")
    kind: str = Field(default="question", max_length=20)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_by: int | None = Field(default=None, foreign_key="accounts_user.id")
    answered_at: datetime | None = None
    idempotency_key: str | None = Field(default=None, max_length=64)
    hidden_at: datetime | None = None
    hidden_by: int | None = Field(default=None, foreign_key="accounts_user.id")
    hidden_reason: str | None = Field(default=None, max_length=200)


class QuestionReport(SQLModel, table=True):
    """A signed-in person reports a question to the moderators (once per person and question)."""

    __tablename__ = "registry_question_report"
    __table_args__ = (UniqueConstraint("question_id", "reporter_id"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="registry_question.id", ondelete="CASCADE")
    reporter_id: int = Field(foreign_key="accounts_user.id")
    reason: str = Field(max_length=20)
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = Field(default=None, index=True)
    resolved_by: int | None = Field(default=None, foreign_key="accounts_user.id")


class Handover(SQLModel, table=True):
    """One month of a system's passing people to a human, entered by the system's owner."""

    __tablename__ = "registry_handover"
    __table_args__ = (UniqueConstraint("system_id", "month"),)

    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="registry_system.id", ondelete="CASCADE")
    month: str = Field(max_length=7)  # "AAAA-MM"
    conversations: int
    handovers: int
    median_minutes: float | None = None
    entered_by: int | None = Field(default=None, foreign_key="accounts_user.id")
    entered_at: datetime = Field(default_factory=utcnow)


class Commitment(SQLModel, table=True):
    """A checkable commitment: a rule over register fields, attached to an article of the
    charter, chosen from a small vocabulary (portal/registry/commitments/services.py)."""

    __tablename__ = "registry_commitment"

    id: int | None = Field(default=None, primary_key=True)
    clause_slug: str = Field(max_length=80, index=True)
    title: str = Field(max_length=200)
    check: str = Field(max_length=30)
    field: str | None = Field(default=None, max_length=120)
    allowed: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    months: int | None = None
    scope: str = Field(default="all", max_length=30)
    created_by: int | None = Field(default=None, foreign_key="accounts_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class CommitmentState(SQLModel, table=True):
    """Whether a system met a commitment when last checked, and since when (for the job)."""

    __tablename__ = "registry_commitment_state"
    __table_args__ = (UniqueConstraint("commitment_id", "system_id"),)

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="registry_commitment.id", ondelete="CASCADE")
    system_id: int = Field(foreign_key="registry_system.id", ondelete="CASCADE")
    met: bool
    since: datetime = Field(default_factory=utcnow)


class IncompleteDraft(SQLModel, table=True):
    """What an agent typed in the entry editor and kept without sending it for review: `form`
    holds the editor's inputs exactly as typed (required fields missing, values invalid), so the
    form reopens with everything and its errors. Never an entry: nothing public reads this
    table; `system_id` is the entry being changed, None for a new one."""

    __tablename__ = "registry_incomplete_draft"

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="accounts_user.id", index=True, ondelete="CASCADE")
    system_id: int | None = Field(
        default=None, foreign_key="registry_system.id", ondelete="CASCADE"
    )
    form: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The entry's published revision the draft was started from (None for a new entry).
    base_revision: int | None = None
    summary: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
