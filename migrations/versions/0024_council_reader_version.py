"""council: the version of the minutes reader each meeting was read by

- `council_meeting.reader_version`: the `portal.council.parse.READER_VERSION` whose rules read
  the stored meeting (its date, facts, items, votes and passages). Rows stored before this
  revision get 0: read by an older reader, so the `council.reread` job (and `portal council
  reread`) reads them again from their source (`council_meeting.source_bytes`) with today's
  reader, keeping the rows and anchors of passages whose text did not change (as 0008 did once).
- `council_meeting.reader_tried`: the reader version of the last re-read, even one that left the
  meeting as it was (its source cannot be read any more, or the date read is another stored
  meeting's): the job does not try it again until the reader changes again; the command does.

Nothing else moves here: the re-read itself runs in the worker, outside the migration (a PDF
read by pypdf may take seconds; a migration holds the write lock). The downgrade drops both
columns.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("council_meeting", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reader_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("reader_tried", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("council_meeting", schema=None) as batch_op:
        batch_op.drop_column("reader_tried")
        batch_op.drop_column("reader_version")
