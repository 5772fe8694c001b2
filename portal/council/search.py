"""Full-text search in the minutes: one function, one small query per backend.

Both backends index the same words (portal/council/text.py: accents folded, our stop words out,
the item's title indexed with each of its paragraphs, and the lemmas spaCy adds), each stemmed by
the French Snowball algorithm. The ranking is done in the process (portal/council/postings.py:
FTS5's BM25 over postings kept per meeting, on both databases alike). The databases' own
full-text queries answer what the postings cannot (a search with filters, a phrase the
thesaurus lacks, postings being read in the background): on SQLite FTS5, ranked by its BM25; on
PostgreSQL its `french` text search configuration, in a stored tsvector with a GIN index, whose
best BM25_POOL matches by ts_rank are ranked again in Python by the same BM25 as FTS5's
(portal/council/fulltext.py: bm25_rerank). A query's words get
their lemma from the lookup table of spaCy's lemmatizer (portal/council/nlp.py: query_groups); a
passage matches a word if it has it as written or by its lemma ("travaux" finds "travail").
Filters are part of the same query; words found only in the item's title count less (FTS5 column
weight 0.3). Facets are counted over the best CANDIDATES matching passages.

PostgreSQL's ts_rank has no IDF. An earlier try weighted each word's ts_rank by its IDF and lost
recall on the demo's questions; BM25 itself, computed in Python over ts_rank's best 200, gives
PostgreSQL SQLite's figures on the dev half of tests/council/eval2 (recall@5 0.82 -> 0.90) and
on tests/council/eval_questions.yaml (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import compress
from operator import itemgetter, not_
from typing import Any, NamedTuple
from urllib.parse import quote_plus

from markupsafe import Markup
from sqlalchemy import Boolean, Date, Integer, String, bindparam, select, text
from sqlmodel import Session, col

from portal.council import postings, urls
from portal.council.fulltext import (
    BM25_POOL,
    KeptByState,
    bm25_rerank,
    corpus_stats,
    fts5_match,
    index_state,
    is_sqlite,
    tsquery,
)
from portal.council.models import Item
from portal.council.nlp import query_groups
from portal.council.parse import MONTHS
from portal.council.questions import carried_share, question_kinds
from portal.council.text import WORD, Group, fold, group_stems, stem
from portal.council.vocabulary import Expansion, expand
from portal.db import database_key, read_rows

__all__ = ["fts5_match", "is_sqlite", "tsquery"]  # with the search's own names below

CANDIDATES = 300
# Words that say how a question is asked, not what it is about (the answers leave them out too,
# answer.QUESTION_WORDS, with the words of the meeting itself, which a search keeps: "conseil",
# "commune", "municipaux" find the attendance, the budget's yield, the municipal police), and
# "ville" ("combien la ville paye": the minutes say "la participation communale").
# Left out as written (folded), not by their stem: "partir" took "part" with it, "devant"
# "devis", "ville" "villa".
ASKING_WORDS = frozenset((
    "fait", "faire", "faite", "faites", "savoir", "voudrais", "voudrait", "veux", "dire", "dit",
    "peut", "peux", "peuvent", "il", "elle", "prevu", "prevue", "prevus", "prevues", "qui",
    "quoi", "ce", "etait", "etaient", "sera", "seront", "serait", "seraient", "va", "vont",
    "aller", "pendant", "vers", "devant", "ca", "faut", "chez", "mon", "ma", "mes", "partir",
    "ville", "villes",
))  # fmt: skip
# ...and the forms of these verbs, by their lemma (not their stem: "été" is summer, not "être").
ASKING_LEMMAS = frozenset(
    ("faire", "savoir", "vouloir", "dire", "pouvoir", "prevoir", "aller", "falloir", "partir")
)


def asking(group: Group) -> bool:
    """Whether a query's word says how a question asks ("font", "veulent", "prévu"), not what
    about (group: the word folded, then its lemma)."""
    return group[0] in ASKING_WORDS or (len(group) > 1 and group[1] in ASKING_LEMMAS)


WORD_RUN = re.compile(r"\w+")
OUTCOMES = ("adopted", "unanimous", "rejected")


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    meeting: date | None = None
    topic: str | None = None
    person: str | None = None  # an entity key (folded name)
    outcome: str | None = None  # adopted, unanimous, rejected

    def active(self) -> bool:
        return any(getattr(self, f) is not None for f in self.__dataclass_fields__)


class Hit(NamedTuple):
    """A passage found (a named tuple: some forty made per search page, and a frozen
    dataclass's field-by-field __init__ was 2 % of a changing search on the ten-year archive)."""

    passage_id: int
    meeting_date: date
    anchor: int
    text: str
    snippet: Markup
    score: float
    item_number: str | None
    item_title: str | None
    page: int | None
    kind: str
    item_id: int | None
    # (word of the passage, word of the query, route: écrit, lemme, synonyme, orthographe)
    matched: tuple[tuple[str, str, str], ...] = ()

    @property
    def url(self) -> str:
        return urls.meeting(self.meeting_date, anchor=self.anchor)


# What urllib's quote_plus leaves as it is (a date, a year, an amount range, an outcome).
URL_SAFE = re.compile(r"[A-Za-z0-9_.~-]*")


@dataclass(frozen=True)
class Facet:
    value: str  # what the filter takes
    label: str
    count: int

    @property
    def quoted(self) -> str:
        """The value as urlencode() writes it in an address."""
        return self.value if URL_SAFE.fullmatch(self.value) else quote_plus(self.value)


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    total: int  # matching passages, counted up to CANDIDATES
    facets: dict[str, list[Facet]] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)
    suggestion: str | None = None  # the query with its misspelt words corrected
    unknown: list[str] = field(default_factory=list)  # words no passage has, even corrected
    # With `grouped`: one group per deliberation (or per passage outside any), best first;
    # `limit` and `offset` then count groups, and `hits` holds the page's groups' passages.
    groups: list[HitGroup] = field(default_factory=list)
    total_groups: int = 0


@dataclass(frozen=True)
class HitGroup:
    """A deliberation's best passages for a search (at most PER_GROUP), and how many more of
    its passages match."""

    hits: list[Hit]
    more: int = 0


def _filter_sql(filters: Filters) -> tuple[str, list[Any]]:
    """The filters' clauses, with `?` placeholders (db.read_rows), and their values in order."""
    clauses: list[str] = []
    values: list[Any] = []
    if filters.date_from:
        clauses.append("m.meeting_date >= ?")
        values.append(filters.date_from)
    if filters.date_to:
        clauses.append("m.meeting_date <= ?")
        values.append(filters.date_to)
    if filters.meeting:
        clauses.append("m.meeting_date = ?")
        values.append(filters.meeting)
    if filters.topic:
        clauses.append("i.topic = ?")
        values.append(filters.topic)
    if filters.outcome == "adopted":
        clauses.append("i.adopted = ?")
        values.append(True)
    elif filters.outcome == "unanimous":
        clauses.append("i.unanimous = ? AND i.adopted = ?")
        values += [True, True]
    elif filters.outcome == "rejected":
        clauses.append("i.adopted = ?")
        values.append(False)
    if filters.person:
        # The person is named in the passage, or presented the item the passage belongs to.
        clauses.append(
            "(EXISTS (SELECT 1 FROM council_entity e WHERE e.passage_id = p.id "
            "AND e.kind = 'person' AND e.key = ?) OR EXISTS (SELECT 1 FROM council_entity e "
            "JOIN council_passage p2 ON p2.id = e.passage_id WHERE p2.item_id = p.item_id "
            "AND e.kind = 'person' AND e.key = ?))"
        )
        values += [filters.person, filters.person]
    return "".join(f" AND {c}" for c in clauses), values


JOINS = "JOIN council_meeting m ON m.id = p.meeting_id LEFT JOIN council_item i ON i.id = p.item_id"


# What grouping and the search's own facets need of each candidate (CANDIDATE_ROWS' columns),
# read with the ranking, from the tables it joins already: not a statement of their own.
ROW_COLUMNS = "p.item_id, m.meeting_date, i.topic, i.adopted, i.unanimous"
# passage id -> (id, item id, meeting date, subject, adopted, unanimous), as CANDIDATE_ROWS
Known = dict[int, tuple[int, int | None, date, str | None, bool | None, bool | None]]


def _remember(known: Known | None, passage_id: int, row: Any) -> None:
    """A candidate's columns (ROW_COLUMNS, at the end of `row`), typed as CANDIDATE_ROWS gives
    them (SQLite's driver gives dates as text, booleans as integers)."""
    if known is None:
        return
    item_id, day, topic, adopted, unanimous = row[-5:]
    known[passage_id] = (
        passage_id,
        None if item_id is None else int(item_id),
        day if isinstance(day, date) else date.fromisoformat(day),
        topic,
        None if adopted is None else bool(adopted),
        None if unanimous is None else bool(unanimous),
    )


def ranked_ids(
    session: Session,
    groups: list[Group],
    *,
    filters: Filters,
    limit: int,
    any_term: bool,
    known: Known | None = None,
) -> list[tuple[int, float]]:
    """(passage id, score) best first, for passages with all (or any) of the query's words;
    with `known`, each one's CANDIDATE_ROWS columns are put there."""
    where, params = _filter_sql(filters)
    if not where:
        found = _in_memory(session, groups, limit, "any" if any_term else "every", known)
        if found is not None:
            return found
    joins = JOINS
    # Constant shapes in the driver's SQL (db.read_rows): no ORM statement on every search.
    if is_sqlite(session):
        # `where` is built from constant clauses; every value is bound.
        sql = (
            "SELECT p.id, bm25(council_passage_fts, 0.3, 1.0, 1.0) AS score, "  # noqa: S608
            f"{ROW_COLUMNS} FROM council_passage_fts "
            f"JOIN council_passage p ON p.id = council_passage_fts.rowid {joins} "
            f"WHERE council_passage_fts MATCH ?{where} ORDER BY score, p.id LIMIT ?"
        )
        match = fts5_match(groups, any_term)
        found = []
        for r in read_rows(session, sql, [match, *params, limit]):
            found.append((int(r[0]), -float(r[1])))
            _remember(known, found[-1][0], r)
        return found
    sql = (
        "SELECT p.id, ts_rank(p.tsv, to_tsquery('french', ?), 1) AS score, "  # noqa: S608
        f"{ROW_COLUMNS} FROM council_passage p {joins} "
        f"WHERE p.tsv @@ to_tsquery('french', ?){where} ORDER BY score DESC, p.id LIMIT ?"
    )
    # ts_rank picks the BM25_POOL best matches; BM25 (as on SQLite) orders them.
    rows = []
    q = tsquery(groups, any_term)
    for r in read_rows(session, sql, [q, q, *params, max(limit, BM25_POOL)]):
        rows.append((int(r[0]), float(r[1])))
        _remember(known, rows[-1][0], r)
    return bm25_rerank(session, groups, rows)[:limit]


def _in_memory(
    session: Session, groups: list[Group], limit: int, mode: str, known: Known | None
) -> list[tuple[int, float]] | None:
    """postings.rank's answer (None when the database must answer), with the candidates'
    columns put in `known` (kept with the postings: no statement)."""
    return postings.rank(session, groups, limit=limit, mode=mode, known=known)


def query_terms(query: str) -> list[Group]:
    """The query's words, each with its lemma (spaCy), one-letter words out."""
    return [g for g in query_groups(query, unaccented=True) if len(g[0]) > 1]


def _candidates(
    session: Session,
    groups: list[Group],
    *,
    filters: Filters,
    limit: int,
    known: Known | None = None,
) -> list[tuple[int, float]]:
    """The passages with every word, best first, then (while fewer than `limit`) those with
    some of them, best first: one statement for both (the same answer as the "every word"
    query followed, when it finds fewer than `limit`, by the "any word" query)."""
    if len(groups) < 2:
        return ranked_ids(
            session, groups, filters=filters, limit=limit, any_term=False, known=known
        )
    where, params = _filter_sql(filters)
    if not where:
        found = _in_memory(session, groups, limit, "every first", known)
        if found is not None:
            return found
    if is_sqlite(session):
        # FTS5's bm25() of a passage is the same for "a AND b" and "a OR b" (the same phrases,
        # each with its IDF and frequency), so the passages with every word come first in the
        # "any word" query ordered by `every`, then by score: the two queries' answer at once.
        sql = (
            "SELECT p.id, bm25(council_passage_fts, 0.3, 1.0, 1.0) AS score, "  # noqa: S608
            "p.id IN (SELECT rowid FROM council_passage_fts WHERE council_passage_fts MATCH "
            f"?) AS every, {ROW_COLUMNS} FROM council_passage_fts "
            f"JOIN council_passage p ON p.id = council_passage_fts.rowid {JOINS} "
            f"WHERE council_passage_fts MATCH ?{where} ORDER BY every DESC, score, p.id LIMIT ?"
        )
        rows = read_rows(
            session, sql,
            [fts5_match(groups, False), fts5_match(groups, True), *params, limit],
        )  # fmt: skip
        found = []
        for r in rows:
            found.append((int(r[0]), -float(r[1])))
            _remember(known, found[-1][0], r)
        return found
    # PostgreSQL: ts_rank differs between "a & b" and "a | b", so each query keeps its own pool
    # of BM25_POOL (ranked again by BM25 in Python, as ranked_ids does); the "any word" part runs
    # only when the "every word" part has fewer than `limit` passages, as before, in the same
    # statement (a one-time filter), and the corpus statistics are read once for both.
    sql = (
        "WITH every AS MATERIALIZED (SELECT p.id, "  # noqa: S608
        f"ts_rank(p.tsv, to_tsquery('french', ?), 1) AS score, {ROW_COLUMNS} "
        f"FROM council_passage p {JOINS} WHERE p.tsv @@ to_tsquery('french', ?){where} "
        "ORDER BY score DESC, p.id LIMIT ?) "
        "SELECT id, score, true, item_id, meeting_date, topic, adopted, unanimous FROM every "
        "UNION ALL (SELECT p.id, "
        f"ts_rank(p.tsv, to_tsquery('french', ?), 1) AS score, false, {ROW_COLUMNS} "
        f"FROM council_passage p {JOINS} WHERE p.tsv @@ to_tsquery('french', ?){where} "
        "AND (SELECT count(*) FROM every) < ? ORDER BY score DESC, p.id LIMIT ?)"
    )
    every_rows: list[tuple[int, float]] = []
    any_rows: list[tuple[int, float]] = []
    every, some, pool = tsquery(groups, False), tsquery(groups, True), max(limit, BM25_POOL)
    for r in read_rows(
        session, sql, [every, every, *params, pool, some, some, *params, limit, pool]
    ):
        (every_rows if r[2] else any_rows).append((int(r[0]), float(r[1])))
        _remember(known, int(r[0]), r)
    corpus = corpus_stats(session) if every_rows or any_rows else None
    ranked = bm25_rerank(session, groups, every_rows, corpus)[:limit]
    if len(ranked) < limit:
        seen = {i for i, _ in ranked}
        more = bm25_rerank(session, groups, any_rows, corpus)[:limit]
        ranked += [r for r in more if r[0] not in seen][: limit - len(ranked)]
    return ranked


SYNONYM_WEIGHT = 1.0


def candidates(
    session: Session,
    groups: list[Group],
    *,
    filters: Filters,
    limit: int,
    own: list[Group] | None = None,
    known: Known | None = None,
) -> list[tuple[int, float]]:
    """Passages with every word first, then those with some of them (with `known`: see
    ranked_ids). With `own` (the groups
    without the thesaurus's synonyms), the query's own words weigh more: a passage scores its
    score for the own words (relative to the best passage's) plus SYNONYM_WEIGHT times its score
    with the synonyms too (likewise relative), so the words the resident typed count twice and
    a synonym once. (On the dev half of tests/council/eval2, recall@5 was 0.92 with synonyms
    counted like typed words, 0.90 with this, 0.86 with synonyms at half: a small price for
    not letting "bassin" outrank "piscine" when a resident typed "piscine".)"""
    own = [g for g in own or [] if g]
    if own and own != groups and len(own) == len(groups) and not _filter_sql(filters)[0]:
        # Both rankings in one pass over the postings (the typed words scored once: a fifth of
        # a changing search on the ten-year archive, issue 18), as _candidates ranks each, and
        # fused there as `fuse` does.
        mode = "every" if len(groups) < 2 else "every first"
        fused = postings.rank_fused(session, groups, own, weight=SYNONYM_WEIGHT, limit=limit,
                                    mode=mode, known=known)  # fmt: skip
        if fused is not None:
            return fused
    expanded = _candidates(session, groups, filters=filters, limit=limit, known=known)
    if not own or own == groups or not expanded:
        return expanded
    own_ranked = _candidates(session, own, filters=filters, limit=limit, known=known)
    return fuse(expanded, own_ranked, SYNONYM_WEIGHT, limit)


def fuse(
    expanded: list[tuple[int, float]],
    own: list[tuple[int, float]],
    weight: float,
    limit: int,
) -> list[tuple[int, float]]:
    """Each passage's score for the words typed (`own`) relative to the best one's, plus `weight`
    times its score with the synonyms too (`expanded`), likewise relative (0 where a ranking
    lacks it); the `limit` best, then by id. Nothing when `expanded` is empty. (What
    postings.rank_fused computes in vectors.)"""
    if not expanded:
        return []

    def normalised(ranked: list[tuple[int, float]]) -> dict[int, float]:
        top = max((s for _, s in ranked), default=0.0) or 1.0
        return {i: s / top for i, s in ranked}

    by_own = normalised(own)
    by_expanded = normalised(expanded)
    fused = {
        i: by_own.get(i, 0.0) + weight * by_expanded.get(i, 0.0)
        for i in set(by_own) | set(by_expanded)
    }
    return sorted(fused.items(), key=lambda f: (-f[1], f[0]))[:limit]


RERANK_POOL = 30
KIND_WEIGHT = 0.25
# A month named in a question ("secrétaire de séance en décembre", "présents le 5 février") is
# most often the meeting's: the passages of meetings held that month score this much more
# (dev halves: 0.5 better than 0.25 on eval3, eval4, eval5; 1.0 better still, left for a larger
# archive to confirm, where a month names ten meetings).
MONTH_WEIGHT = 0.5
MONTH_WORD = re.compile(r"\b(" + "|".join(m for m in MONTHS if m.isascii()) + r")\b")


def question_months(query: str) -> set[int]:
    """The months a question names (folded: "fevrier", "aout")."""
    return {MONTHS[m] for m in MONTH_WORD.findall(fold(query))}


def month_boost(
    ranked: list[tuple[int, float]], months: set[int], known: Known
) -> list[tuple[int, float]]:
    """The candidates again, those of a meeting held in one of `months` scoring MONTH_WEIGHT
    more (relative: the score is multiplied)."""
    if not months or not ranked:
        return ranked
    boosted = [
        (i, score * (1 + MONTH_WEIGHT) if i in known and known[i][2].month in months else score)
        for i, score in ranked
    ]
    return sorted(boosted, key=lambda r: (-r[1], r[0]))


def kind_rerank(
    session: Session, ranked: list[tuple[int, float]], kinds: list[str]
) -> list[tuple[int, float]]:
    """The best RERANK_POOL passages again, for a question that asks for a kind of fact (see
    portal/council/questions.py): each passage's score, relative to the best one's, gains
    KIND_WEIGHT times the share of the kinds asked for that it carries; for "who voted" and "who presented", the vote
    line and the rapporteur line of the first three passages' deliberations join the pool just
    below their deliberation's best passage. Two queries whatever the pool."""
    if not kinds or not ranked:
        return ranked
    pool, rest = ranked[:RERANK_POOL], ranked[RERANK_POOL:]
    ids = [i for i, _ in pool]
    sql = "SELECT id, text, item_id FROM council_passage WHERE id IN " + _marks(ids)  # noqa: S608
    rows = {r[0]: r for r in read_rows(session, sql, ids)}
    top = max(pool[0][1], 1e-9)
    scores = {i: score / top + KIND_WEIGHT * carried_share(rows[i][1], kinds) for i, score in pool}
    if "vote" in kinds or "person" in kinds:
        item_best: dict[int, float] = {}
        for i, _ in pool:
            item_id = rows[i][2]
            if item_id is not None and item_id not in item_best and len(item_best) < 3:
                item_best[item_id] = scores[i]
        wanted: list[str] = []
        values: list[Any] = list(item_best)
        if "vote" in kinds:
            wanted.append("kind = ?")
            values.append("vote")
        if "person" in kinds:
            wanted.append("text LIKE ?")
            values.append("Rapporteu%")
        if item_best:
            sql = (
                "SELECT id, item_id, text FROM council_passage WHERE item_id IN "  # noqa: S608
                f"{_marks(list(item_best))} AND ({' OR '.join(wanted)})"
            )
            for passage_id, item_id, passage_text in read_rows(session, sql, values):
                lifted = (
                    item_best[item_id] + KIND_WEIGHT * carried_share(passage_text, kinds) - 0.01
                )
                scores[passage_id] = max(scores.get(passage_id, 0.0), lifted)
    order = sorted(scores.items(), key=lambda s: (-s[1], s[0]))
    seen = set(scores)
    return order + [r for r in rest if r[0] not in seen]


def headings_last(session: Session, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """The ranked passages with the headings (an item's title line: it says what a deliberation
    is about, never what was said or decided) after every other passage, each part in its order.
    A heading matches a question's subject by its words alone, and took places in the first five
    that the paragraphs saying something about it should have."""
    if len(ranked) < 2:
        return ranked
    all_headings = heading_ids(session)
    # In C (map, compress), not a Python loop over some 300 candidates twice: a search page's
    # candidates hold a heading or two most of the time.
    is_heading = list(map(all_headings.__contains__, map(_FIRST, ranked)))
    if not any(is_heading):
        return ranked
    return [*compress(ranked, map(not_, is_heading)), *compress(ranked, is_heading)]


# The headings' ids, per database, for the index's state they were read at (passages are only
# written with their meeting's state: fulltext.IndexState): one statement when minutes change,
# not one per search (issue 18).
_headings_lock = threading.Lock()
_headings: dict[str, tuple[Any, frozenset[int]]] = {}


def heading_ids(session: Session) -> frozenset[int]:
    stamp = index_state(session).stamp
    key = database_key(session)
    with _headings_lock:
        known = _headings.get(key)
    if known is not None and known[0] == stamp:
        return known[1]
    sql = "SELECT id FROM council_passage WHERE kind = ?"
    found = frozenset(int(r[0]) for r in read_rows(session, sql, ["heading"]))
    with _headings_lock:
        if len(_headings) >= 16:  # databases (tests make many)
            _headings.clear()
        _headings[key] = (stamp, found)
    return found


@dataclass(frozen=True)
class Ranking:
    """A query's candidates ranked as every search ranks them (`ranked_candidates`)."""

    expansion: Expansion
    ranked: list[tuple[int, float]]
    known: Known


def ranked_candidates(
    session: Session, query: str, *, filters: Filters, pool: int
) -> Ranking | None:
    """The query's best `pool` candidates (more when it asks for a kind of fact or names a
    month: RERANK_POOL), ranked by BM25, a month named, the kind of fact asked, headings last:
    one ranking for the search page, the API and the answers' evaluation. None for a query
    without a word to search."""
    typed = query_terms(query)
    # The words by which a question asks, not what about ("va", "devant", "faire"), are left
    # out when others remain.
    typed = [g for g in typed if not asking(g)] or typed
    if not typed:
        return None
    expansion = expand(session, typed)
    # A question typed in the search box is read for what it asks, as the answers do.
    kinds = question_kinds(query)
    months = question_months(query)
    pool = max(pool, RERANK_POOL if kinds or months else 0)
    known: Known = {}
    ranked = headings_last(
        session,
        kind_rerank(
            session,
            month_boost(
                candidates(session, expansion.groups, filters=filters, limit=pool,
                           own=expansion.own, known=known),
                months, known,
            ),
            kinds,
        ),
    )  # fmt: skip
    return Ranking(expansion, ranked, known)


def wanted_stems(groups: list[Group]) -> set[str]:
    return {w for g in groups for s in group_stems(g) for w in s.split()}


def matches(word: str, wanted: set[str], lemmas: dict[str, str]) -> bool:
    """Whether a folded word of a passage is one of the query's, as written or by its lemma."""
    lemma = lemmas.get(word)
    return stem(word) in wanted or (lemma is not None and stem(lemma) in wanted)


@lru_cache(maxsize=50_000)
def _folded_word(token: str) -> str | None:
    words = WORD.findall(fold(token))
    return words[0] if words else None


# A snippet never grows with its passage (issue 19, finding 14): at most this many characters of
# the passage, around its first match, found within the first SCAN_LIMIT characters.
SNIPPET_MAX = 1_500
SCAN_LIMIT = 20_000


# A passage's words, as highlight reads them, read once per process for each distinct text (a
# text never changes in place: a corrected passage is a new key), up to SCAN_LIMIT characters:
# each word's (start, end, token as written, folded word), and where each stem and each folded
# word occurs. Tokens without a word are left out.
@dataclass(frozen=True)
class _Tokens:
    words: tuple[tuple[int, int, str, str], ...]
    by_stem: dict[str, list[int]]
    by_word: dict[str, list[int]]


@lru_cache(maxsize=2048)
def _tokens(passage_text: str) -> _Tokens:
    words: list[tuple[int, int, str, str]] = []
    by_stem: dict[str, list[int]] = {}
    by_word: dict[str, list[int]] = {}
    reach = min(len(passage_text), SCAN_LIMIT)
    for m in WORD_RUN.finditer(passage_text):
        if m.start() >= reach:
            break
        token = m.group(0)
        word = _folded_word(token)
        if word is not None:
            by_stem.setdefault(stem(word), []).append(len(words))
            by_word.setdefault(word, []).append(len(words))
            words.append((m.start(), m.end(), token, word))
    return _Tokens(tuple(words), by_stem, by_word)


def _escape_text(value: str) -> str:
    """markupsafe.escape(value) for a str, as a str: the same five characters, the same entities,
    without making a Markup object of each piece (a search page escapes some 300 pieces)."""
    return (
        value.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


try:  # markupsafe's own escaping in C, str to str (2.5 times faster than five replace calls)
    from markupsafe._speedups import _escape_inner as escape_text
except ImportError:  # a markupsafe built without its C speedups, or one that moved it
    escape_text = _escape_text


def highlight(
    passage_text: str,
    wanted: set[str],
    lemmas: dict[str, str] | None = None,
    length: int = 240,
    *,
    routes: dict[str, tuple[str, str]] | None = None,
    matched: list[tuple[str, str, str]] | None = None,
) -> Markup:
    """The passage with the words that match the query marked, cut around the first match and
    bounded to SNIPPET_MAX characters, whatever the passage's length. With `routes` (stem ->
    query word, route), each matching word is added to `matched`. A word matches when its stem,
    or the stem of its lemma in the passage (`lemmas`), is wanted. The passage's words are
    folded, stemmed and indexed once per process (_tokens), not on every search."""
    lemmas = lemmas or {}
    tokens = _tokens(passage_text)
    # The matching words' positions, in the passage's order...
    at: set[int] = set()
    by_stem = tokens.by_stem
    for wanted_stem in by_stem.keys() & wanted:
        at.update(by_stem[wanted_stem])
    for word, its_lemma in lemmas.items():
        if its_lemma is not None and stem(its_lemma) in wanted:
            at.update(tokens.by_word.get(word, ()))
    # ...up to the farthest a snippet can reach from the first one.
    found: list[tuple[int, int, str, str]] = []  # (start, end, token, folded word)
    reach = len(passage_text)
    for index in sorted(at):
        word_at = tokens.words[index]
        if word_at[0] >= reach:
            break
        if not found:
            reach = min(len(passage_text), word_at[0] + SNIPPET_MAX)
        found.append(word_at)
    first_match = found[0][0] if found else None
    start = 0
    if len(passage_text) > length and first_match is not None and first_match > length // 2:
        start = max(0, passage_text.rfind(" ", 0, max(0, first_match - length // 3)))
    end = min(len(passage_text), start + SNIPPET_MAX)
    if end < len(passage_text):
        space = passage_text.rfind(" ", start, end)
        end = space if space > start else end
    # The marks are put in as two control characters a passage's text never holds (the
    # reader drops them), the whole escaped at once, then made tags: one escape a snippet, not
    # one for each piece between two marks (a search page has some 250 such pieces).
    sentinels = "\x01" not in passage_text and "\x02" not in passage_text
    pieces: list[str] = []
    position = start
    for m_start, m_end, token, word in found:
        if m_start < start or m_end > end:
            continue
        if routes is not None and matched is not None:
            lemma = lemmas.get(word)
            route = routes.get(stem(word)) or (routes.get(stem(lemma)) if lemma else None)
            if route:
                entry = (token, route[0], route[1])
                if entry not in matched:
                    matched.append(entry)
        # A token is a run of word characters: nothing in it to escape.
        gap = passage_text[position:m_start]
        if sentinels:
            pieces.append(f"{gap}\x01{token}\x02")
        else:
            pieces.append(f"{escape_text(gap)}<mark>{token}</mark>")
        position = m_end
    tail = passage_text[position:end]
    if sentinels:
        body = escape_text("".join(pieces) + tail)
        body = body.replace("\x01", "<mark>").replace("\x02", "</mark>")
    else:
        body = "".join(pieces) + escape_text(tail)
    return Markup(  # noqa: S704 - escaped above, the marks put in after
        ("…" if start > 0 else "") + body + ("…" if end < len(passage_text) else "")
    )


# The hits' rows: one statement in the driver's SQL (db.read_rows), its ids' marks appended.
HIT_SQL = (
    "SELECT p.id, p.anchor, p.text, p.lemmas, p.page, p.kind, p.item_id, m.meeting_date, "
    "i.number, i.title FROM council_passage p JOIN council_meeting m ON m.id = p.meeting_id "
    "LEFT JOIN council_item i ON i.id = p.item_id WHERE p.id IN "
)


def _marks(values: list[Any]) -> str:
    """`(?, ?, ?)`: an IN list's placeholders (never empty: callers check)."""
    return "(" + ", ".join("?" * len(values)) + ")"


def _decoded(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A HIT_SQL row with its lemmas as a dict and its date as a date, on either driver."""
    passage_id, anchor, text_, lemmas, page, kind, item_id, meeting_date, number, title = row
    if isinstance(lemmas, str):  # SQLite's driver gives JSON as text
        lemmas = json.loads(lemmas)
    if not isinstance(meeting_date, date):  # and dates as text
        meeting_date = date.fromisoformat(meeting_date)
    return (passage_id, anchor, text_, lemmas, page, kind, item_id, meeting_date, number, title)


# The hits' rows, per database, for the index's state they were read at (a passage's text, item
# and meeting change only with its meeting's state, its lemmas with spaCy's reading, which
# changes the count of passages not read), on a view that holds the state (the search page, the
# API): a search reads only the passages no search showed since. On the ten-year archive the
# statement that read some sixty passages with their lemmas was a quarter of a search page's
# time on PostgreSQL (issue 18). At most 5,000 passages per database.
_hits_kept: KeptByState[tuple[Any, ...]] = KeptByState(5_000)


def _hit_rows(session: Session, ids: list[int]) -> dict[int, tuple[Any, ...]]:
    def read(wanted: list[int]) -> dict[int, tuple[Any, ...]]:
        return {r[0]: _decoded(r) for r in read_rows(session, HIT_SQL + _marks(wanted), wanted)}

    found = _hits_kept.get(session, ids, read)
    return found if found is not None else read(ids)


def load_hits(
    session: Session,
    ranked: list[tuple[int, float]],
    wanted: set[str],
    routes: dict[str, tuple[str, str]] | None = None,
) -> list[Hit]:
    if not ranked:
        return []
    by_id = _hit_rows(session, [i for i, _ in ranked])
    hits = []
    for passage_id, score in ranked:
        _, anchor, text_, lemmas, page, kind, item_id, meeting_date, number, title = by_id[
            passage_id
        ]
        matched: list[tuple[str, str, str]] = []
        snippet = highlight(text_, wanted, lemmas, routes=routes or {}, matched=matched)
        hits.append(Hit(passage_id, meeting_date, anchor, text_, snippet, score, number, title,
                        page, kind, item_id, tuple(matched)))  # fmt: skip
    return hits


# What grouping and the facets need of a candidate the ranking did not read (see ROW_COLUMNS).
CANDIDATE_ROWS = (
    text(
        "SELECT p.id, p.item_id, m.meeting_date, i.topic, i.adopted, i.unanimous "
        "FROM council_passage p JOIN council_meeting m ON m.id = p.meeting_id "
        "LEFT JOIN council_item i ON i.id = p.item_id WHERE p.id IN :ids"
    )
    .bindparams(bindparam("ids", expanding=True))
    .columns(
        id=Integer,
        item_id=Integer,
        meeting_date=Date,
        topic=String,
        adopted=Boolean,
        unanimous=Boolean,
    )
)


def _candidate_columns(session: Session, ids: list[int], known: Known | None = None) -> Known:
    """CANDIDATE_ROWS of these passages (and maybe others), by passage id: `known` itself when
    the ranking read them all into it; those it did not read (a passage kind_rerank added) read
    from the database."""
    known = known or {}
    missing = [i for i in ids if i not in known]
    if missing:
        known = dict(known)
        for row in session.execute(CANDIDATE_ROWS, {"ids": missing}):
            known[row[0]] = tuple(row)
    return known


def _by_id(columns: Known, ids: list[int]) -> list[Any]:
    """The rows of `ids` in `columns`, in the order of their ids."""
    return [columns[i] for i in sorted(ids) if i in columns]


def _candidate_rows(session: Session, ids: list[int], known: Known | None = None) -> list[Any]:
    """CANDIDATE_ROWS of these passages, by id (those the ranking read into `known` are not
    read again; a passage kind_rerank added is)."""
    return _by_id(_candidate_columns(session, ids, known), ids)


# The people most often named among the candidates (the person facet), written once.
PEOPLE = (
    text(
        "SELECT e.key, min(e.value), count(DISTINCT e.passage_id) AS n FROM council_entity e "
        "WHERE e.kind = 'person' AND e.passage_id IN :ids GROUP BY e.key "
        "ORDER BY n DESC, e.key LIMIT 15"
    )
    .bindparams(bindparam("ids", expanding=True))
    .columns(key=String, value=String, n=Integer)
)


_FIRST = itemgetter(0)
_MEETING_DATE = itemgetter(2)
_TOPIC = itemgetter(3)
_VOTE = itemgetter(4, 5)  # (adopted, unanimous)


@lru_cache(maxsize=4096)
def _day_label(day: date) -> str:
    """25/03/2024: a meeting's date as the facet shows it (strftime, once per date)."""
    return day.strftime("%d/%m/%Y")


def _facets(
    session: Session,
    ids: list[int],
    candidate_rows: list[Any] | None = None,
    people: list[tuple[str, str, int]] | None = None,
) -> dict[str, list[Facet]]:
    """The meeting, subject, outcome and person facets of the candidates `ids`; `people` when
    the caller has read them (facets.facet_rows: PEOPLE's rows, with the entity facets')."""
    if not ids:
        return {}
    # (id, item id, meeting date, topic, adopted, unanimous) of each candidate, by id; counted
    # by Counter over the columns (in C), not a Python loop over some 300 rows per column.
    rows = candidate_rows if candidate_rows is not None else _candidate_rows(session, ids)
    meetings = Counter(map(_MEETING_DATE, rows))
    # Subjects with as many passages come in the order of their first passage's id (the rows are
    # by id): on PostgreSQL they came in the table's physical order, which updates move.
    topic_counts = Counter(filter(None, map(_TOPIC, rows)))
    votes = Counter(map(_VOTE, rows))
    outcomes: Counter[str] = Counter()
    for (adopted, unanimous), n in votes.items():
        if adopted is True:
            outcomes["adopted"] += n
            if unanimous:
                outcomes["unanimous"] += n
        elif adopted is False:
            outcomes["rejected"] += n
    if people is None:
        people = [(str(k), str(v), int(n)) for k, v, n in session.execute(PEOPLE, {"ids": ids})]
    return {
        "meeting": [Facet(d.isoformat(), _day_label(d), n)
                    for d, n in sorted(meetings.items(), key=lambda x: (-x[1], x[0]))[:15]],
        "topic": [Facet(t, t, n) for t, n in topic_counts.most_common()],
        "outcome": [Facet(o, o, outcomes[o]) for o in OUTCOMES if outcomes[o]],
        "person": [Facet(k, v, n) for k, v, n in people],
    }  # fmt: skip


def search(
    session: Session,
    query: str,
    *,
    filters: Filters | None = None,
    limit: int = 20,
    offset: int = 0,
    with_facets: bool = False,
    grouped: bool = False,
) -> SearchResult:
    """The passages matching `query`, best first; with `grouped`, one result per deliberation
    with its best passages under it (`SearchResult.groups`), not eight hits of one item."""
    filters = filters or Filters()
    found = ranked_candidates(
        session, query, filters=filters,
        pool=max(limit + offset, CANDIDATES),
    )  # fmt: skip
    if found is None:
        return SearchResult([], 0, {}, [])
    expansion, ranked, known = found.expansion, found.ranked, found.known
    groups = expansion.groups
    if grouped:
        return _grouped(session, query, ranked, expansion, limit=limit, offset=offset,
                        with_facets=with_facets, known=known)  # fmt: skip
    hits = load_hits(
        session, ranked[offset : offset + limit], wanted_stems(groups), expansion.routes
    )
    ids = [i for i, _ in ranked]
    facets = _facets(session, ids, _candidate_rows(session, ids, known)) if with_facets else {}
    return SearchResult(hits, len(ranked), facets, [" / ".join(g) for g in groups],
                        expansion.suggestion(query), expansion.unknown)  # fmt: skip


PER_GROUP = 3


def _grouped(
    session: Session,
    query: str,
    ranked: list[tuple[int, float]],
    expansion: Expansion,
    *,
    limit: int,
    offset: int,
    with_facets: bool,
    people: list[tuple[str, str, int]] | None = None,
    known: Known | None = None,
) -> SearchResult:
    """The ranked passages gathered by deliberation, in the order of each one's best passage
    (`people`: see _facets; `known`: see ranked_ids)."""
    ids = [i for i, _ in ranked]
    columns = _candidate_columns(session, ids, known)
    count, page = _page(columns, ranked, offset=offset, limit=limit)
    shown = [pair for group, _size in page for pair in group]
    hits = load_hits(session, shown, wanted_stems(expansion.groups), expansion.routes)
    by_id = {h.passage_id: h for h in hits}
    groups = [
        HitGroup([by_id[i] for i, _ in group if i in by_id], max(0, size - PER_GROUP))
        for group, size in page
    ]
    facets = _facets(session, ids, _by_id(columns, ids), people) if with_facets else {}
    return SearchResult(hits, len(ranked), facets, [" / ".join(g) for g in expansion.groups],
                        expansion.suggestion(query), expansion.unknown,
                        [g for g in groups if g.hits], count)  # fmt: skip


Page = list[tuple[list[tuple[int, float]], int]]  # each group's first PER_GROUP pairs, its size


def _page(
    columns: Known, ranked: list[tuple[int, float]], *, offset: int, limit: int
) -> tuple[int, Page]:
    """(the number of groups, the groups of the page): the ranked passages gathered by
    deliberation (a passage outside any, or not in `columns`, alone), in the order of each
    one's best passage."""
    by_key: dict[int | tuple[int], list[tuple[int, float]]] = {}
    for pair, row in zip(ranked, map(columns.get, map(_FIRST, ranked)), strict=True):
        item_id = row[1] if row is not None else None
        by_key.setdefault(item_id if item_id is not None else (pair[0],), []).append(pair)
    groups = list(by_key.values())
    return len(groups), [(g[:PER_GROUP], len(g)) for g in groups[offset : offset + limit]]


# The subjects of the filter, per database, for the index's stamp they were read at (items are
# written with their minutes only): not a statement on every search page.
_topics: dict[str, tuple[tuple[tuple[int, str], ...], list[str]]] = {}
_topics_lock = threading.Lock()


def topics(session: Session) -> list[str]:
    key = database_key(session)
    stamp = index_state(session).stamp
    known = _topics.get(key)
    if known is not None and known[0] == stamp:
        return list(known[1])
    found = [
        t
        for t in session.scalars(
            select(Item.topic).where(col(Item.topic).is_not(None)).distinct().order_by(Item.topic)
        )
        if t
    ]
    with _topics_lock:
        if len(_topics) >= 16:  # databases (tests make many): a few entries each
            _topics.clear()
        _topics[key] = (stamp, found)
    return list(found)
