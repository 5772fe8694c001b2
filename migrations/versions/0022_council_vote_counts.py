"""council: the number of voters and of members in office of each deliberation

- `council_item.vote_voters`: how many took part in the vote ("Votants : 43", "Résultat du
  scrutin — votants : 33", "à l'unanimité des 41 votants"), as the minutes write it; NULL when
  they do not say (never computed from the names of those present);
- `council_item.vote_members`: the council's members in office when the item was voted
  ("Conseillers en exercice : 33"), NULL when the minutes do not say.
Both feed the SCDL export's VOTE_REEL and VOTE_EFFECTIF.

Minutes stored before this revision are read again from their source
(`council_meeting.source_bytes`) by today's parser: each item whose number and title did not
change gets these two counts, and its for/against/abstentions, unanimity and outcome where they
were unknown (votes written "Adopté à l'unanimité" or "par 35 voix pour, 4 contre et 2
abstentions" were not read before). A meeting whose source cannot be read any more is left as it
is. The downgrade drops the two columns (the other vote columns keep what was filled).

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def _backfill(bind: sa.Connection) -> None:
    from portal.council.parse import MinutesError, parse_bytes

    meetings = bind.execute(
        sa.text("SELECT id, source_filename, source_bytes FROM council_meeting ORDER BY id")
    ).all()
    for meeting_id, filename, data in meetings:
        if not data:
            continue
        try:
            parsed = parse_bytes(bytes(data), filename)
        except MinutesError:
            continue
        stored = {
            int(position): (number, title, item_id)
            for item_id, position, number, title in bind.execute(
                sa.text(
                    "SELECT id, position, number, title FROM council_item WHERE meeting_id = :m"
                ),
                {"m": meeting_id},
            )
        }
        for position, item in enumerate(parsed.items):
            row = stored.get(position)
            vote = item.vote
            if row is None or vote is None or (row[0], row[1]) != (item.number, item.title):
                continue
            bind.execute(
                sa.text(
                    "UPDATE council_item SET vote_voters = :voters, vote_members = :members, "
                    "vote_for = COALESCE(vote_for, :vf), "
                    "vote_against = COALESCE(vote_against, :va), "
                    "vote_abstentions = COALESCE(vote_abstentions, :vab), "
                    "unanimous = CASE WHEN adopted IS NULL THEN :un ELSE unanimous END, "
                    "adopted = COALESCE(adopted, :ad) WHERE id = :id"
                ),
                {
                    "voters": getattr(vote, "voters", None),
                    "members": getattr(vote, "members", None),
                    "vf": vote.for_,
                    "va": vote.against,
                    "vab": vote.abstentions,
                    "un": bool(vote.unanimous),
                    "ad": item.adopted,
                    "id": row[2],
                },
            )


def upgrade() -> None:
    with op.batch_alter_table("council_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vote_voters", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("vote_members", sa.Integer(), nullable=True))
    _backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("council_item", schema=None) as batch_op:
        batch_op.drop_column("vote_members")
        batch_op.drop_column("vote_voters")
