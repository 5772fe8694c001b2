"""Reports, moderators' actions and blocks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.clock import utcnow


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


class ProposalReport(SQLModel, table=True):
    """A report of a resident's proposal to the moderators, as for a comment."""

    __tablename__ = "consultation_proposal_report"
    __table_args__ = (UniqueConstraint("proposal_id", "reporter_id"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="consultation_proposal.id", index=True, ondelete="CASCADE")
    reporter_id: int = Field(foreign_key="accounts_user.id")
    reason: str = Field(max_length=60)
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = Field(default=None, index=True)
    resolved_by: int | None = Field(default=None, foreign_key="accounts_user.id")
    outcome: str | None = Field(default=None, max_length=20)


class ModerationAction(SQLModel, table=True):
    """Hide, restore, block, unblock: the public figures by reason are counted from this table."""

    __tablename__ = "consultation_moderation"

    id: int | None = Field(default=None, primary_key=True)
    action: str = Field(max_length=20, index=True)  # hide, restore, block, unblock
    comment_id: int | None = Field(default=None, foreign_key="consultation_comment.id")
    proposal_id: int | None = Field(default=None, foreign_key="consultation_proposal.id")
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
