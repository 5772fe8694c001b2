"""The deliberations as open data in the national format: SCDL « délibérations » v2.1.4
(OpenDataFrance, published on schema.data.gouv.fr), one CSV line per numbered deliberation.

Where each column comes from:
- COLL_NOM, COLL_SIRET: the city's settings (PORTAL_CITY_OFFICIAL_NAME, PORTAL_CITY_SIRET).
- DELIB_ID: the deliberation's number as the minutes write it; DELIB_DATE: the meeting's date;
  DELIB_OBJET: its title.
- DELIB_MATIERE_CODE / _NOM: the ACTES nomenclature's level-2 subject matching the subject our
  keyword rules gave the item (nlp.py TOPICS); an item without a subject, or one ACTES has no
  better place for, is "9.1 autres domaines de compétences des communes".
- BUDGET_ANNEE: the year named in the title of a deliberation on finances and budget
  ("Budget primitif 2025" -> 2025); BUDGET_NOM, PREF_ID, PREF_DATE: empty (the minutes do not say).
- VOTE_POUR, VOTE_CONTRE, VOTE_ABSTENTION: read from the vote line, vote sentence or vote
  table of the minutes (parse.py: "Vote : pour 41, contre 0…", "POUR : 28 / CONTRE : 2…",
  "Adopté par 35 voix pour, 4 contre et 2 abstentions", "Votants : 43 ; Pour : 39…", "Pour ....
  26"). A vote "à l'unanimité" has 0 against; its POUR is the number of voters less the
  abstentions when the minutes give the voters ("Votants : 25", in the vote or in the attendance
  before it), and stays empty when they do not: no count is ever guessed.
- VOTE_REEL: the number of voters the minutes write, else the sum of the three counts when all
  three are known; VOTE_EFFECTIF: the members in office the minutes write ("Conseillers en
  exercice : 33"), else empty.
- DELIB_URL: the permanent link to the deliberation's first paragraph on this portal, absolute.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlmodel import Session, col

from portal.council import urls
from portal.council.models import Item, Meeting, Passage
from portal.settings import CityContact

COLUMNS = ("COLL_NOM", "COLL_SIRET", "DELIB_ID", "DELIB_DATE", "DELIB_MATIERE_CODE",
           "DELIB_MATIERE_NOM", "DELIB_OBJET", "BUDGET_ANNEE", "BUDGET_NOM", "PREF_ID",
           "PREF_DATE", "VOTE_EFFECTIF", "VOTE_REEL", "VOTE_POUR", "VOTE_CONTRE",
           "VOTE_ABSTENTION", "DELIB_URL")  # fmt: skip

OTHER = ("9.1", "autres domaines de compétences/autres domaines de compétences des communes")
# Our subjects (nlp.py TOPICS) -> ACTES level-2 code and name ("level 1/level 2", lower case).
MATIERES: dict[str, tuple[str, str]] = {
    "Finances et budget": ("7.1", "finances locales/décisions budgétaires"),
    "Écoles et jeunesse": ("8.1", "domaines de compétences par thèmes/enseignement"),
    "Sport": OTHER,
    "Urbanisme et logement": ("2.1", "urbanisme/documents d'urbanisme"),
    "Numérique et intelligence artificielle": OTHER,
    "Relation aux habitants": OTHER,
    "Solidarités": ("8.2", "domaines de compétences par thèmes/aide sociale"),
    "Culture": ("8.9", "domaines de compétences par thèmes/culture"),
    "Commerce et économie": ("7.4", "finances locales/interventions économiques"),
    "Mobilités et stationnement": ("8.7", "domaines de compétences par thèmes/transports"),
    "Environnement et énergie": ("8.8", "domaines de compétences par thèmes/environnement"),
    "Sécurité": ("6.1", "libertés publiques et pouvoirs de police/police municipale"),
}
YEAR_IN_TITLE = re.compile(r"\b(19|20)(\d{2})\b")


def _first_anchors(session: Session) -> dict[int, tuple[int, int]]:
    """{item id: (its first paragraph's anchor, position)} for every item, in one query."""
    first = (
        select(Passage.item_id, func.min(Passage.position).label("position"))
        .where(col(Passage.item_id).is_not(None))
        .group_by(Passage.item_id)
        .subquery()
    )
    rows = session.execute(
        select(Passage.item_id, Passage.anchor, Passage.position).join(
            first,
            (first.c.item_id == Passage.item_id) & (first.c.position == Passage.position),
        )
    )
    return {int(r[0]): (int(r[1]), int(r[2])) for r in rows}


def _str(value: int | None) -> str:
    return "" if value is None else str(value)


def _voters(stated: int | None, votes: tuple[int | None, ...]) -> str:
    if stated is not None:
        return str(stated)
    counts = [v for v in votes if v is not None]
    return str(sum(counts)) if len(counts) == len(votes) else ""


def rows(session: Session, *, city: CityContact, base_url: str) -> Iterator[dict[str, str]]:
    """One row per numbered deliberation, oldest meeting first, in the order of the agenda."""
    anchors = _first_anchors(session)
    items = session.execute(
        select(Item, Meeting.meeting_date)
        .join(Meeting, col(Meeting.id) == Item.meeting_id)
        .where(col(Item.number).is_not(None))
        .order_by(col(Meeting.meeting_date), col(Item.position))
    )
    for item, meeting_date in items:
        code, name = MATIERES.get(item.topic or "", OTHER)
        budget_year = ""
        if item.topic == "Finances et budget" and (year := YEAR_IN_TITLE.search(item.title)):
            budget_year = year.group(0)
        votes = (item.vote_for, item.vote_against, item.vote_abstentions)
        anchor = anchors.get(item.id or 0)
        yield {
            "COLL_NOM": city.official_name,
            "COLL_SIRET": city.siret,
            "DELIB_ID": item.number or "",
            "DELIB_DATE": meeting_date.isoformat(),
            "DELIB_MATIERE_CODE": code,
            "DELIB_MATIERE_NOM": name,
            "DELIB_OBJET": item.title,
            "BUDGET_ANNEE": budget_year,
            "BUDGET_NOM": "",
            "PREF_ID": "",
            "PREF_DATE": "",
            "VOTE_EFFECTIF": _str(item.vote_members),
            "VOTE_REEL": _voters(item.vote_voters, votes),
            "VOTE_POUR": _str(item.vote_for),
            "VOTE_CONTRE": _str(item.vote_against),
            "VOTE_ABSTENTION": _str(item.vote_abstentions),
            "DELIB_URL": base_url.rstrip("/") + urls.passage(meeting_date, anchor[0])
            if anchor
            else "",
        }


def csv_text(session: Session, *, city: CityContact, base_url: str) -> str:
    """The CSV file: UTF-8, comma-separated, the schema's columns in its order, a header line."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows(session, city=city, base_url=base_url):
        writer.writerow(row)
    return out.getvalue()
