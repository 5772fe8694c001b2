"""Tables of the synthesis of residents' comments (migration 0005).

A run is one computation of the pipeline (portal/nlp/cluster.py) over the visible comments of a
charter version: the whole consultation (themes with no clause) and each clause. Officials edit
the latest draft run (rename, merge, move a comment), every edit kept as a row, and publish it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal.clock import utcnow

RUN_DRAFT = "draft"
RUN_PUBLISHED = "published"
RUN_ARCHIVED = "archived"  # a published run replaced by a newer publication

EDIT_RENAME = "rename"
EDIT_MERGE = "merge"
EDIT_MOVE = "move"


class SynthesisRun(SQLModel, table=True):
    __tablename__ = "consultation_synthesis_run"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="consultation_version.id", index=True, ondelete="CASCADE")
    status: str = Field(default=RUN_DRAFT, max_length=20, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    comment_count: int = 0
    # What the run was computed from: a digest of the visible comments' ids and edit times.
    fingerprint: str = Field(max_length=64)
    parameters: str = "{}"  # JSON: the method's parameters, as the pipeline reported them
    duplicates: str = "[]"  # JSON: [[comment ids], ...] of the whole consultation
    seconds: float = 0.0
    published_at: datetime | None = None
    published_by: int | None = Field(default=None, foreign_key="accounts_user.id")


class SynthesisTheme(SQLModel, table=True):
    __tablename__ = "consultation_synthesis_theme"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="consultation_synthesis_run.id", index=True, ondelete="CASCADE")
    clause_id: int | None = Field(
        default=None, foreign_key="consultation_clause.id", ondelete="CASCADE"
    )
    position: int = 0  # order found by the machine (largest first)
    auto_label: str = Field(max_length=300)  # the machine's label, never changed
    label: str = Field(max_length=300)  # the label shown (renamed by an official, or the same)
    key_terms: str = "[]"  # JSON list of key phrases
    representative_ids: str = "[]"  # JSON list of comment ids, most central first
    # Since 0015: mean share of runs in which two of its comments fell together (NULL: computed
    # before it was measured); the comments holding the label; its singular arguments.
    coherence: float | None = None
    label_source_ids: str = "[]"
    singular_ids: str = "[]"
    auto_size: int = 0  # comments the machine put here
    is_other: bool = False  # the "other" group
    merged_into_id: int | None = Field(default=None, foreign_key="consultation_synthesis_theme.id")


class SynthesisMember(SQLModel, table=True):
    """A comment in a theme; a comment raising two subjects is in two themes (one primary)."""

    __tablename__ = "consultation_synthesis_member"

    id: int | None = Field(default=None, primary_key=True)
    theme_id: int = Field(
        foreign_key="consultation_synthesis_theme.id", index=True, ondelete="CASCADE"
    )
    comment_id: int = Field(foreign_key="consultation_comment.id", index=True, ondelete="CASCADE")
    is_primary: bool = True
    auto_theme_id: int | None = None  # where the machine put it, when an official moved it


class SynthesisEdit(SQLModel, table=True):
    """One manual change to a run, shown in public beside the automatic result."""

    __tablename__ = "consultation_synthesis_edit"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="consultation_synthesis_run.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=20)  # EDIT_RENAME, EDIT_MERGE, EDIT_MOVE
    theme_id: int = Field(foreign_key="consultation_synthesis_theme.id")
    target_theme_id: int | None = Field(default=None, foreign_key="consultation_synthesis_theme.id")
    comment_id: int | None = Field(default=None, foreign_key="consultation_comment.id")
    old_value: str = Field(default="", max_length=300)
    new_value: str = Field(default="", max_length=300)
    author_id: int = Field(foreign_key="accounts_user.id")
    created_at: datetime = Field(default_factory=utcnow)
