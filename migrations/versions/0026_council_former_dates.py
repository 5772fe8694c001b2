"""council: the dates meetings were stored under before a re-read corrected them

`council_former_date` (day, meeting): when a newer reader reads stored minutes again and finds
another date (portal/council/services.py reread), the date the meeting had is kept here, and the
meeting's links under that date (/council/m/<day>, its passages' permanent links, its source)
redirect permanently to its new date instead of answering 404. Downgrade drops the table (the old
links then answer 404, as before).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "council_former_date",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["council_meeting.id"],
            name="fk_council_former_date_meeting_id_council_meeting",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("day", name="pk_council_former_date"),
    )
    op.create_index("ix_council_former_date_meeting_id", "council_former_date", ["meeting_id"])


def downgrade() -> None:
    op.drop_index("ix_council_former_date_meeting_id", table_name="council_former_date")
    op.drop_table("council_former_date")
