"""accounts: one lock row per login-throttle key; display names unique without case

Counting an address's or a client's recent failed logins and recording a new attempt becomes one
step: the attempt locks its key's row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
writers are serialised already), so parallel attempts are judged one after another. The rows
are created on first use; the attempts already stored keep counting as they are (a row with
`success` true was a right password and is no longer counted, which is the intended change).

Display names were unique as typed and checked without case by a read before the write, which
two sign-ups at the same instant could both pass on PostgreSQL. A unique index on
lower(display_name) now decides. Names stored before that differ only by case keep the oldest
account's as is; the later ones get their account number appended ("claire" -> "claire 12"),
which the downgrade does not undo (the old schema accepts either).

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


NAME_INDEX = "uq_accounts_user_display_name_lower"
NAME_MAX = 60


def _rename_case_duplicates() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, display_name FROM accounts_user ORDER BY id")).all()
    taken = {str(name).lower() for _, name in rows}
    seen: set[str] = set()
    for user_id, name in rows:
        if str(name).lower() not in seen:
            seen.add(str(name).lower())
            continue
        n = 0
        while True:
            suffix = f" {user_id}" + (f"-{n}" if n else "")
            candidate = str(name)[: NAME_MAX - len(suffix)].rstrip() + suffix
            if candidate.lower() not in taken:
                break
            n += 1
        taken.add(candidate.lower())
        seen.add(candidate.lower())
        bind.execute(
            sa.text("UPDATE accounts_user SET display_name = :name WHERE id = :id"),
            {"name": candidate, "id": user_id},
        )


def upgrade() -> None:
    _rename_case_duplicates()
    op.create_index(NAME_INDEX, "accounts_user", [sa.text("lower(display_name)")], unique=True)
    op.create_table(
        "accounts_login_throttle",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_accounts_login_throttle")),
    )


def downgrade() -> None:
    op.drop_table("accounts_login_throttle")
    op.drop_index(NAME_INDEX, table_name="accounts_user")
