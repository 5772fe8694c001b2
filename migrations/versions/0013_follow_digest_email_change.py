"""follow mails at once or in a daily digest; a changed e-mail address waits for its confirmation

Followers of a clause or a proposal now get its new comments and replies, each follow at the pace
its owner chose (`frequency`: "immediate", the default, or "daily"). Follows stored before this
revision keep mailing at once, as the page promised. Which comment was already mailed to which
follow is kept in `consultation_follow_delivery` (one row each), so a job run twice, or a comment
committed late, never sends a mail twice nor skips one. A daily digest gathers several follows in
one mail; its one-click unsubscribe token (`consultation_follow_digest`) names them.

A one-time token may now carry the new address of an e-mail change (`accounts_token.new_email`):
the address changes only when the link mailed to it is opened.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultation_follow") as batch:
        batch.add_column(
            sa.Column(
                "frequency",
                sqlmodel.sql.sqltypes.AutoString(length=10),
                nullable=False,
                server_default="immediate",
            )
        )
    op.create_table(
        "consultation_follow_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follow_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("mailed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["follow_id"],
            ["consultation_follow.id"],
            name=op.f("fk_consultation_follow_delivery_follow_id_consultation_follow"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["consultation_comment.id"],
            name=op.f("fk_consultation_follow_delivery_comment_id_consultation_comment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_follow_delivery")),
        sa.UniqueConstraint(
            "follow_id",
            "comment_id",
            name=op.f("uq_consultation_follow_delivery_follow_id_comment_id"),
        ),
    )
    op.create_index(
        op.f("ix_consultation_follow_delivery_mailed_at"),
        "consultation_follow_delivery",
        ["mailed_at"],
    )
    op.create_index(
        op.f("ix_consultation_follow_delivery_comment_id"),
        "consultation_follow_delivery",
        ["comment_id"],
    )
    op.create_table(
        "consultation_follow_digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("follow_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["accounts_user.id"],
            name=op.f("fk_consultation_follow_digest_user_id_accounts_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_follow_digest")),
        sa.UniqueConstraint("token", name=op.f("uq_consultation_follow_digest_token")),
    )
    op.create_index(
        op.f("ix_consultation_follow_digest_created_at"),
        "consultation_follow_digest",
        ["created_at"],
    )
    with op.batch_alter_table("accounts_token") as batch:
        batch.add_column(
            sa.Column("new_email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True)
        )


def downgrade() -> None:
    # E-mail changes not yet confirmed are dropped with their links: the old code could not
    # tell them from a sign-up confirmation.
    op.execute(sa.text("DELETE FROM accounts_token WHERE new_email IS NOT NULL"))
    with op.batch_alter_table("accounts_token") as batch:
        batch.drop_column("new_email")
    op.drop_index(
        op.f("ix_consultation_follow_digest_created_at"), table_name="consultation_follow_digest"
    )
    op.drop_table("consultation_follow_digest")
    op.drop_index(
        op.f("ix_consultation_follow_delivery_comment_id"),
        table_name="consultation_follow_delivery",
    )
    op.drop_index(
        op.f("ix_consultation_follow_delivery_mailed_at"),
        table_name="consultation_follow_delivery",
    )
    op.drop_table("consultation_follow_delivery")
    with op.batch_alter_table("consultation_follow") as batch:
        batch.drop_column("frequency")
