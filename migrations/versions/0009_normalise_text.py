"""text as people meant it: CRLF, NFC, trailing spaces and control characters in stored text

Browsers send textareas with CRLF; before 0009 the portal stored user text as it came, so a
proposal's diff against an untouched article showed every line deleted and added again. From now on
every form's text is normalised at the edge (portal.text.normalise_input); this revision brings what
is already stored to the same form: comments, proposals (and the text they started from), official
answers, reports' notes, register questions and answers, synthesis theme names, and the articles of
draft versions. Published versions are left byte for byte as they were published.

The function is copied here rather than imported, so that this revision keeps doing what it did
when the application's own function changes. Downgrade changes nothing: the old code reads either.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TRAILING_SPACES = re.compile(r"[ \t]+$", re.M)

# table -> text columns normalised in every row
COLUMNS = {
    "consultation_comment": ("body",),
    "consultation_proposal": ("title", "body", "base_title", "base_body", "rationale"),
    "consultation_answer": ("reason", "final_text"),
    "consultation_report": ("note",),
    "registry_question": ("body", "answer"),
    "consultation_synthesis_theme": ("label",),
}


def normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = _CONTROLS.sub("", text)
    return _TRAILING_SPACES.sub("", text)


def _normalise_rows(bind: sa.engine.Connection, table: str, columns: tuple[str, ...],
                    where: str = "") -> None:  # fmt: skip
    selected = ", ".join(columns)
    rows = bind.execute(sa.text(f"SELECT id, {selected} FROM {table} {where}")).all()  # noqa: S608
    for row in rows:
        changes = {
            column: normalise(value)
            for column, value in zip(columns, row[1:], strict=True)
            if isinstance(value, str) and normalise(value) != value
        }
        if changes:
            assignments = ", ".join(f"{column} = :{column}" for column in changes)
            bind.execute(
                sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"),  # noqa: S608
                {**changes, "id": row[0]},
            )


def upgrade() -> None:
    bind = op.get_bind()
    for table, columns in COLUMNS.items():
        _normalise_rows(bind, table, columns)
    _normalise_rows(
        bind,
        "consultation_clause",
        ("title", "body"),
        "WHERE version_id IN (SELECT id FROM consultation_version WHERE status = 'draft')",
    )


def downgrade() -> None:
    pass
