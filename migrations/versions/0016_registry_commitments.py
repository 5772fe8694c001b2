"""registry: checkable commitments of the charter, and the last known state of each system

- `registry_commitment`: an official attaches to an article of the charter (`clause_slug`) a
  rule over register fields chosen from a small vocabulary (`check`: present, in_set,
  date_within, channels_reachable), with its `field`, `allowed` values or `months`, and the
  systems it applies to (`scope`). Never free code.
- `registry_commitment_state`: per commitment and system, whether it was met when last checked
  and since when; the job mails the owner when a commitment stops being met.

No data to move: both tables start empty (the demo loader adds the four examples of issue 15).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clause_slug", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("check", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("allowed", sa.JSON(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=True),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["accounts_user.id"],
            name=op.f("fk_registry_commitment_created_by_accounts_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_commitment")),
    )
    with op.batch_alter_table("registry_commitment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_commitment_clause_slug"), ["clause_slug"], unique=False
        )
    op.create_table(
        "registry_commitment_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.Column("since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["registry_commitment.id"],
            name=op.f("fk_registry_commitment_state_commitment_id_registry_commitment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["registry_system.id"],
            name=op.f("fk_registry_commitment_state_system_id_registry_system"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_commitment_state")),
        sa.UniqueConstraint(
            "commitment_id",
            "system_id",
            name=op.f("uq_registry_commitment_state_commitment_id_system_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("registry_commitment_state")
    with op.batch_alter_table("registry_commitment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_commitment_clause_slug"))
    op.drop_table("registry_commitment")
