"""Queries that name a deliberation rather than describe it ("délibération 2024-05-12",
"n° 2024-41", "DM n°2"): they go straight to it instead of through the full-text search, which
would split the number into words and rank its paragraphs among others.

A query is an identifier query when, once the words that introduce a number are set aside
(délibération, délib., numéro, n°, point...), what remains is one token with a digit; it is looked
up as a deliberation's number (exactly, case aside), or, written "DM n°2" / "décision modificative
n° 2", in the titles of budget amendments. A query with other words is an ordinary search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from portal.council.models import Item, Meeting, Passage
from portal.council.text import fold

# Words that only introduce a number: "délibération n° 2024-05-12", "délib. 2024-41".
INTRODUCING = re.compile(
    r"\b(?:les?|la|de|du|des|d|l|la deliberation|deliberations?|delib|numeros?|num|no|n|point|"
    r"acte|arrete)\b|[°º#.:'’]"
)
TOKEN = re.compile(r"^[a-z]{0,6}[-_]?\d[\w-]{0,38}$")
# "DM n°2", "décision modificative n° 2", "DM2" (a budget amendment, named in the titles).
AMENDMENT = re.compile(r"^\s*(?:dm|decision modificative)\s*(?:n\s*[°o.]?\s*)?(\d{1,3})\s*$", re.I)
MAX_MATCHES = 10


@dataclass(frozen=True)
class Identified:
    number: str | None
    title: str
    meeting_date: date
    anchor: int | None  # the item's first passage


def identifier(query: str) -> str | None:
    """The number a query names, when naming one is all it does."""
    folded = fold(query).replace("n°", " ").replace("nº", " ")
    rest = INTRODUCING.sub(" ", folded).split()
    if len(rest) != 1 or not TOKEN.match(rest[0]):
        return None
    return rest[0]


def find(session: Session, query: str) -> list[Identified]:
    """The deliberations a query names, most recent first; [] for an ordinary query."""
    amendment = AMENDMENT.match(fold(query).replace("n°", "n ").replace("nº", "n "))
    if amendment:
        n = amendment.group(1)
        # Titles are matched on their folded form in Python: a handful of amendments a year.
        rows = session.execute(
            select(Item, Meeting.meeting_date)
            .join(Meeting, col(Meeting.id) == Item.meeting_id)
            .where(or_(col(Item.title).ilike("%DM%"), col(Item.title).ilike("%modificative%")))
            .order_by(col(Meeting.meeting_date).desc())
        ).all()
        pattern = re.compile(rf"\b(?:dm|decision modificative)\s*(?:n\s*[°o.]?\s*)?{n}\b")
        matches = [(i, d) for i, d in rows if pattern.search(fold(i.title).replace("n°", "n "))]
    else:
        number = identifier(query)
        if number is None:
            return []
        matches = list(
            session.execute(
                select(Item, Meeting.meeting_date)
                .join(Meeting, col(Meeting.id) == Item.meeting_id)
                .where(func.lower(Item.number) == number.lower())
                .order_by(col(Meeting.meeting_date).desc())
                .limit(MAX_MATCHES)
            ).all()
        )
    found = []
    for item, meeting_date in matches[:MAX_MATCHES]:
        anchor = session.scalar(
            select(Passage.anchor)
            .where(Passage.item_id == item.id)
            .order_by(col(Passage.position))
            .limit(1)
        )
        found.append(Identified(item.number, item.title, meeting_date, anchor))
    return found
