"""council: uploads are read by the worker, not in the request

- council_upload: a minutes file an agent sent, with its status (queued, parsing, done, refused),
  the refusal's reason, the meeting it became and when. The request stores the file and `queued`;
  the worker parses it outside any transaction, with caps on inflated size, pages and time.
  `sha256` is unique, so the same file sent many times at once is one upload.

No stored row needs moving: minutes uploaded before were stored at once as meetings, which keep
their source. The downgrade drops the table (files still waiting in it are lost).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "council_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("meeting_date", sa.Date(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["accounts_user.id"],
            name="fk_council_upload_actor_id_accounts_user",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_council_upload"),
        sa.UniqueConstraint("sha256", name="uq_council_upload_sha256"),
    )
    op.create_index("ix_council_upload_status", "council_upload", ["status"])


def downgrade() -> None:
    op.drop_index("ix_council_upload_status", table_name="council_upload")
    op.drop_table("council_upload")
