"""council: each meeting's count of passages spaCy has not read; agenda items without a number

- `council_meeting.unread`: how many of the meeting's passages spaCy has not read yet
  (`council_passage.nlp_done` false). A search reads the index's state at every view (it keys the
  per-process vocabulary, corpus statistics and subjects, and the page says how many passages are
  not read yet); counting the unread passages at every view took 30 ms on PostgreSQL over a
  55,000-passage archive just ingested (a sequential scan: all rows match). Ingest sets it, the
  spaCy job lowers it by what it marks read; filled here from the passages.
- `council_item.number`: agenda items that are not deliberations ("Questions diverses", the
  minutes' approval) were stored with the text "None" as their number (the meeting page showed
  "Délibération n° None", the SCDL export a DELIB_ID "None"); they get NULL, as the parser now
  gives them.

The downgrade drops the column; numbers stay NULL (no version of the code reads "None").

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("council_meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unread", sa.Integer(), nullable=False, server_default="0"))
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE council_meeting SET unread = (SELECT count(*) FROM council_passage p "
            "WHERE p.meeting_id = council_meeting.id AND p.nlp_done = :f)"
        ),
        {"f": False},
    )
    bind.execute(sa.text("UPDATE council_item SET number = NULL WHERE number = 'None'"))


def downgrade() -> None:
    with op.batch_alter_table("council_meeting", schema=None) as batch_op:
        batch_op.drop_column("unread")
