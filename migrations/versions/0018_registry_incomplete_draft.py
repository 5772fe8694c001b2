"""registry: an agent's incomplete draft, kept as typed

- `registry_incomplete_draft`: what an agent typed in the field-by-field editor and saved
  without sending it for review, required fields missing or values invalid included. `form`
  holds the editor's inputs exactly as typed (input name -> text), so the form reopens with
  everything and the same errors beside their fields; `system_id` names the entry being
  changed, or is NULL for a new entry. These rows are never an entry: public pages, exports,
  the API and open data read `registry_system` and `registry_revision`, which only ever hold
  valid entries (the entry format is unchanged).

No stored row needs moving: the table starts empty. The downgrade drops it (unsent drafts are
lost; sent drafts and published entries are untouched).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_incomplete_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=True),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["accounts_user.id"],
            name=op.f("fk_registry_incomplete_draft_author_id_accounts_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["registry_system.id"],
            name=op.f("fk_registry_incomplete_draft_system_id_registry_system"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_incomplete_draft")),
    )
    with op.batch_alter_table("registry_incomplete_draft", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_incomplete_draft_author_id"), ["author_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("registry_incomplete_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_incomplete_draft_author_id"))
    op.drop_table("registry_incomplete_draft")
