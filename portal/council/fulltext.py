"""The full-text query of a query's groups, for SQLite's FTS5 and PostgreSQL's tsquery."""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from portal.council.text import Group, group_stems, stem
from portal.db import database_key, read_rows, reads_in_one_transaction


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def fts5_match(groups: list[Group], any_term: bool) -> str:
    """'("travau" OR "travail") AND "piscin"': each group's stems, any of them (a phrase of
    stems, "plan local urban", for a phrase of the thesaurus)."""
    parts = []
    for group in groups:
        stems = group_stems(group)
        one = " OR ".join(f'"{s}"' for s in stems)
        parts.append(f"({one})" if len(stems) > 1 else one)
    return (" OR " if any_term else " AND ").join(parts)


def _ts_alternative(alternative: str) -> str:
    words = alternative.split()
    return words[0] if len(words) == 1 else "(" + " <-> ".join(words) + ")"


def tsquery(groups: list[Group], any_term: bool) -> str:
    """'(travaux | travail) & piscine': folded words, which the french configuration stems."""
    parts = [
        f"({' | '.join(_ts_alternative(a) for a in g)})" if len(g) > 1 else _ts_alternative(g[0])
        for g in groups
    ]
    return (" | " if any_term else " & ").join(parts)


# --- the index's state ------------------------------------------------------------------------
# What the per-process caches of the search (the vocabulary, the subjects, PostgreSQL's corpus
# statistics) are kept for: the meetings, each with the hash of its source file (minutes added,
# corrected or removed change them: passages are only ever written by an ingest, which writes
# its meeting's row in the same transaction), and how many passages spaCy has not read yet (its
# lemmas join the index without changing the passages). One small statement over one row per
# meeting: each meeting keeps its count of unread passages (ingest sets it, the spaCy job lowers
# it; migration 0023), where counting the passages took 30 ms on PostgreSQL over a 55,000-passage
# archive not yet read (every row matched: a sequential scan). In the driver's SQL
# (db.read_rows): a view's first read opens no ORM transaction. The source's hash carries the
# version of the reader that read it: reading the same file again with a newer reader
# (services.reread) changes passages and items too.
STATE = "SELECT m.id, m.source_sha256 || '/' || m.reader_version, m.unread FROM council_meeting m"
_STATE_KEY = "council_index_state"
V = TypeVar("V")


@dataclass(frozen=True)
class IndexState:
    stamp: tuple[tuple[int, str], ...]  # (meeting id, source hash), by id
    pending: int  # passages spaCy has not read
    unread: tuple[int, ...] = ()  # each meeting's passages spaCy has not read, as in `stamp`


def index_state(session: Session) -> IndexState:
    """The index's state now, or as `hold_index_state` read it for this session."""
    held = session.info.get(_STATE_KEY)
    if held is not None:
        return held
    key = database_key(session)
    last = _last_state.get(key)
    sqlite = is_sqlite(session)
    if last is not None:
        # The state's digest first, one row; the meetings' rows only when it moved (PostgreSQL:
        # a hundred rows over the network were 0.7 ms of a search page on the archive; SQLite:
        # reading and sorting them, 0.13 ms, its one string 0.03 ms).
        digest = read_rows(session, STATE_TEXT if sqlite else STATE_DIGEST)[0][0] or ""
        if digest == last[1]:
            return last[0]
    rows = sorted((int(r[0]), str(r[1]), int(r[2] or 0)) for r in read_rows(session, STATE))
    found = IndexState(
        tuple((m, h) for m, h, _ in rows), sum(u for *_, u in rows), tuple(u for *_, u in rows)
    )
    # The same state as the last one read is that object (what keys the shared search pages
    # and the caches: one copy per state, not one per kept page).
    if last is not None and last[0] == found:
        return last[0]
    if len(_last_state) >= 16:  # databases (tests make many)
        _last_state.clear()
    _last_state[key] = (found, state_text(rows) if sqlite else state_digest(rows))
    return found


# The digest of the meetings' rows as PostgreSQL computes it (STATE_DIGEST) and as Python does
# from the rows read (state_digest): equal for the same rows.
STATE_DIGEST = (
    "SELECT md5(string_agg(m.id || ',' || m.source_sha256 || '/' || m.reader_version || ',' || "
    "coalesce(m.unread, 0), ';' ORDER BY m.id)) FROM council_meeting m"
)


def state_digest(rows: list[tuple[int, str, int]]) -> str:
    """md5 of "id,hash/version,unread;…" by id ("" for no meeting: PostgreSQL's md5(NULL))."""
    if not rows:
        return ""
    return hashlib.md5(state_text(rows).encode(), usedforsecurity=False).hexdigest()


# SQLite (no md5): the text itself, as state_text writes it. group_concat's order is its
# rows' order, by id from the subquery in practice; were it another, the text would differ and
# the rows be read: never a wrong state, at worst a slower read.
STATE_TEXT = (
    "SELECT group_concat(m.id || ',' || m.source_sha256 || '/' || m.reader_version || ',' || "
    "coalesce(m.unread, 0), ';') FROM (SELECT id, source_sha256, reader_version, unread "
    "FROM council_meeting ORDER BY id) m"
)


def state_text(rows: list[tuple[int, str, int]]) -> str:
    """ "id,hash/version,unread;…" by id ("" for no meeting)."""
    return ";".join(f"{m},{h},{u}" for m, h, u in rows)


_last_state: dict[str, tuple[IndexState, str]] = {}


class KeptByState(Generic[V]):
    """Values by passage id, kept per database for the index's state they were read at (its
    meetings and the count of passages spaCy has not read: passages, items, entities and lemmas
    change only with them), on a view that holds the state (`hold_index_state`): a view reads
    only the passages no view read since. At most `limit` passages per database; thread-safe."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._kept: dict[str, tuple[Any, dict[int, V]]] = {}  # url -> (version, id -> value)

    def get(
        self, session: Session, ids: list[int], read: Callable[[list[int]], dict[int, V]]
    ) -> dict[int, V] | None:
        """The values of `ids`, `read` for those not kept; None when the session holds no
        state (the caller reads them all)."""
        state = held_index_state(session)
        if state is None:
            return None
        key = database_key(session)
        version = (state.stamp, state.pending)
        with self._lock:
            known = self._kept.get(key)
            if known is None or known[0] != version:
                if len(self._kept) >= 16:  # databases (tests make many)
                    self._kept.clear()
                known = (version, {})
                self._kept[key] = known
            kept = known[1]
            # dict.get over the ids in C (a search page asks some 300 ids twice)
            values = dict(zip(ids, map(kept.get, ids), strict=True))
        missing = [i for i, value in values.items() if value is None]
        for i in missing:
            del values[i]
        found = cast(dict[int, V], values)  # the values left are kept ones: never None
        if missing:
            fresh = read(missing)
            found.update(fresh)
            with self._lock:
                if len(kept) + len(fresh) > self._limit:
                    kept.clear()
                kept.update(fresh)
        return found


def held_index_state(session: Session) -> IndexState | None:
    """The state `hold_index_state` read for this session, if it did (no statement)."""
    found: IndexState | None = session.info.get(_STATE_KEY)
    return found


def hold_index_state(session: Session) -> IndexState:
    """Read the index's state once for the rest of this session: for a view that only reads
    (a search page reads it for the vocabulary, the corpus statistics, the subjects and the
    count of passages spaCy has not read). Never for a session that writes minutes.

    A state read by a view less than STATE_SECONDS ago in this process is taken as it is,
    without a statement, unless minutes were written in this process since (`_note_writes`).
    On PostgreSQL the view's reads then share one transaction, begun at the first of them (a
    pooled read of its own costs a checkout, its ping and a rollback: about 0.7 ms of CPU each);
    SQLite's pooled reads are cheaper without its BEGIN."""
    if not is_sqlite(session):
        reads_in_one_transaction(session)
    key = database_key(session)
    now = time.monotonic()
    recent = _recent.get(key)
    if recent is not None and now - recent[0] < STATE_SECONDS and recent[2] == _writes[0]:
        found = recent[1]
    else:
        writes = _writes[0]
        found = index_state(session)
        if writes == _writes[0]:  # no write of this process's began to commit meanwhile
            if len(_recent) >= 16:  # databases (tests make many)
                _recent.clear()
            _recent[key] = (now, found, writes)
    session.info[_STATE_KEY] = found
    return found


# How long a view's reading of the index's state stands for the next views of this process
# (issue 18): a search whose passages are all kept then makes no statement at all. On the
# ten-year archive the state's read was 0.7 ms of a PostgreSQL search page (a connection taken
# from the pool and pinged, the state's digest over a hundred meetings, a commit) and a sixth
# of a kept search page's time on SQLite. Minutes added, corrected or read by spaCy in this
# process are seen at once (the engines' write events below); by another process (the worker's
# spaCy job, another web process, `portal council ingest`) at most STATE_SECONDS later, as
# search engines make new documents searchable (Elasticsearch's default refresh interval is one
# second), and the anonymous pages' shared cache keeps a page five.
STATE_SECONDS = 1.0
_recent: dict[str, tuple[float, IndexState, int]] = {}  # url -> (read at, state, writes then)
_writes = [0]  # statements of this process that wrote minutes or changed a schema
_WROTE = "council_state_written"


def forget_recent_states() -> None:
    """Make the next view read the index's state (minutes written, a database reset)."""
    _writes[0] += 1
    _recent.clear()


@event.listens_for(Engine, "after_cursor_execute")
def _note_writes(
    conn: Connection, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    """A write to the meetings' rows (an ingest writes its meeting's row with its passages, the
    spaCy job lowers its count of unread passages, a removal deletes it), or a schema's change
    (tests reset databases): the recent states are forgotten now and when it commits."""
    head = statement.lstrip()[:8].upper()
    if head.startswith(("SELECT", "BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")):
        return
    if (
        head.startswith(("INSERT", "UPDATE", "DELETE")) and "council_meeting" in statement
    ) or head.startswith(("TRUNCATE", "DROP", "CREATE", "ALTER")):
        conn.info[_WROTE] = True
        forget_recent_states()


# The engine's commit event comes before the database commits: a view of another thread reading
# the state in between would keep the old one. A session's after_commit comes after, in the
# thread that wrote: the states are forgotten again there.
_committing = threading.local()


@event.listens_for(Engine, "commit")
def _note_commit(conn: Connection) -> None:
    if conn.info.pop(_WROTE, False):
        forget_recent_states()
        _committing.wrote = True


@event.listens_for(OrmSession, "after_commit")
def _note_committed(_session: OrmSession) -> None:
    if getattr(_committing, "wrote", False):
        _committing.wrote = False
        forget_recent_states()


@event.listens_for(Engine, "rollback")
def _note_rollback(conn: Connection) -> None:
    conn.info.pop(_WROTE, None)


def any_passage_has(session: Session, group: Group) -> bool:
    """Whether some passage has a word of the group (as written, by lemma, stemmed)."""
    if is_sqlite(session):
        sql = "SELECT 1 FROM council_passage_fts WHERE council_passage_fts MATCH ? LIMIT 1"
        return bool(read_rows(session, sql, [fts5_match([group], False)]))
    sql = "SELECT 1 FROM council_passage WHERE tsv @@ to_tsquery('french', ?) LIMIT 1"
    return bool(read_rows(session, sql, [tsquery([group], False)]))


# The passages in all and the passages holding each group's words (as written, by lemma,
# stemmed: any_passage_has' match), kept per process for the index's state (spaCy's lemmas
# change the counts: they change the state's pending count too). For answer.py's doc_freq, which
# sends a statement per word of every question. At most COUNTS_KEPT groups per database.
COUNTS_KEPT = 20_000
_counts_lock = threading.Lock()
_counts: dict[str, tuple[Any, int, dict[Group, int]]] = {}  # url -> (state, total, counts)


def passage_counts(session: Session, groups: list[Group]) -> tuple[int, dict[Group, int]]:
    """(passages in all, passages with each group's words): one statement for what is not
    kept, none when all is."""
    state = index_state(session)
    version = (state.stamp, state.pending)
    key = database_key(session)
    with _counts_lock:
        known = _counts.get(key)
        if known is None or known[0] != version:
            known = None
        total = known[1] if known is not None else -1
        found = {g: known[2][g] for g in groups if known is not None and g in known[2]}
    missing = list(dict.fromkeys(g for g in groups if g not in found))
    if missing or total < 0:
        if is_sqlite(session):
            one = "(SELECT count(*) FROM council_passage_fts WHERE council_passage_fts MATCH ?)"
            values = [fts5_match([g], False) for g in missing]
        else:
            one = "(SELECT count(*) FROM council_passage WHERE tsv @@ to_tsquery('french', ?))"
            values = [tsquery([g], False) for g in missing]
        parts = ["(SELECT count(*) FROM council_passage)"] + [one] * len(missing)
        sql = "SELECT " + ", ".join(parts)
        row = read_rows(session, sql, values)[0]
        total = int(row[0])
        read = {g: int(n) for g, n in zip(missing, row[1:], strict=True)}
        found.update(read)
        with _counts_lock:
            kept = _counts.get(key)
            if kept is None or kept[0] != version or len(kept[2]) + len(read) > COUNTS_KEPT:
                if len(_counts) >= 16:  # databases (tests make many)
                    _counts.clear()
                kept = (version, total, {})
                _counts[key] = kept
            kept[2].update(read)
    return total, found


# --- BM25 for PostgreSQL ----------------------------------------------------------------------
# SQLite's FTS5 ranks by BM25 (k1 1.2, b 0.75, column weights title 0.3, words 1, lemmas 1).
# PostgreSQL's ts_rank has no IDF, so PostgreSQL's best BM25_POOL matches by ts_rank are ranked
# again in Python with the same formula, the same Snowball stems and the same statistics (passages
# in all, mean length, passages holding each word, counted by the GIN index and kept per process
# until passages are added): both databases then rank alike.
K1, B = 1.2, 0.75
COLUMN_WEIGHTS = (0.3, 1.0, 1.0)  # search_title, search_text, search_lemmas (as FTS5's bm25())
BM25_POOL = 200
_stats_lock = threading.Lock()
# url -> (the index's stamp, N, avgdl, df)
_stats: dict[str, tuple[tuple[tuple[int, str], ...], int, float, dict[str, int]]] = {}
_pending: dict[str, int] = {}  # url -> passages spaCy had not read (their lemmas are to come)


def _stems_of(column: str) -> list[str]:
    return [stem(w) for w in column.split()]


# A passage's three columns stemmed, with each column's stem counts and its length in words.
Stemmed = tuple[tuple[list[str], list[str], list[str]], tuple[Counter[str], ...], int]
_passages: dict[str, dict[int, Stemmed]] = {}  # url -> passage id -> its stemmed columns
PASSAGES_KEPT = 20_000


Corpus = tuple[int, float, dict[str, int]]


def corpus_stats(session: Session) -> Corpus:
    """(passages, their mean length in words, the doc-frequency cache): read once for the two
    rankings of one search (bm25_rerank's `corpus`)."""
    return _corpus(session)


def _corpus(session: Session) -> Corpus:
    """(passages, their mean length in words, the doc-frequency cache), per database; the stemmed
    passages kept for bm25_rerank are forgotten with them, and when spaCy reads more passages."""
    key = database_key(session)
    state = index_state(session)
    top, pending = state.stamp, state.pending
    with _stats_lock:
        known = _stats.get(key)
        if known is not None and known[0] == top:
            if _pending.get(key) != pending:
                _pending[key] = pending
                _passages[key] = {}
            return known[1], known[2], known[3]
    row = session.execute(
        text(
            "SELECT count(*), coalesce(sum("
            "array_length(regexp_split_to_array(trim(search_title || ' ' || search_text || ' ' "
            "|| search_lemmas), '\\s+'), 1)), 0) FROM council_passage"
        )
    ).one()
    n, words = int(row[0]), float(row[1])
    found: tuple[tuple[tuple[int, str], ...], int, float, dict[str, int]] = (
        top,
        n,
        words / n if n else 1.0,
        {},
    )
    with _stats_lock:
        _stats[key] = found
        _pending[key] = pending
        _passages[key] = {}
    return found[1], found[2], found[3]


def _stemmed(session: Session, ids: list[int]) -> dict[int, Stemmed]:
    """The stemmed columns of these passages: read and stemmed once per process (until passages
    change), not on every search."""
    key = database_key(session)
    with _stats_lock:
        kept = _passages.setdefault(key, {})
        found = {i: kept[i] for i in ids if i in kept}
    missing = [i for i in ids if i not in found]
    if missing:
        rows = session.execute(
            text(
                "SELECT id, search_title, search_text, search_lemmas FROM council_passage "
                "WHERE id = ANY(:ids)"
            ),
            {"ids": missing},
        ).all()
        read = {}
        for passage_id, title, body, lemmas in rows:
            columns = (_stems_of(title), _stems_of(body), _stems_of(lemmas))
            read[int(passage_id)] = (
                columns,
                tuple(Counter(c) for c in columns),
                sum(len(c) for c in columns),
            )
        found.update(read)
        with _stats_lock:
            if len(kept) + len(read) > PASSAGES_KEPT:
                kept.clear()
            kept.update(read)
    return found


def _doc_freq(session: Session, alternative: str, cache: dict[str, int]) -> int:
    if alternative not in cache:
        sql = "SELECT count(*) FROM council_passage WHERE tsv @@ to_tsquery('french', :q)"
        found = int(session.scalar(text(sql), {"q": _ts_alternative(alternative)}) or 0)
        with _stats_lock:
            if len(cache) > 20_000:
                cache.clear()
            cache[alternative] = found
    return cache[alternative]


def _hits(stems: list[str], phrase: list[str]) -> int:
    if len(phrase) == 1:
        return stems.count(phrase[0])
    n = len(phrase)
    return sum(stems[i : i + n] == phrase for i in range(len(stems) - n + 1))


def bm25_rerank(
    session: Session,
    groups: list[Group],
    ranked: list[tuple[int, float]],
    corpus: Corpus | None = None,
) -> list[tuple[int, float]]:
    """PostgreSQL's matches ranked by FTS5's BM25 (each alternative of each group a phrase);
    `corpus` (corpus_stats) when the caller has read it already."""
    if not ranked:
        return ranked
    n, avgdl, cache = corpus if corpus is not None else _corpus(session)
    # One phrase per distinct stem, as fts5_match writes them ("piscines", "piscine": one).
    # One phrase per distinct stem of each group, as fts5_match writes the query (a stem in two
    # groups is two phrases: FTS5's bm25() counts it twice).
    by_stems: dict[str, str] = {}
    phrases: list[str] = []
    for group in groups:
        seen: set[str] = set()
        for alternative in group:
            stems = " ".join(stem(w) for w in alternative.split())
            if stems not in seen:
                seen.add(stems)
                phrases.append(by_stems.setdefault(stems, alternative))
    idf = {}
    for alternative in phrases:
        hits = _doc_freq(session, alternative, cache)
        value = math.log((n - hits + 0.5) / (hits + 0.5)) if n else 0.0
        idf[alternative] = value if value > 0 else 1e-6
    stemmed = {a: s.split() for s, a in by_stems.items()}
    scores = {}
    for passage_id, (columns, counts, length) in _stemmed(session, [i for i, _ in ranked]).items():
        norm = K1 * (1 - B + B * length / avgdl)
        score = 0.0
        for alternative in phrases:
            phrase = stemmed[alternative]
            if len(phrase) == 1:
                f = sum(w * c[phrase[0]] for w, c in zip(COLUMN_WEIGHTS, counts, strict=True))
            else:
                f = sum(w * _hits(c, phrase) for w, c in zip(COLUMN_WEIGHTS, columns, strict=True))
            if f:
                score += idf[alternative] * ((f * (K1 + 1)) / (f + norm))  # FTS5's order
        scores[passage_id] = score
    return sorted(((i, scores.get(i, 0.0)) for i, _ in ranked), key=lambda r: (-r[1], r[0]))
