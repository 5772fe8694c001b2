"""The search's ranking in the process: BM25 over the passages' stems, kept in memory.

Why: on a ten-year archive (55,000 passages) the full-text databases rank common words slowly.
FTS5 computes bm25() for every passage holding any of the query's words (17,000 for "piscine
budget école") and the statement took 11 to 25 ms; PostgreSQL's ts_rank has no IDF and its best
BM25_POOL were ranked again in Python (fulltext.bm25_rerank). Here each meeting's passages are
read once per process into postings (stem -> passages and weighted frequencies, in numpy
arrays), and a query's BM25 is a few vector operations over the postings of its stems: well under
a millisecond on the archive (0.6 ms, against 10 to 25 ms for FTS5's statement). The cost: on
that archive, 1.0 s of CPU to read them at a web process's start and 42 MiB of memory per web
process.

The same formula and statistics as FTS5's bm25() with the column weights of fulltext.py
(title 0.3, words 1, lemmas 1; k1 1.2, b 0.75; a phrase's IDF log((N - n + 0.5) / (n + 0.5)),
1e-6 when not positive; a passage's length: its words in all three columns), so that both
databases rank as SQLite's FTS5 does, PostgreSQL included (exactly: over every match, not over
ts_rank's best 200). tests/council/test_postings.py checks that the rankings are the same.

Kept up to date with the index's state (fulltext.index_state: each meeting's source hash and
reader, and its count of passages spaCy has not read): a meeting whose state changed is read
again, alone, its state read with its passages (minutes replaced in between are read again at
the next search, never kept under the state before). On a small index (the demo, tests, a small
town: SYNC_PASSAGES) or for a few passages (SYNC_CHANGED) this happens in the request; otherwise
in a background thread, and the database's full-text query serves until the postings are up to
date (`rank` answers None): no search waits long for a build, none sees stale postings.

Phrases: positions are not kept, but the thesaurus's phrases ("budget primitif", "plan local
d'urbanisme"), the only phrases a query holds, are counted as they are read (consecutive stems of
one column, as FTS5 matches a phrase), and the postings are read again when the thesaurus's
phrases change. What this does not rank (`rank` answers None, the caller queries the database):
a phrase the thesaurus does not have, and a search with filters (conditions on joined tables).
"""

from __future__ import annotations

import logging
import math
import sys
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from portal.council.fulltext import COLUMN_WEIGHTS, K1, B, IndexState, index_state
from portal.council.text import Group, group_stems, stem
from portal.db import engine_key, read_rows
from portal.nlp.french import stem_key, thesaurus

log = logging.getLogger(__name__)

# Postings are brought up to date within the request (about 0.1 ms of CPU per passage read) when
# none were read yet and there are at most SYNC_MEETINGS meetings; when the index holds at most
# SYNC_PASSAGES passages (the demo, tests, a small town's minutes: the same ranking whatever the
# timing); or when at most SYNC_CHANGED passages are to be read again. Otherwise in the
# background, the database answering meanwhile.
SYNC_MEETINGS = 20
SYNC_PASSAGES = 5_000
SYNC_CHANGED = 600
MERGED_KEPT = 50_000  # stems whose postings are kept gathered, per snapshot
ABSENT_KEPT = 10_000  # stems known to be in no passage, per snapshot


Postings = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Segment:
    """One meeting's passages: their ids, lengths, and postings sorted by stem (`spans` gives each
    stem's slice of `rows` and `weights`)."""

    key: tuple[str, int]  # (the source's hash and reader, passages spaCy had not read)
    ids: np.ndarray  # int64, passage ids
    lengths: np.ndarray  # float64, words in all three columns
    rows: np.ndarray  # int32, index into ids
    weights: np.ndarray  # float64, the stem's weighted frequency in that passage
    spans: dict[str, tuple[int, int]]
    words: int  # sum of lengths
    # each passage's candidate columns, as search.CANDIDATE_ROWS gives them: (id, item id,
    # meeting date, subject, adopted, unanimous); items are written with their meeting's
    # source (ingest, or a new reader's re-read), which changes the meeting's state
    columns: list[tuple[Any, ...]]


@dataclass(frozen=True)
class Snapshot:
    state: IndexState
    phrases: frozenset[str]  # the thesaurus's phrases counted (stems)
    segments: dict[int, Segment]  # meeting id -> segment
    bases: dict[int, int]  # meeting id -> the offset of its passages in `ids`
    ids: np.ndarray  # every passage id, segment after segment
    columns: list[tuple[Any, ...]]  # every passage's candidate columns, as `ids`
    passages: int
    words: int
    # stem -> its postings gathered from every segment (_postings), filled as queries come
    merged: dict[str, Postings] = field(default_factory=dict, compare=False)
    # stems no passage holds, asked for since (a synonym the minutes never use is looked for in
    # every segment otherwise, on every search naming its word): at most ABSENT_KEPT
    absent: set[str] = field(default_factory=set, compare=False)
    # stem -> (positions, BM25 term of each), computed from `merged` once per snapshot (the
    # corpus's size and mean length are the snapshot's): at most MERGED_KEPT
    terms: dict[str, tuple[np.ndarray, np.ndarray] | None] = field(
        default_factory=dict, compare=False
    )


def _keys(state: IndexState) -> dict[int, tuple[str, int]]:
    unread = state.unread or (0,) * len(state.stamp)
    return {m: (h, u) for (m, h), u in zip(state.stamp, unread, strict=True)}


def phrases() -> frozenset[str]:
    """The phrases of the municipal thesaurus, as stems ("budget primit", "plan local urban"):
    the only phrases a query holds (portal/council/vocabulary.py expand); their occurrences are
    counted like words, so the postings rank them as FTS5 ranks a phrase."""
    table = thesaurus()
    for kept, found in _phrases_of:
        if kept is table:  # the same file: the same phrases (0.35 ms to compute)
            return found
    found = frozenset(
        {k for k in table.links if " " in k}
        | {stem_key(v) for values in table.links.values() for v in values if " " in v}
    )
    _phrases_of[:] = [(table, found)]
    return found


_phrases_of: list[tuple[Any, frozenset[str]]] = []  # [(the thesaurus in use, its phrases)]


def _by_first(phrase_set: frozenset[str]) -> dict[str, list[list[str]]]:
    firsts: dict[str, list[list[str]]] = defaultdict(list)
    for phrase in phrase_set:
        words = phrase.split()
        firsts[words[0]].append(words)
    return firsts


def _segment(
    key: tuple[str, int],
    rows: list[tuple[Any, ...]],
    memo: dict[str, str],
    firsts: dict[str, list[list[str]]],
) -> Segment:
    ids: list[int] = []
    lengths: list[float] = []
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    candidate_columns: list[tuple[Any, ...]] = []
    segment_key = key
    # The meeting's date, one object for its passages (SQLite's driver gives text), and each
    # subject one string in the process: a search's facets count some 300 candidates' dates and
    # subjects, and 300 objects of their own were 300 reads from memory far apart.
    days: dict[Any, date] = {}
    for k, (passage_id, title, body, lemmas, *row) in enumerate(rows):
        ids.append(int(passage_id))
        item_id, day, topic, adopted, unanimous, stamp, unread = row
        # The meeting's state as read with its passages (one statement): what this segment is of.
        segment_key = (str(stamp), int(unread or 0))
        meeting_day = days.get(day)
        if meeting_day is None:
            meeting_day = days[day] = day if isinstance(day, date) else date.fromisoformat(day)
        candidate_columns.append((
            int(passage_id),
            None if item_id is None else int(item_id),
            meeting_day,
            None if topic is None else sys.intern(topic),
            None if adopted is None else bool(adopted),
            None if unanimous is None else bool(unanimous),
        ))  # fmt: skip
        columns = (title, body, lemmas)
        found: dict[str, float] = {}
        length = 0
        for weight, column in zip(COLUMN_WEIGHTS, columns, strict=True):
            words = (column or "").split()
            length += len(words)
            stems = []
            for word in words:
                stemmed = memo.get(word)
                if stemmed is None:
                    stemmed = memo[word] = stem(word)
                stems.append(stemmed)
                found[stemmed] = found.get(stemmed, 0.0) + weight
            # The thesaurus's phrases: consecutive stems of one column, as an FTS5 phrase.
            for i, stemmed in enumerate(stems):
                for phrase in firsts.get(stemmed, ()):
                    if stems[i : i + len(phrase)] == phrase:
                        joined = " ".join(phrase)
                        found[joined] = found.get(joined, 0.0) + weight
        lengths.append(float(length))
        for stemmed, f in found.items():
            postings[stemmed].append((k, f))
    spans: dict[str, tuple[int, int]] = {}
    order: list[int] = []
    weights: list[float] = []
    for stemmed in sorted(postings):
        start = len(order)
        for k, f in postings[stemmed]:
            order.append(k)
            weights.append(f)
        spans[stemmed] = (start, len(order))
    return Segment(
        segment_key,
        np.asarray(ids, dtype=np.int64),
        np.asarray(lengths, dtype=np.float64),
        np.asarray(order, dtype=np.int32),
        np.asarray(weights, dtype=np.float64),
        spans,
        int(sum(lengths)),
        candidate_columns,
    )


PASSAGES = (
    "SELECT p.id, p.search_title, p.search_text, p.search_lemmas, p.item_id, m.meeting_date, "
    "i.topic, i.adopted, i.unanimous, m.source_sha256 || '/' || m.reader_version, m.unread "
    "FROM council_passage p "
    "JOIN council_meeting m ON m.id = p.meeting_id LEFT JOIN council_item i ON i.id = p.item_id "
    "WHERE p.meeting_id = ? ORDER BY p.id"
)


def _read(engine: Engine, state: IndexState, old: Snapshot | None) -> Snapshot:
    """The snapshot for `state` and the thesaurus's phrases now: the segments of `old` whose
    meeting did not change (and all of them when the phrases changed), the others read again."""
    keys = _keys(state)
    phrase_set = phrases()
    if old is not None and old.phrases != phrase_set:
        old = None
    firsts = _by_first(phrase_set)
    memo: dict[str, str] = {}
    segments: dict[int, Segment] = {}
    with Session(engine) as session:
        for meeting_id, key in keys.items():
            kept = old.segments.get(meeting_id) if old is not None else None
            if kept is not None and kept.key == key:
                segments[meeting_id] = kept
                continue
            rows = read_rows(session, PASSAGES, [meeting_id])
            segments[meeting_id] = _segment(key, rows, memo, firsts)
    bases: dict[int, int] = {}
    offset = 0
    for meeting_id, segment in segments.items():
        bases[meeting_id] = offset
        offset += len(segment.ids)
    ids = (
        np.concatenate([s.ids for s in segments.values()])
        if segments
        else np.zeros(0, dtype=np.int64)
    )
    columns = [row for s in segments.values() for row in s.columns]
    words = sum(s.words for s in segments.values())
    if any(segments[m].key != key for m, key in keys.items()):
        # A meeting changed between the state's read and its passages' (each segment is keyed
        # by what was read with its passages): these postings are not those of `state`, and the
        # next search reads the changed meetings again.
        state = STALE
    return Snapshot(state, phrase_set, segments, bases, ids, columns, offset, words)


STALE = IndexState((), -1)  # the state of postings read while their minutes changed


class _Index:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.snapshot: Snapshot | None = None
        self.building: threading.Thread | None = None


_indexes: dict[str, _Index] = {}
_indexes_lock = threading.Lock()


def _index(engine: Engine) -> _Index:
    key = engine_key(engine)
    with _indexes_lock:
        found = _indexes.get(key)
        if found is None:
            if len(_indexes) >= 16:  # databases (tests make many)
                _indexes.clear()
            found = _indexes[key] = _Index()
        return found


def _build(engine: Engine, index: _Index, state: IndexState) -> None:
    try:
        fresh = _read(engine, state, index.snapshot)
        with index.lock:
            index.snapshot = fresh
    except Exception:  # a failed build leaves the database's query serving
        log.exception("council postings: the build failed")
    finally:
        with index.lock:
            index.building = None


def _in_request(current: Snapshot | None, state: IndexState) -> bool:
    """Whether postings out of date for `state` are read again in this request (SYNC_*)."""
    if current is None:
        return len(state.stamp) <= SYNC_MEETINGS
    if current.passages <= SYNC_PASSAGES:
        return True
    if current.phrases != phrases():
        return False  # every meeting to read again
    keys = _keys(state)
    unread = dict(zip((m for m, _ in state.stamp), state.unread or (), strict=False))
    changed = 0
    for meeting_id, key in keys.items():
        kept = current.segments.get(meeting_id)
        if kept is None:
            changed += unread.get(meeting_id, 0)  # minutes just stored: all unread
        elif kept.key != key:
            changed += len(kept.ids)
    return changed <= SYNC_CHANGED


def snapshot(session: Session) -> Snapshot | None:
    """The postings for the index's state now, or None while they are being brought up to date
    in the background."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    state = index_state(session)
    index = _index(engine)
    with index.lock:
        current = index.snapshot
        if current is not None and current.state == state and current.phrases == phrases():
            return current
        if not _in_request(current, state):
            if index.building is None:
                index.building = threading.Thread(
                    target=_build, args=(engine, index, state), daemon=True,
                    name="council-postings",
                )  # fmt: skip
                index.building.start()
            return None
    fresh = _read(engine, state, current)
    with index.lock:
        index.snapshot = fresh
    return fresh


def wait_idle(engine: Engine, timeout: float = 60.0) -> None:
    """Wait for a background build of this database's postings to end (tests, benchmarks)."""
    thread = _index(engine).building
    if thread is not None:
        thread.join(timeout)


def warm(engine: Engine) -> None:
    """Read the postings now (0.7 s for 55,000 passages), so that the first searches after
    start-up need not wait for the background build: the app calls this at start, in a thread,
    before serving. A database without the council's tables is left alone."""
    try:
        with Session(engine) as session:
            state = index_state(session)
        fresh = _read(engine, state, None)
    except SQLAlchemyError:
        return
    index = _index(engine)
    with index.lock:
        if index.snapshot is None:
            index.snapshot = fresh


def _postings(snap: Snapshot, stemmed: str) -> Postings:
    """(positions in snap.ids, weighted frequencies, lengths) of the passages holding `stemmed`,
    gathered from the segments once per snapshot (at most MERGED_KEPT stems kept)."""
    found = snap.merged.get(stemmed)
    if found is None:
        if stemmed in snap.absent:
            return _NONE
        found = _gather(snap, stemmed)
        if not len(found[0]):
            # A word no passage has is not kept with the postings (queries of unknown words
            # would push out the known ones), but in a set of its own.
            if len(snap.absent) >= ABSENT_KEPT:
                snap.absent.clear()
            snap.absent.add(stemmed)
            return found
        if len(snap.merged) >= MERGED_KEPT:
            snap.merged.clear()
        snap.merged[stemmed] = found
    return found


_UNSET = object()  # a stem not looked up yet (Snapshot.terms)
# No passage: the postings of a stem the minutes do not hold (read-only arrays, shared).
_NONE: Postings = (np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
for _array in _NONE:
    _array.flags.writeable = False


def _gather(snap: Snapshot, stemmed: str) -> Postings:
    positions, weights, lengths = [], [], []
    for meeting_id, segment in snap.segments.items():
        span = segment.spans.get(stemmed)
        if span is None:
            continue
        rows = segment.rows[span[0] : span[1]]
        positions.append(rows.astype(np.int64) + snap.bases[meeting_id])
        weights.append(segment.weights[span[0] : span[1]])
        lengths.append(segment.lengths[rows])
    if not positions:
        return _NONE
    return np.concatenate(positions), np.concatenate(weights), np.concatenate(lengths)


def _order(ids: np.ndarray, scores: np.ndarray, positions: np.ndarray, limit: int) -> np.ndarray:
    """The `limit` best of `positions` by score, then id (the databases' order)."""
    if limit <= 0:
        return positions[:0]
    chosen = scores[positions]
    if len(positions) > limit:
        # Every position scoring at least the limit-th best score, ties included, then sorted.
        threshold = np.partition(chosen, len(positions) - limit)[len(positions) - limit]
        kept = chosen >= threshold
        positions, chosen = positions[kept], chosen[kept]
    order = np.lexsort((ids[positions], -chosen))
    return positions[order][:limit]


def rank(
    session: Session,
    groups: list[Group],
    *,
    limit: int,
    mode: str,
    known: dict[int, tuple[Any, ...]] | None = None,
) -> list[tuple[int, float]] | None:
    """(passage id, BM25 score) best first, of the passages holding: every group's words (any
    alternative of each) with `mode` "every"; some of them with "any"; with "every first", those
    holding every group's words, then those holding some (search._candidates' order). None when
    the postings cannot answer (a phrase the thesaurus lacks, or postings not up to date yet): query the
    database then. With `known`, each passage's candidate columns are put there (search.Known).
    """
    found = rank_each(session, [groups], limit=limit, mode=mode, known=known)
    return None if found is None else found[0]


def rank_each(
    session: Session,
    queries: list[list[Group]],
    *,
    limit: int,
    mode: str,
    known: dict[int, tuple[Any, ...]] | None = None,
) -> list[list[tuple[int, float]]] | None:
    """`rank` of each query, in one pass over the postings: a stem in several of them (the words
    a resident typed, ranked with the thesaurus's synonyms and without) is scored once. Each
    answer is the one `rank` gives alone, score for score. None when the postings cannot answer
    one of them."""
    ranked = _rank_arrays(session, queries, limit=limit, mode=mode)
    if ranked is None:
        return None
    snap, answers = ranked
    return [_pairs(snap, scores, positions, known) for positions, scores in answers]


def rank_fused(
    session: Session,
    expanded: list[Group],
    own: list[Group],
    *,
    weight: float,
    limit: int,
    mode: str,
    known: dict[int, tuple[Any, ...]] | None = None,
) -> list[tuple[int, float]] | None:
    """search.fuse of `rank_each(session, [expanded, own])`, pair for pair and score for score,
    in vectors: each passage's score for the words typed (`own`) relative to the best one's, plus
    `weight` times its score with the synonyms too (`expanded`), likewise relative; best first,
    then by id. Only the fused passages are turned into Python objects (building both rankings'
    lists and fusing them in dictionaries was a sixth of a changing search on the ten-year
    archive, issue 18). None when the postings cannot answer."""
    ranked = _rank_arrays(session, [expanded, own], limit=limit, mode=mode)
    if ranked is None:
        return None
    snap, ((by_expanded, expanded_scores), (by_own, own_scores)) = ranked
    if not len(by_expanded):
        return []
    if by_expanded is by_own:
        # One answer for both (no synonym in the minutes): the same sums as below, each passage
        # in both rankings, ordered by the same keys (ids are unique: the same order).
        relative = own_scores / (float(own_scores.max()) or 1.0)
        fused = relative + weight * relative
        order = np.lexsort((snap.ids[by_own], -fused))[:limit]
        return _pairs(snap, fused[order], by_own[order], known)
    union = np.union1d(by_expanded, by_own)
    fused_own = np.zeros(len(union))
    fused_expanded = np.zeros(len(union))
    # As search.fuse: a score over the best one's (1.0 when the best is 0), 0.0 where absent.
    if len(by_own):
        fused_own[np.searchsorted(union, by_own)] = own_scores / (float(own_scores.max()) or 1.0)
    fused_expanded[np.searchsorted(union, by_expanded)] = expanded_scores / (
        float(expanded_scores.max()) or 1.0
    )
    fused = fused_own + weight * fused_expanded
    order = np.lexsort((snap.ids[union], -fused))[:limit]
    return _pairs(snap, fused[order], union[order], known)


def _rank_arrays(
    session: Session, queries: list[list[Group]], *, limit: int, mode: str
) -> tuple[Snapshot, list[tuple[np.ndarray, np.ndarray]]] | None:
    """rank_each's answers as (positions in snap.ids, scores), best first, with the snapshot."""
    stems_each = [[group_stems(g) for g in groups] for groups in queries]
    if not all(stems_each):
        return None
    snap = snapshot(session)
    if snap is None or any(
        " " in s and s not in snap.phrases for stems_of in stems_each for g in stems_of for s in g
    ):
        return None
    nothing = (np.zeros(0, dtype=np.intp), np.zeros(0))
    n = snap.passages
    if n == 0:
        return snap, [nothing for _ in queries]
    avgdl = snap.words / n
    terms = snap.terms

    def term(stemmed: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Each stem's (positions, BM25 term), computed once per snapshot."""
        found = terms.get(stemmed, _UNSET)
        if found is not _UNSET:
            return found  # type: ignore[return-value]
        positions, f, lengths = _postings(snap, stemmed)
        if not len(positions):
            computed = None
        else:
            hits = len(positions)
            idf = math.log((n - hits + 0.5) / (hits + 0.5))
            idf = idf if idf > 0 else 1e-6
            norm = K1 * (1 - B + B * lengths / avgdl)
            # FTS5's order of operations, so that every score is the same double as its
            # bm25() (a last-bit difference would order two tied passages the other way).
            weights = idf * ((f * (K1 + 1)) / (f + norm))
            weights.flags.writeable = False
            computed = (positions, weights)
        if len(terms) >= MERGED_KEPT:
            terms.clear()
        terms[stemmed] = computed
        return computed

    # Every query's stems with postings, each once (the words typed are in both the ranking
    # with the synonyms and the one without).
    found_of = {x: term(x) for stems_of in stems_each for stems in stems_of for x in stems}
    present_terms = [found for found in found_of.values() if found is not None]
    if not present_terms:
        return snap, [nothing for _ in queries]
    # The passages holding a word of any query, in order, numbered 0..m-1 (a few thousand of
    # 56,000 on the ten-year archive: only they are scored), and each stem's postings as those
    # numbers (`inverse`): what np.unique(..., return_inverse=True) gives, by marking the
    # positions in an array of every passage instead of sorting the postings (a tenth of a
    # changing search on the ten-year archive, issue 18), once for all the queries.
    marked = np.zeros(len(snap.ids), dtype=bool)
    for positions, _weights in present_terms:
        marked[positions] = True
    where = np.flatnonzero(marked)
    index_of = np.empty(len(snap.ids), dtype=np.intp)
    index_of[where] = np.arange(len(where))
    inverse_of = {x: index_of[found[0]] for x, found in found_of.items() if found is not None}
    ids = snap.ids[where]
    answers: list[tuple[np.ndarray, np.ndarray]] = []
    # Two queries whose words with postings are the same, group for group, have the same answer
    # (the same object): the typed words and their synonyms when no synonym is in the minutes,
    # as for most words on the ten-year archive.
    answered: dict[tuple[int, tuple[tuple[int, str], ...]], tuple[np.ndarray, np.ndarray]] = {}
    for stems_of in stems_each:
        parts = [(g, x) for g, stems in enumerate(stems_of) for x in stems if x in inverse_of]
        if not parts:
            answers.append(nothing)
            continue
        same = answered.get((len(stems_of), tuple(parts)))
        if same is not None:
            answers.append(same)
            continue
        # np.bincount adds in the input's order, from 0.0: each passage's score is the sum of
        # its terms in the query's order, the same double as FTS5's bm25() (a last-bit
        # difference would order two tied passages the other way).
        scores = np.bincount(
            np.concatenate([inverse_of[x] for _g, x in parts]),
            weights=np.concatenate([found_of[x][1] for _g, x in parts]),  # type: ignore[index]
            minlength=len(where),
        )
        every = np.zeros(len(where), dtype=np.int32)
        present = np.zeros(len(where), dtype=bool)
        group = -1
        for g, x in parts:
            if g != group:
                every += present
                present[:] = False
                group = g
            # A passage holds a stem once in its postings: no repeated position in one term.
            present[inverse_of[x]] = True
        every += present
        if mode == "any":
            best = _order(ids, scores, np.flatnonzero(every), limit)
        else:
            best = _order(ids, scores, np.flatnonzero(every == len(stems_of)), limit)
            if mode == "every first" and len(best) < limit:
                some = np.flatnonzero((every > 0) & (every < len(stems_of)))
                best = np.concatenate([best, _order(ids, scores, some, limit - len(best))])
        answers.append((where[best], scores[best]))
        answered[(len(stems_of), tuple(parts))] = answers[-1]
    return snap, answers


def _pairs(
    snap: Snapshot,
    scores: np.ndarray,
    positions: np.ndarray,
    known: dict[int, tuple[Any, ...]] | None,
) -> list[tuple[int, float]]:
    """(id, score) of the passages at `positions` in snap.ids, `scores` theirs, in that order."""
    ids: list[int] = snap.ids[positions].tolist()
    found = list(zip(ids, scores.tolist(), strict=True))
    if known is not None:
        columns = snap.columns
        known.update(zip(ids, map(columns.__getitem__, positions.tolist()), strict=True))
    return found
