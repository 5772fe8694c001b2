"""council: questions residents forward to the clerk's office, answered in public

- council_question: a question the minutes did not answer, forwarded by a signed-in resident
  from the answer page; the office answers it from its desk (optionally citing a passage by its
  meeting and permanent anchor), the asker is mailed, and answered questions form the public list
  "Questions des habitants". `dedup_key` (the asker and the folded text) is unique: the same
  question forwarded twice, or fifty times at once, is one.

No stored row needs moving. The downgrade drops the table (forwarded questions are lost).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "council_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("dedup_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("cited_meeting", sa.Date(), nullable=True),
        sa.Column("cited_anchor", sa.Integer(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["asker_id"],
            ["accounts_user.id"],
            name="fk_council_question_asker_id_accounts_user",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["answered_by"],
            ["accounts_user.id"],
            name="fk_council_question_answered_by_accounts_user",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_council_question"),
        sa.UniqueConstraint("dedup_key", name="uq_council_question_dedup_key"),
    )
    op.create_index("ix_council_question_status", "council_question", ["status"])


def downgrade() -> None:
    op.drop_index("ix_council_question_status", table_name="council_question")
    op.drop_table("council_question")
