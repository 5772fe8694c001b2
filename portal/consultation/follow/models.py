"""Who follows which clause or proposal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.clock import utcnow


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
