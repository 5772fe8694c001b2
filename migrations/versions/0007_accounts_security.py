"""accounts: one lock row per login-throttle key

Counting an address's or a client's recent failed logins and recording a new attempt becomes one
step: the attempt locks its key's row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
writers are serialised already), so parallel attempts are judged one after another. The rows
are created on first use; the attempts already stored keep counting as they are (a row with
`success` true was a right password and is no longer counted, which is the intended change).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts_login_throttle",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_accounts_login_throttle")),
    )


def downgrade() -> None:
    op.drop_table("accounts_login_throttle")
