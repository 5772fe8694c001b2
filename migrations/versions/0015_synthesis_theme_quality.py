"""synthesis: each theme's coherence, the comments its label comes from, its singular arguments

- `consultation_synthesis_theme.coherence`: the mean share of clustering runs in which two of the
  theme's comments fell together. Themes computed before were never measured: NULL, shown as
  "non mesurée", never as a figure.
- `consultation_synthesis_theme.label_source_ids`: JSON list of the comments that hold the theme's
  label (a phrase written in at least two of them). Themes computed before were labelled with
  keywords that no comment holds as such: "[]".
- `consultation_synthesis_theme.singular_ids`: JSON list of long comments that argue what no other
  comment of the theme says. Themes computed before: "[]".

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultation_synthesis_theme", schema=None) as batch_op:
        batch_op.add_column(sa.Column("coherence", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "label_source_ids",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="[]",
            )
        )
        batch_op.add_column(
            sa.Column(
                "singular_ids",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="[]",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("consultation_synthesis_theme", schema=None) as batch_op:
        batch_op.drop_column("singular_ids")
        batch_op.drop_column("label_source_ids")
        batch_op.drop_column("coherence")
