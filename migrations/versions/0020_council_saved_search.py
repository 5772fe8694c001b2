"""council: searches residents follow (saved-search alerts)

- council_saved_search: a signed-in resident's followed search (the query and its filters, as
  the search page's address), mailed by the council.saved_search_alerts job when minutes stored
  after `seen_meeting_id` have matching passages; `unsubscribe_token` lets the mail's link end it
  signed out. One row per person and search.

No stored row needs moving (the minutes, their passages and entities stay as they are). The
downgrade drops the table (followed searches are lost).

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "council_saved_search",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("query", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("params", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("seen_meeting_id", sa.Integer(), nullable=False),
        sa.Column("unsubscribe_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_mailed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["accounts_user.id"],
            name="fk_council_saved_search_user_id_accounts_user",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_council_saved_search"),
        sa.UniqueConstraint("user_id", "params", name="uq_council_saved_search_user_id_params"),
        sa.UniqueConstraint("unsubscribe_token", name="uq_council_saved_search_unsubscribe_token"),
    )
    op.create_index("ix_council_saved_search_user_id", "council_saved_search", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_council_saved_search_user_id", table_name="council_saved_search")
    op.drop_table("council_saved_search")
