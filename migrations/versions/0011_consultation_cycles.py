"""consultation: guarded publication, who may propose, assisted participation, one create per form,
proposals reported and hidden

- consultation_version.publication_reason: the written reason an official gave for publishing
  while something was not done (consultation still open, proposals without an answer, reports
  pending); published with the version.
- consultation_schedule.proposers: who may propose amendments during this cycle, "agents" (as
  before, the value every stored cycle takes) or "residents" (every signed-in person).
- consultation_comment / consultation_proposal: assisted_channel ("accueil", "telephone",
  "courrier") and assisted_name when an agent records a contribution on behalf of a resident who
  has no account; idempotency_key, unique, so that the same form sent 50 times at once creates one
  row (NULL for every row stored before, and unique indexes let NULLs repeat on both backends).
- consultation_proposal: hidden_at, hidden_by, hidden_reason, report_count, and the table
  consultation_proposal_report, so a resident's proposal is reported and hidden like a comment;
  consultation_moderation.proposal_id records such actions.

No stored row needs moving: the defaults say what the old code did. The downgrade drops what was
added (proposal reports, assisted markers and reasons are lost, as the old schema cannot hold them).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _assisted_and_key(batch: Any) -> None:
    batch.add_column(sa.Column("assisted_channel", sa.String(length=20), nullable=True))
    batch.add_column(sa.Column("assisted_name", sa.String(length=120), nullable=True))
    batch.add_column(sa.Column("idempotency_key", sa.String(length=64), nullable=True))


def upgrade() -> None:
    with op.batch_alter_table("consultation_version") as batch:
        batch.add_column(sa.Column("publication_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("consultation_schedule") as batch:
        batch.add_column(
            sa.Column("proposers", sa.String(length=20), nullable=False, server_default="agents")
        )
    with op.batch_alter_table("consultation_comment") as batch:
        _assisted_and_key(batch)
    op.create_index(
        "uq_consultation_comment_idempotency_key",
        "consultation_comment",
        ["idempotency_key"],
        unique=True,
    )
    with op.batch_alter_table("consultation_proposal") as batch:
        _assisted_and_key(batch)
        batch.add_column(sa.Column("hidden_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("hidden_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("hidden_reason", sa.String(length=60), nullable=True))
        batch.add_column(
            sa.Column("report_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch.create_foreign_key(
            "fk_consultation_proposal_hidden_by_accounts_user",
            "accounts_user",
            ["hidden_by"],
            ["id"],
        )
    op.create_index(
        "uq_consultation_proposal_idempotency_key",
        "consultation_proposal",
        ["idempotency_key"],
        unique=True,
    )
    with op.batch_alter_table("consultation_moderation") as batch:
        batch.add_column(sa.Column("proposal_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_consultation_moderation_proposal_id_consultation_proposal",
            "consultation_proposal",
            ["proposal_id"],
            ["id"],
        )
    op.create_table(
        "consultation_proposal_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["consultation_proposal.id"],
            name="fk_consultation_proposal_report_proposal",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["accounts_user.id"],
            name="fk_consultation_proposal_report_reporter",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by"],
            ["accounts_user.id"],
            name="fk_consultation_proposal_report_resolver",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_consultation_proposal_report"),
        sa.UniqueConstraint(
            "proposal_id",
            "reporter_id",
            name="uq_consultation_proposal_report_reporter",
        ),
    )
    op.create_index(
        "ix_consultation_proposal_report_proposal_id",
        "consultation_proposal_report",
        ["proposal_id"],
    )
    op.create_index(
        "ix_consultation_proposal_report_resolved_at",
        "consultation_proposal_report",
        ["resolved_at"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_consultation_proposal_report_resolved_at", table_name="consultation_proposal_report"
    )
    op.drop_index(
        "ix_consultation_proposal_report_proposal_id", table_name="consultation_proposal_report"
    )
    op.drop_table("consultation_proposal_report")
    with op.batch_alter_table("consultation_moderation") as batch:
        batch.drop_constraint(
            "fk_consultation_moderation_proposal_id_consultation_proposal", type_="foreignkey"
        )
        batch.drop_column("proposal_id")
    op.drop_index("uq_consultation_proposal_idempotency_key", table_name="consultation_proposal")
    with op.batch_alter_table("consultation_proposal") as batch:
        batch.drop_constraint(
            "fk_consultation_proposal_hidden_by_accounts_user", type_="foreignkey"
        )
        for name in (
            "report_count",
            "hidden_reason",
            "hidden_by",
            "hidden_at",
            "idempotency_key",
            "assisted_name",
            "assisted_channel",
        ):
            batch.drop_column(name)
    op.drop_index("uq_consultation_comment_idempotency_key", table_name="consultation_comment")
    with op.batch_alter_table("consultation_comment") as batch:
        for name in ("idempotency_key", "assisted_name", "assisted_channel"):
            batch.drop_column(name)
    with op.batch_alter_table("consultation_schedule") as batch:
        batch.drop_column("proposers")
    with op.batch_alter_table("consultation_version") as batch:
        batch.drop_column("publication_reason")
