"""Who follows which clause or proposal, at what pace, and what was already mailed to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.clock import utcnow
from portal.web.i18n import N_, gettext


class Frequency(StrEnum):
    """How often a follower hears of new comments and replies (its own word of this part)."""

    IMMEDIATE = "immediate"
    DAILY = "daily"

    @property
    def label(self) -> str:
        return gettext(FREQUENCY_LABELS[self])


FREQUENCY_LABELS = {
    Frequency.IMMEDIATE: N_("à chaque nouveau message"),
    Frequency.DAILY: N_("un résumé par jour"),
}


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
    frequency: str = Field(
        default=Frequency.IMMEDIATE.value,
        max_length=10,
        sa_column_kwargs={"server_default": Frequency.IMMEDIATE.value},
    )


class FollowDelivery(SQLModel, table=True):
    """One comment mailed to one follow: the job that mails never sends it twice nor skips it."""

    __tablename__ = "consultation_follow_delivery"
    __table_args__ = (UniqueConstraint("follow_id", "comment_id"),)

    id: int | None = Field(default=None, primary_key=True)
    follow_id: int = Field(foreign_key="consultation_follow.id", ondelete="CASCADE")
    comment_id: int = Field(foreign_key="consultation_comment.id", ondelete="CASCADE", index=True)
    mailed_at: datetime = Field(default_factory=utcnow, index=True)


class FollowDigest(SQLModel, table=True):
    """A daily digest sent: its one-click unsubscribe token ends the follows it gathered."""

    __tablename__ = "consultation_follow_digest"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="accounts_user.id", ondelete="CASCADE")
    token: str = Field(max_length=64, unique=True)
    follow_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)
