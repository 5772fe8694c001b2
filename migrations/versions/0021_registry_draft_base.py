"""registry: the version an incomplete draft was started from, and the fields merged over it

- `registry_incomplete_draft.base_revision`: the entry's published revision when the agent
  started the draft (NULL for a new entry). When the entry has been published again since,
  reopening or sending the draft warns the agent, takes the online value for every field the
  agent did not touch and keeps the agent's value where both changed.
- `registry_revision.merge_conflicts`: the fields of a draft for review that the agent and a
  later publication both changed (the agent's value kept), shown to the reviewer beside each
  field; NULL for drafts sent before (nothing was merged).

Drafts kept before this revision have no recorded base: it is set to the entry's last
publication at or before the draft's creation (the version the editor showed then), or the
entry's current revision when its history has none. The downgrade drops both columns (the
drafts themselves are kept).

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE registry_incomplete_draft SET base_revision = COALESCE(
    (SELECT MAX(c.number) FROM registry_change c
      WHERE c.system_id = registry_incomplete_draft.system_id
        AND c.published_at <= registry_incomplete_draft.created_at),
    (SELECT s.published_revision FROM registry_system s
      WHERE s.id = registry_incomplete_draft.system_id))
WHERE system_id IS NOT NULL
"""


def upgrade() -> None:
    with op.batch_alter_table("registry_incomplete_draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("base_revision", sa.Integer(), nullable=True))
    op.execute(sa.text(BACKFILL))
    with op.batch_alter_table("registry_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merge_conflicts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("registry_revision", schema=None) as batch_op:
        batch_op.drop_column("merge_conflicts")
    with op.batch_alter_table("registry_incomplete_draft", schema=None) as batch_op:
        batch_op.drop_column("base_revision")
