"""Facets of the council's search that are filters: places, organisations, amounts and dates
named in the passages, each with its count, clickable, combined with the query and the other
filters, kept in the address (a permanent link), each removable.

The entities come from the index (`council_entity`): amounts in euros and dates by our patterns at
ingest, places and organisations by spaCy (the council.index_entities job). Amounts are counted
in ranges of numbers (never sorted as text); dates by year, then by month within a chosen year.

The search's own filters (dates of meetings, subject, person, outcome) are part of its SQL
(search.py); these are applied to its ranked candidates: a search with one of them set ranks up
to ENTITY_POOL passages and keeps those that name the place, organisation, amount or date asked.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields
from functools import lru_cache

from sqlalchemy import Integer, String, bindparam, select, text
from sqlmodel import Session

from portal.council import search as engine
from portal.council.fulltext import KeptByState
from portal.council.models import Entity
from portal.db import read_rows
from portal.errors import ValidationFailed
from portal.web.i18n import N_
from portal.web.i18n import gettext as _

# A search with an entity filter ranks this many passages before keeping those naming it.
ENTITY_POOL = 3000
FACET_SIZE = 15
MONTH_NAMES = (N_("janvier"), N_("février"), N_("mars"), N_("avril"), N_("mai"), N_("juin"),
               N_("juillet"), N_("août"), N_("septembre"), N_("octobre"), N_("novembre"),
               N_("décembre"))  # fmt: skip


@dataclass(frozen=True)
class AmountRange:
    value: str  # in the address: "10000-100000", "10000000-"
    low: int
    high: int | None  # excluded; None: no upper bound

    def holds(self, euros: int) -> bool:
        return euros >= self.low and (self.high is None or euros < self.high)

    @property
    def label(self) -> str:
        if self.low == 0 and self.high is not None:
            return _("moins de %(n)s €", n=_euros(self.high))
        if self.high is None:
            return _("%(n)s € et plus", n=_euros(self.low))
        return _("%(a)s – %(b)s €", a=_euros(self.low), b=_euros(self.high))


def _euros(n: int) -> str:
    if n >= 1_000_000:
        millions = n // 1_000_000
        return (_("%(n)s million", n=millions) if millions == 1
                else _("%(n)s millions", n=millions))  # fmt: skip
    return f"{n:,}".replace(",", "\u202f")


AMOUNT_RANGES = tuple(
    AmountRange(f"{low}-{high if high is not None else ''}", low, high)
    for low, high in (
        (0, 10_000),
        (10_000, 100_000),
        (100_000, 1_000_000),
        (1_000_000, 10_000_000),
        (10_000_000, None),
    )
)
_RANGES = {r.value: r for r in AMOUNT_RANGES}
YEAR = re.compile(r"^\d{4}$")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class EntityFilters:
    """The filters on what passages name (address parameters in French)."""

    place: str | None = None  # lieu: an entity key
    organisation: str | None = None  # organisation: an entity key
    amount: str | None = None  # montant: one of AMOUNT_RANGES' values
    year: str | None = None  # annee: "2024"
    month: str | None = None  # mois: "2024-05"

    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


PARAMS = {"lieu": "place", "organisation": "organisation", "montant": "amount", "annee": "year",
          "mois": "month"}  # fmt: skip


def filters_from(params: dict[str, str] | Iterable[tuple[str, str]]) -> EntityFilters:
    """Read and check the entity filters of a query string; a bad value is a clear French error."""
    given = dict(params)
    values: dict[str, str | None] = {}
    for name, attr in PARAMS.items():
        value = given.get(name, "").strip()[:200]
        if "\x00" in value:
            raise ValidationFailed(_("Filtre invalide : %(name)s.", name=name), field=name)
        values[attr] = value or None
    if values["amount"] is not None and values["amount"] not in _RANGES:
        raise ValidationFailed(_("Tranche de montant inconnue."), field="montant")
    if values["year"] is not None and not YEAR.match(values["year"]):
        raise ValidationFailed(_("Année invalide : quatre chiffres, par exemple 2024."),
                               field="annee")  # fmt: skip
    if values["month"] is not None:
        month = MONTH.match(values["month"])
        if month is None:
            raise ValidationFailed(_("Mois invalide : utilisez le format AAAA-MM."), field="mois")
        values["year"] = month.group(1)
    return EntityFilters(**values)


def month_label(value: str) -> str:
    year, month = value.split("-")
    return f"{_(MONTH_NAMES[int(month) - 1])} {year}"


# The entities of some passages, written once (not an ORM query built on every search).
ENTITIES = (
    text(
        "SELECT passage_id, kind, key, value FROM council_entity "
        "WHERE passage_id IN :ids AND kind IN :kinds"
    )
    .bindparams(bindparam("ids", expanding=True), bindparam("kinds", expanding=True))
    .columns(passage_id=Integer, kind=String, key=String, value=String)
)


def _entities(
    session: Session, ids: list[int], kinds: tuple[str, ...]
) -> list[tuple[int, str, str, str]]:
    """(passage id, kind, key, value) of the passages' entities of these kinds."""
    if not ids:
        return []
    return [
        (int(r[0]), str(r[1]), str(r[2]), str(r[3]))
        for r in session.execute(ENTITIES, {"ids": ids, "kinds": list(kinds)})
    ]


# The candidates' places, organisations, amounts and dates (the entity facets) and, in the same
# statement, the people most often named among them (search.py's person facet, as its PEOPLE
# statement counts, orders and cuts them: numbered by the database, so that ties fall in the
# database's order as they did).
FACET_ENTITIES = (
    "SELECT 0, passage_id, kind, key, value FROM council_entity WHERE passage_id IN {ids} "
    "AND kind IN ('place', 'organisation', 'amount', 'date') UNION ALL "
    "SELECT * FROM (SELECT row_number() OVER (ORDER BY count(DISTINCT passage_id) DESC, key), "
    "count(DISTINCT passage_id), 'person', key, min(value) FROM council_entity "
    "WHERE kind = 'person' AND passage_id IN {ids} GROUP BY key "
    "ORDER BY count(DISTINCT passage_id) DESC, key LIMIT 15) AS people"
)  # in the driver's SQL (db.read_rows), the ids' marks put in
FACET_KINDS = ("place", "organisation", "amount", "date")


# Each passage's entities, kept per process for the index's state they were read at (entities
# are written with their minutes, or by spaCy in the transaction that marks their passages read:
# either changes fulltext.IndexState), so that a search page's facets usually need no statement;
# the person facet is then counted here as FACET_ENTITIES counts it, ties in the order of their
# keys by code point (SQLite's order; PostgreSQL's under a C collation, and now under any: on
# the ten-year archive the statement was 58 % of a search page on PostgreSQL, issue 18). At most
# 20,000 passages per database (fulltext.KeptByState).
_entities_kept: KeptByState[tuple[tuple[str, str, str], ...]] = KeptByState(20_000)


def _cached_entities(
    session: Session, ids: list[int]
) -> dict[int, tuple[tuple[str, str, str], ...]] | None:
    """The entities of each passage of `ids`, read only for those not kept; None when the
    session holds no index state (fulltext.hold_index_state)."""

    def read(wanted: list[int]) -> dict[int, tuple[tuple[str, str, str], ...]]:
        rows: dict[int, list[tuple[str, str, str]]] = {i: [] for i in wanted}
        sql = (
            "SELECT passage_id, kind, key, value FROM council_entity "  # noqa: S608
            "WHERE passage_id IN (" + ", ".join("?" * len(wanted)) + ")"
        )
        for passage_id, kind, entity_key, value in read_rows(session, sql, wanted):
            rows[passage_id].append((str(kind), str(entity_key), str(value)))
        return {i: tuple(r) for i, r in rows.items()}

    return _entities_kept.get(session, ids, read)


def facet_rows(
    session: Session, ids: list[int]
) -> tuple[list[tuple[str, str, int]], list[tuple[int, str, str, str]]]:
    """(the person facet's rows as search.PEOPLE gives them: key, name, passages; the entity
    rows of `count`), in one statement (none on SQLite for passages read before)."""
    if not ids:
        return [], []
    rows: list[tuple[int, str, str, str]] = []
    cached = _cached_entities(session, ids)
    if cached is not None:
        named: dict[str, set[int]] = {}
        names: dict[str, str] = {}
        for passage_id in ids:
            for kind, key, value in cached[passage_id]:
                if kind == "person":
                    named.setdefault(key, set()).add(passage_id)
                    names[key] = min(names[key], value) if key in names else value
                elif kind in FACET_KINDS:
                    rows.append((passage_id, kind, key, value))
        ranked = sorted(named.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:15]
        return [(key, names[key], len(found)) for key, found in ranked], rows
    people: list[tuple[int, tuple[str, str, int]]] = []
    marks = "(" + ", ".join("?" * len(ids)) + ")"
    sql = FACET_ENTITIES.format(ids=marks)
    for rank, number, kind, key, value in read_rows(session, sql, [*ids, *ids]):
        if rank:
            people.append((int(rank), (str(key), str(value), int(number))))
        else:
            rows.append((int(number), str(kind), str(key), str(value)))
    return [p for _, p in sorted(people)], rows


def _keeps(kind: str, key: str, wanted: EntityFilters) -> str | None:
    """Which filter an entity satisfies (its attribute name), if any."""
    if kind == "place" and key == wanted.place:
        return "place"
    if kind == "organisation" and key == wanted.organisation:
        return "organisation"
    if (
        kind == "amount"
        and wanted.amount
        and key.isdigit()
        and _RANGES[wanted.amount].holds(int(key))
    ):
        return "amount"
    if kind == "date" and wanted.month and key.startswith(wanted.month + "-"):
        return "month"
    if kind == "date" and wanted.year and not wanted.month and key.startswith(wanted.year + "-"):
        return "year"
    return None


def restrict(session: Session, ids: list[int], wanted: EntityFilters) -> set[int]:
    """The passages among `ids` that name everything asked (each filter by one of its entities)."""
    needed = {name for name in ("place", "organisation", "amount") if getattr(wanted, name)}
    needed |= {"month"} if wanted.month else {"year"} if wanted.year else set()
    met: dict[int, set[str]] = {}
    for passage_id, kind, key, _value in _entities(
        session, ids, ("place", "organisation", "amount", "date")
    ):
        which = _keeps(kind, key, wanted)
        if which:
            met.setdefault(passage_id, set()).add(which)
    return {p for p, names in met.items() if names >= needed}


@dataclass(frozen=True)
class EntityFacets:
    places: list[engine.Facet]
    organisations: list[engine.Facet]
    amounts: list[engine.Facet]  # in the order of the ranges, smallest first
    years: list[engine.Facet]  # most recent first
    months: list[engine.Facet]  # of the chosen year, in calendar order

    def any(self) -> bool:
        return any((self.places, self.organisations, self.amounts, self.years, self.months))


@lru_cache(maxsize=20_000)
def _amount_range(key: str) -> str:
    """The range (its value) an amount in euros, written in digits, falls in ("" for none)."""
    return next((r.value for r in AMOUNT_RANGES if r.holds(int(key))), "")


def count(
    session: Session,
    ids: list[int],
    wanted: EntityFilters,
    rows: list[tuple[int, str, str, str]] | None = None,
) -> EntityFacets:
    """Counts of passages per place, organisation, amount range, year and month (of the chosen
    year) among `ids`: one query, whatever their number (none when `rows`, facet_rows' second
    part, are given)."""
    if rows is None:
        rows = _entities(session, ids, FACET_KINDS)
    named: dict[str, Counter[str]] = {"place": Counter(), "organisation": Counter()}
    labels: dict[tuple[str, str], str] = {}
    seen: set[tuple[int, str, str]] = set()
    amounts: Counter[str] = Counter()
    years: Counter[str] = Counter()
    months: Counter[str] = Counter()
    for passage_id, kind, key, value in rows:
        if kind in named:
            bucket = key
        elif kind == "amount" and key.isdigit():
            bucket = _amount_range(key)
        elif kind == "date" and len(key) >= 7:
            bucket = key[:7]
        else:
            continue
        if (passage_id, kind, bucket) in seen:
            continue  # a passage counts once per value
        seen.add((passage_id, kind, bucket))
        if kind in named:
            named[kind][key] += 1
            labels[(kind, key)] = min(labels.get((kind, key), value), value)
        elif kind == "amount":
            amounts[bucket] += 1
        else:
            months[bucket] += 1
    # A passage naming two dates of one year counts once for the year.
    by_year = {(p, b[:4]) for p, k, b in seen if k == "date"}
    years.update(y for _, y in by_year)

    def top(kind: str) -> list[engine.Facet]:
        ranked = sorted(named[kind].items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE]
        return [engine.Facet(k, labels[(kind, k)], n) for k, n in ranked]

    chosen_year = wanted.year
    return EntityFacets(
        places=top("place"),
        organisations=top("organisation"),
        amounts=[engine.Facet(r.value, r.label, amounts[r.value]) for r in AMOUNT_RANGES
                 if amounts[r.value]],
        years=[engine.Facet(y, y, n) for y, n in sorted(years.items(), reverse=True)],
        months=[engine.Facet(m, month_label(m), n) for m, n in sorted(months.items())
                if chosen_year and m.startswith(chosen_year + "-")],
    )  # fmt: skip


def labels_of(session: Session, wanted: EntityFilters) -> dict[str, str]:
    """How each applied filter reads: a place or organisation by its name as written."""
    shown: dict[str, str] = {}
    for attr, kind in (("place", "place"), ("organisation", "organisation")):
        key = getattr(wanted, attr)
        if key:
            value = session.scalar(
                select(Entity.value).where(Entity.kind == kind, Entity.key == key).limit(1)
            )
            shown[attr] = value or key
    if wanted.amount:
        shown["amount"] = _RANGES[wanted.amount].label
    if wanted.month:
        shown["month"] = month_label(wanted.month)
    if wanted.year:
        shown["year"] = wanted.year
    return shown


@dataclass(frozen=True)
class FacetedResult:
    result: engine.SearchResult
    facets: EntityFacets
    ids: list[int]  # every ranked passage the facets were counted over, best first


EMPTY = EntityFacets([], [], [], [], [])


def search(
    session: Session,
    query: str,
    *,
    filters: engine.Filters,
    entities: EntityFilters,
    limit: int,
    offset: int,
) -> FacetedResult:
    """The search page's search: one group per deliberation, as search.search(grouped=True)
    gives, with the entity filters applied and their facets counted over the same candidates."""
    # Ranked as search.search ranks (the answers' evaluation measures that ranking).
    found = engine.ranked_candidates(
        session, query, filters=filters,
        pool=ENTITY_POOL if entities.active() else engine.CANDIDATES,
    )  # fmt: skip
    if found is None:
        return FacetedResult(engine.SearchResult([], 0), EMPTY, [])
    expansion, ranked, known = found.expansion, found.ranked, found.known
    if entities.active():
        kept = restrict(session, [i for i, _ in ranked], entities)
        ranked = [r for r in ranked if r[0] in kept]
    ranked = ranked[: engine.CANDIDATES]
    ids = [i for i, _ in ranked]
    people, entity_rows = facet_rows(session, ids)
    # search.py's grouping, on these candidates (requested as a public function: see
    # /work/coord/requests-council-features.md).
    result = engine._grouped(
        session, query, ranked, expansion, limit=limit, offset=offset, with_facets=True,
        people=people, known=known,
    )  # fmt: skip
    return FacetedResult(result, count(session, ids, entities, entity_rows), ids)


@dataclass(frozen=True)
class FlatResult:
    """The API's search: passages best first (not grouped), with every facet counted over the
    same ranked candidates (the search's own and these), entity filters applied."""

    result: engine.SearchResult
    facets: EntityFacets


def flat_search(
    session: Session,
    query: str,
    *,
    filters: engine.Filters,
    entities: EntityFilters,
    limit: int,
) -> FlatResult:
    """search.search's passages (one hit per passage), with the entity filters applied to up to
    ENTITY_POOL ranked candidates and the facets of both kinds counted over the candidates kept
    (at most search.CANDIDATES, as the search page counts them)."""
    found = engine.ranked_candidates(
        session, query, filters=filters,
        pool=ENTITY_POOL if entities.active() else engine.CANDIDATES,
    )  # fmt: skip
    if found is None:
        return FlatResult(engine.SearchResult([], 0), EMPTY)
    expansion, ranked, known = found.expansion, found.ranked, found.known
    if entities.active():
        kept = restrict(session, [i for i, _ in ranked], entities)
        ranked = [r for r in ranked if r[0] in kept]
    ranked = ranked[: engine.CANDIDATES]
    ids = [i for i, _ in ranked]
    hits = engine.load_hits(
        session, ranked[:limit], engine.wanted_stems(expansion.groups), expansion.routes
    )
    # search.py's own facets (meeting, subject, outcome, person) on these candidates.
    people, entity_rows = facet_rows(session, ids)
    result = engine.SearchResult(
        hits, len(ranked),
        engine._facets(session, ids, engine._candidate_rows(session, ids, known), people),
        [" / ".join(g) for g in expansion.groups], expansion.suggestion(query), expansion.unknown,
    )  # fmt: skip
    return FlatResult(result, count(session, ids, entities, entity_rows))


def amount_bounds(value: str) -> tuple[int, int | None]:
    """The euros an amount facet's value covers: (lowest, highest excluded or None)."""
    found = _RANGES[value]
    return found.low, found.high
