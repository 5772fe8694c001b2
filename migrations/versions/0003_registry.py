"""registry tables

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_system",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("risk_category", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("service", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("personal_data", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("review_notified_for", sa.Date(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("published_revision", sa.Integer(), nullable=False),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["accounts_user.id"],
            name=op.f("fk_registry_system_owner_id_accounts_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_system")),
        sa.UniqueConstraint("slug", name=op.f("uq_registry_system_slug")),
    )
    with op.batch_alter_table("registry_system", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_system_next_review"), ["next_review"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_registry_system_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_registry_system_personal_data"), ["personal_data"], unique=False
        )
        batch_op.create_index(
            "ix_registry_system_published_name", ["published_revision", "name"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_registry_system_risk_category"), ["risk_category"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_registry_system_service"), ["service"], unique=False)
        batch_op.create_index(batch_op.f("ix_registry_system_status"), ["status"], unique=False)

    op.create_table(
        "registry_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by"],
            ["accounts_user.id"],
            name=op.f("fk_registry_question_answered_by_accounts_user"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["accounts_user.id"],
            name=op.f("fk_registry_question_author_id_accounts_user"),
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["registry_system.id"],
            name=op.f("fk_registry_question_system_id_registry_system"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_question")),
    )
    with op.batch_alter_table("registry_question", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_question_system_id"), ["system_id"], unique=False
        )

    op.create_table(
        "registry_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("base_revision", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("review_note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["accounts_user.id"],
            name=op.f("fk_registry_revision_author_id_accounts_user"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"],
            ["accounts_user.id"],
            name=op.f("fk_registry_revision_reviewed_by_accounts_user"),
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["registry_system.id"],
            name=op.f("fk_registry_revision_system_id_registry_system"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_revision")),
    )
    with op.batch_alter_table("registry_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registry_revision_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_registry_revision_system_id"), ["system_id"], unique=False
        )

    op.create_table(
        "registry_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("publisher_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("diff", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["accounts_user.id"],
            name=op.f("fk_registry_change_author_id_accounts_user"),
        ),
        sa.ForeignKeyConstraint(
            ["publisher_id"],
            ["accounts_user.id"],
            name=op.f("fk_registry_change_publisher_id_accounts_user"),
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["registry_revision.id"],
            name=op.f("fk_registry_change_revision_id_registry_revision"),
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["registry_system.id"],
            name=op.f("fk_registry_change_system_id_registry_system"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_change")),
        sa.UniqueConstraint(
            "system_id", "number", name=op.f("uq_registry_change_system_id_number")
        ),
    )
    with op.batch_alter_table("registry_change", schema=None) as batch_op:
        batch_op.create_index("ix_registry_change_published_at", ["published_at"], unique=False)


def downgrade() -> None:
    op.drop_table("registry_change")
    op.drop_table("registry_revision")
    op.drop_table("registry_question")
    op.drop_table("registry_system")
