"""Tables of the charter: versions, their sections and clauses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.clock import utcnow
from portal.consultation.vocabulary import VersionStatus


class CharterVersion(SQLModel, table=True):
    """One version of the charter: drafts are editable by officials, published ones never change."""

    __tablename__ = "consultation_version"

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    status: str = Field(default=VersionStatus.DRAFT, max_length=20, index=True)
    title: str = Field(max_length=300)
    preamble: str = ""
    publication_note: str | None = None
    # Why it was published while something was not done (shown with the version); None if all was.
    publication_reason: str | None = None
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
