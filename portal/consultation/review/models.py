"""The officials' answers to proposals."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal.clock import utcnow


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
