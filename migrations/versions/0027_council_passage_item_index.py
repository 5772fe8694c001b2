"""council: passages found by their deliberation through an index

A question asking who voted or who presented ("qui a voté contre", "qui est le rapporteur") lifts
the vote line and the rapporteur line of the best deliberations (portal/council/search.py
kind_rerank), and the answers read a deliberation's decision and rapporteur lines
(portal/council/answer.py): each a statement on `council_passage.item_id`, which had no index.
On the ten-year archive (56,000 passages) each was a scan of the table, 3 to 12 ms of a question
that otherwise takes about 2 ms (issue 18). Deleting an item (ON DELETE SET NULL) scanned it too.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_council_passage_item_id", "council_passage", ["item_id"])


def downgrade() -> None:
    op.drop_index("ix_council_passage_item_id", table_name="council_passage")
