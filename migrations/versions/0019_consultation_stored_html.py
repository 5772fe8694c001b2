"""consultation: user text stored as safe HTML once, and a generation for shared fragments

- consultation_comment: `body_html` (the comment rendered by portal.text.render_markdown when it
  was written) and `html_version` (portal.text.RENDERER_VERSION at that time).
- consultation_proposal: `body_html`, `rationale_html` and `html_version`, the same for the
  proposed text and its reasons.
- consultation_generation: one counter per scope ("consultation"), raised in the same
  transaction as every write to the consultation's tables; web processes key their shared
  fragments (the charter's text, a page of comments) by it, so no process serves a fragment
  older than the last committed write.

Rows stored before are rendered here with the renderer of the code that runs the migration and
stamped with its version; if its rules change later, the `consultation.rerender` job re-renders
them. The downgrade drops the columns and the table (the source Markdown is never touched, so
the old code reads every row as it did).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

# The renderer the application itself uses: the stored HTML must be exactly what a page would
# have rendered, and its version says which rules made it.
from portal.text import RENDERER_VERSION, render_markdown

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

BATCH = 500


def _fill(bind: sa.engine.Connection, table: str, columns: tuple[str, ...]) -> None:
    selected = ", ".join(columns)
    last = 0
    while True:
        rows = bind.execute(
            sa.text(f"SELECT id, {selected} FROM {table} WHERE id > :last ORDER BY id LIMIT :n"),  # noqa: S608
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            return
        for row in rows:
            values = {
                f"{column}_html": str(render_markdown(value or ""))
                for column, value in zip(columns, row[1:], strict=True)
            }
            sets = ", ".join(f"{name} = :{name}" for name in values)
            bind.execute(
                sa.text(f"UPDATE {table} SET {sets}, html_version = :v WHERE id = :id"),  # noqa: S608
                {**values, "v": RENDERER_VERSION, "id": row[0]},
            )
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("consultation_comment") as batch:
        batch.add_column(sa.Column("body_html", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(
            sa.Column("html_version", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("consultation_proposal") as batch:
        batch.add_column(sa.Column("body_html", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(
            sa.Column("rationale_html", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch.add_column(
            sa.Column("html_version", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_index(
        "ix_consultation_comment_html_version", "consultation_comment", ["html_version"]
    )
    op.create_index(
        "ix_consultation_proposal_html_version", "consultation_proposal", ["html_version"]
    )
    op.create_table(
        "consultation_generation",
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name="pk_consultation_generation"),
    )
    bind = op.get_bind()
    bind.execute(
        sa.text("INSERT INTO consultation_generation (scope, value) VALUES ('consultation', 1)")
    )
    _fill(bind, "consultation_comment", ("body",))
    _fill(bind, "consultation_proposal", ("body", "rationale"))


def downgrade() -> None:
    op.drop_table("consultation_generation")
    op.drop_index("ix_consultation_proposal_html_version", table_name="consultation_proposal")
    op.drop_index("ix_consultation_comment_html_version", table_name="consultation_comment")
    with op.batch_alter_table("consultation_proposal") as batch:
        batch.drop_column("html_version")
        batch.drop_column("rationale_html")
        batch.drop_column("body_html")
    with op.batch_alter_table("consultation_comment") as batch:
        batch.drop_column("html_version")
        batch.drop_column("body_html")
