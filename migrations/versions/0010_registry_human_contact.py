"""registry: monthly human-handover figures, one question per idempotency key, question reports
and hiding

- `registry_handover`: per system and month, the conversations, how many were passed to a person
  and the median time to reach one, entered by the system's owner (one row per system and month).
- `registry_question.idempotency_key`: the key the question form carries; unique per author, so
  the same form posted many times at once stores one question. Questions stored before have no
  key (NULL, which a unique constraint never compares) and stay as they are.
- `registry_question.hidden_at/hidden_by/hidden_reason`: a moderator hides a question from the
  public page (kept for the record); existing questions are visible (NULL).
- `registry_question_report`: a signed-in person reports a question to the moderators, once.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("handovers", sa.Integer(), nullable=False),
        sa.Column("median_minutes", sa.Float(), nullable=True),
        sa.Column("entered_by", sa.Integer(), nullable=True),
        sa.Column("entered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["registry_system.id"],
            name=op.f("fk_registry_handover_system_id_registry_system"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by"],
            ["accounts_user.id"],
            name=op.f("fk_registry_handover_entered_by_accounts_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_handover")),
        sa.UniqueConstraint(
            "system_id", "month", name=op.f("uq_registry_handover_system_id_month")
        ),
    )
    with op.batch_alter_table("registry_question", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("hidden_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("hidden_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("hidden_reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_registry_question_hidden_by_accounts_user"),
            "accounts_user",
            ["hidden_by"],
            ["id"],
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_registry_question_author_id_idempotency_key"),
            ["author_id", "idempotency_key"],
        )
    op.create_table(
        "registry_question_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["registry_question.id"],
            name=op.f("fk_registry_question_report_question_id_registry_question"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["accounts_user.id"],
            name=op.f("fk_registry_question_report_reporter_id_accounts_user"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by"],
            ["accounts_user.id"],
            name=op.f("fk_registry_question_report_resolved_by_accounts_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_question_report")),
        sa.UniqueConstraint(
            "question_id",
            "reporter_id",
            name=op.f("uq_registry_question_report_question_id_reporter_id"),
        ),
    )
    with op.batch_alter_table("registry_question_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_question_report_resolved_at"), ["resolved_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("registry_question_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_question_report_resolved_at"))
    op.drop_table("registry_question_report")
    with op.batch_alter_table("registry_question", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_registry_question_author_id_idempotency_key"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_registry_question_hidden_by_accounts_user"), type_="foreignkey"
        )
        batch_op.drop_column("hidden_reason")
        batch_op.drop_column("hidden_by")
        batch_op.drop_column("hidden_at")
        batch_op.drop_column("idempotency_key")
    op.drop_table("registry_handover")
