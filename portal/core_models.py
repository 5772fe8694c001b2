"""Tables shared by every module: the audit trail, the mail outbox, scheduler slots."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.clock import utcnow


class AuditEvent(SQLModel, table=True):
    """Who did what, when: every state change made by a person or a job."""

    __tablename__ = "core_audit"
    __table_args__ = (Index("ix_core_audit_object", "object_type", "object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="accounts_user.id", index=True)
    action: str = Field(max_length=80, index=True)
    object_type: str = Field(max_length=60)
    object_id: str = Field(max_length=80)
    detail: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class OutboxMail(SQLModel, table=True):
    """Every mail the portal sends; delivered by SMTP when configured, else read from the outbox."""

    __tablename__ = "core_mail_outbox"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    to_address: str = Field(max_length=320, index=True)
    subject: str = Field(max_length=300)
    body: str
    headers: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sent_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None


class JobRun(SQLModel, table=True):
    """One scheduled slot of one job: the unique key makes a slot run once across processes."""

    __tablename__ = "core_job_run"
    __table_args__ = (UniqueConstraint("job", "slot"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=80)
    slot: str = Field(max_length=40)
    worker: str = Field(max_length=120)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: str = Field(default="running", max_length=20)
    message: str | None = None
