"""council: the index's state read from an index, not from the meetings' rows

Every search reads the index's state (portal/council/fulltext.py STATE: each meeting's id, source
hash and reader version, and its count of passages spaCy has not read). On SQLite the meeting's
row holds its source file (`source_bytes`, up to megabytes of PDF) before `reader_version` and
`unread` (columns added later, at the row's end): reading them walked the file's overflow pages,
2.5 ms per search over a hundred meetings (the ten-year archive benchmark). A covering index
answers the same statement in 0.06 ms. PostgreSQL keeps large values out of line and may not use
it; it costs nothing there but its few rows.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_council_meeting_state",
        "council_meeting",
        ["id", "source_sha256", "reader_version", "unread"],
    )


def downgrade() -> None:
    op.drop_index("ix_council_meeting_state", table_name="council_meeting")
