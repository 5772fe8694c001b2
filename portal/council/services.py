"""Council minutes: ingest (idempotent, anchors kept across corrections), search, meetings.

Other modules use only this file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlmodel import Session, col

from portal import audit
from portal.council import parse as reader
from portal.council.answer import Answer, ask
from portal.council.models import Entity, FormerDate, Item, Meeting, Passage, Question, Upload
from portal.council.nlp import Reading, entity_key, pattern_entities, spacy_read, topic_for
from portal.council.parse import RAPPORTEUR, ParsedMinutes
from portal.council.parse import Passage as ParsedPassage
from portal.council.search import Facet, Filters, Hit, SearchResult, search, topics
from portal.council.text import fts_text, search_text
from portal.errors import NotFound
from portal.web.i18n import gettext as _

__all__ = ["Answer", "Facet", "Filters", "Hit", "SearchResult", "ask", "search", "topics"]

log = logging.getLogger("portal.council")


@dataclass(frozen=True)
class IngestResult:
    meeting_date: date
    # created, unchanged, replaced; for the same file stored by an older reader: reread (read
    # again with today's reader, see `reread`), or left (it could not be: `reread`'s reasons).
    status: str
    passages: int
    kept_anchors: int
    reason: str | None = None  # why it was left (French, for the upload's status page)


def _hash(text_: str) -> str:
    return hashlib.sha256(text_.encode()).hexdigest()


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def ingest(
    session: Session, *, parsed: ParsedMinutes, filename: str, data: bytes, actor_id: int | None
) -> IngestResult:
    """Store parsed minutes. The same file again changes nothing, unless an older reader read it
    (then it is read again: `reread`); a corrected file replaces the meeting and unchanged
    paragraphs keep their anchor (#p<n>), so links to them still work."""
    same = session.scalar(
        select(Meeting)
        .where(Meeting.source_sha256 == parsed.source_sha256)
        .order_by(col(Meeting.id))
        .limit(1)
    )
    if same is not None:
        # Looked up by the file, not by the date: an older reader may have read another date.
        assert same.id is not None
        if same.reader_version < reader.READER_VERSION:
            done = reread(session, meeting_id=same.id, parsed=parsed, actor_id=actor_id)
            status = {REREAD: "reread", UNCHANGED: "unchanged"}.get(done.status, "left")
            return IngestResult(
                done.meeting_date, status, len(parsed.passages), done.kept, done.reason or None
            )
        count = _passage_count(session, same.id)
        return IngestResult(same.meeting_date, "unchanged", count, count)
    meeting = session.scalar(select(Meeting).where(Meeting.meeting_date == parsed.meeting_date))
    old_anchors: dict[str, list[int]] = {}
    next_anchor = 0
    if meeting is not None:
        for anchor, text_hash in session.execute(
            select(Passage.anchor, Passage.text_hash)
            .where(Passage.meeting_id == meeting.id)
            .order_by(Passage.position)
        ):
            old_anchors.setdefault(text_hash, []).append(anchor)
        next_anchor = meeting.next_anchor
        _delete_passages(session, meeting.id)
        session.execute(delete(Item).where(Item.meeting_id == meeting.id))
        status = "replaced"
    else:
        meeting = Meeting(meeting_date=parsed.meeting_date, title="",
                          source_filename=filename, source_sha256=parsed.source_sha256,
                          source_format=parsed.source_format)  # fmt: skip
        session.add(meeting)
        status = "created"
    for name, value in _facts(parsed).items():
        setattr(meeting, name, value)
    meeting.source_filename, meeting.source_sha256 = filename, parsed.source_sha256
    meeting.source_format, meeting.source_bytes = parsed.source_format, data
    meeting.reader_version = meeting.reader_tried = reader.READER_VERSION
    session.flush()
    assert meeting.id is not None

    item_ids = _insert_items(session, _item_rows(meeting.id, parsed))
    kept = 0
    rows: list[dict[str, object]] = []
    for passage in parsed.passages:
        text_hash = _hash(passage.text)
        reusable = old_anchors.get(text_hash)
        if reusable:
            anchor = reusable.pop(0)
            kept += 1
        else:
            anchor = next_anchor
            next_anchor += 1
        next_anchor = max(next_anchor, anchor + 1)
        rows.append(_passage_row(meeting.id, parsed, passage, item_ids, anchor))
    meeting.next_anchor = next_anchor
    meeting.unread = len(rows)  # the new passages are all unread by spaCy
    _insert_passages(session, rows)
    _add_pattern_entities(session, meeting.id, rows)
    audit.record(
        session, actor_id=actor_id, action=f"council.minutes.{status}", object_type="council_meeting",
        object_id=parsed.meeting_date.isoformat(), detail={"file": filename, "passages": len(rows)},
    )  # fmt: skip
    return IngestResult(parsed.meeting_date, status, len(rows), kept)


def _item_rows(meeting_id: int, parsed: ParsedMinutes) -> list[dict[str, object]]:
    """The rows of the meeting's items (deliberations), in order."""
    rows: list[dict[str, object]] = []
    for position, item in enumerate(parsed.items):
        body = " ".join(p.text for p in parsed.passages[item.first_passage : item.last_passage + 1])
        vote = item.vote
        rows.append({
            "meeting_id": meeting_id, "position": position,
            "number": item.number if item.number and len(item.number) <= NUMBER_MAX else None,
            "title": _fit(item.title, ITEM_TITLE_MAX),
            "rapporteur": (rapporteur_name(item.rapporteur) or None) if item.rapporteur else None,
            "vote_for": vote.for_ if vote else None,
            "vote_against": vote.against if vote else None,
            "vote_abstentions": vote.abstentions if vote else None,
            "vote_voters": vote.voters if vote else None,
            "vote_members": vote.members if vote else None,
            "unanimous": bool(vote and vote.unanimous), "adopted": item.adopted,
            "topic": topic_for(item.title, body),
        })  # fmt: skip
    return rows


def _insert_items(session: Session, rows: list[dict[str, object]]) -> list[int]:
    """Core inserts with RETURNING, in parameter order; the new ids."""
    if not rows:
        return []
    return list(
        session.scalars(insert(Item).returning(col(Item.id), sort_by_parameter_order=True), rows)
    )


def _passage_row(
    meeting_id: int, parsed: ParsedMinutes, passage: ParsedPassage, item_ids: list[int], anchor: int
) -> dict[str, object]:
    item_id = item_ids[passage.item_index] if passage.item_index is not None else None
    # The item's title is indexed with each of its paragraphs: a question names the subject.
    item_title = parsed.items[passage.item_index].title if passage.item_index is not None else ""
    return {
        "meeting_id": meeting_id, "item_id": item_id, "position": passage.index,
        "anchor": anchor, "page": passage.page, "kind": passage.kind, "text": passage.text,
        "text_hash": _hash(passage.text), "search_text": search_text(passage.text),
        "search_title": search_text(item_title), "search_lemmas": "", "lemmas": {},
        "nlp_done": False,
    }  # fmt: skip


def _insert_passages(session: Session, rows: list[dict[str, object]]) -> None:
    """Insert new passages (each row gets its "id") and, on SQLite, their full-text rows."""
    if not rows:
        return
    if not _is_sqlite(session):
        _copy_passages(session, rows)  # PostgreSQL's generated tsv column indexes them
        return
    ids = list(
        session.scalars(
            insert(Passage).returning(col(Passage.id), sort_by_parameter_order=True), rows
        )
    )
    for row, passage_id in zip(rows, ids, strict=True):
        row["id"] = passage_id
    session.execute(
        text(
            "INSERT INTO council_passage_fts(rowid, search_title, search_text, search_lemmas) "
            "VALUES (:id, :title, :text, '')"
        ),
        [{"id": row["id"], "title": fts_text(str(row["search_title"])),
          "text": fts_text(str(row["search_text"]))} for row in rows],
    )  # fmt: skip


PASSAGE_COLUMNS = ("id", "meeting_id", "item_id", "position", "anchor", "page", "kind", "text",
                   "text_hash", "search_text", "search_title", "search_lemmas", "lemmas",
                   "nlp_done")  # fmt: skip


def _copy_passages(session: Session, rows: list[dict[str, object]]) -> None:
    """PostgreSQL: the passages in one COPY, with ids taken from the table's sequence first (a
    meeting has hundreds of passages; COPY is several times faster than INSERT ... RETURNING)."""
    ids = session.scalars(
        text("SELECT nextval(pg_get_serial_sequence('council_passage', 'id')) "
             "FROM generate_series(1, :n)"),
        {"n": len(rows)},
    ).all()  # fmt: skip
    for row, passage_id in zip(rows, ids, strict=True):
        row["id"] = int(passage_id)
    cursor = session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY council_passage ({', '.join(PASSAGE_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [json.dumps(row[c]) if c == "lemmas" else row[c] for c in PASSAGE_COLUMNS]
            )


def _add_pattern_entities(session: Session, meeting_id: int, rows: list[dict[str, object]]) -> None:
    """Amounts, dates and rapporteurs are known at ingest; spaCy's entities come later."""
    entities = []
    for row in rows:
        passage_text = str(row["text"])
        found = pattern_entities(passage_text)
        if row["kind"] == "paragraph" and (rap := RAPPORTEUR.match(passage_text)):
            name = rapporteur_name(rap.group(1))
            if name:
                found.append(("person", name, entity_key(name)))
        entities += [
            {"meeting_id": meeting_id, "passage_id": row["id"], "kind": kind, "value": value,
             "key": key}
            for kind, value, key in found
        ]  # fmt: skip
    entities = fitting(entities)
    if entities:
        session.execute(insert(Entity), entities)


# What an entity's columns hold (models.Entity): longer is no name, place or amount but a run of
# text a rule or spaCy took for one (seen on a blind set's transcript, where "Rapporteur : M. X,
# adjoint aux sports, représenté par M. le Maire. L'enveloppe…" went on for 400 characters and
# PostgreSQL refused the whole minutes).
ENTITY_MAX = 200
NAME_MAX = 80
PERSON_MAX, PLACE_MAX = 200, 300
# The end of a sentence: a dot after a word of two letters or more that is no title or
# abbreviation ("M.", "Mme.", "J.-P.", "adj." are not), then a space and a capital.
SENTENCE_END = re.compile(
    r"(?<![A-ZÀ-Ý])(?<!\bMM)(?<!\bMme)(?<!\bMlle)(?<!\bMe)(?<!\bDr)(?<!\bPr)(?<!\badj)"
    r"(?<!\bSt)(?<!\bcf)\.\s+(?=[A-ZÀ-Ý])"
)


def rapporteur_name(text: str) -> str:
    """The person a "Rapporteur :" line names: the line itself when it is short enough for a
    name ("M. J.-P. DUPONT, adjoint aux finances"); a longer one up to the end of its first
    sentence, then up to its first comma ("M. Thierry WEBER, adjoint à la vie associative et
    aux sports, représenté par M. le Maire. L'enveloppe…" -> "M. Thierry WEBER"); "" when no
    name is left."""
    name = text.strip().rstrip(".").strip()
    if len(name) > NAME_MAX:
        name = SENTENCE_END.split(name, maxsplit=1)[0].strip().rstrip(".")
    if len(name) > NAME_MAX:
        name = name.split(",", 1)[0].strip()
    return name if len(name) <= NAME_MAX else ""


# The columns of a meeting's and an item's title and number (models.Meeting, models.Item): a
# reader's rule that takes a paragraph for a title must not lose the minutes.
MEETING_TITLE_MAX, ITEM_TITLE_MAX, NUMBER_MAX = 300, 500, 40


def _fit(text: str, limit: int) -> str:
    """`text` cut at a word to hold in `limit` characters, with "…" when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def fitting(entities: list[dict[str, object]]) -> list[dict[str, object]]:
    """The entities whose value and key fit their columns (the others are left out)."""
    return [
        e
        for e in entities
        if len(str(e["value"])) <= ENTITY_MAX and len(str(e["key"])) <= ENTITY_MAX
    ]


# --- reading stored minutes again with today's reader ---------------------------------------------

REREAD, UNCHANGED, LEFT, GONE = "reread", "unchanged", "left", "gone"
ITEM_FIELDS = ("number", "title", "rapporteur", "vote_for", "vote_against", "vote_abstentions",
               "vote_voters", "vote_members", "unanimous", "adopted", "topic")  # fmt: skip
# Ids per statement in an IN list (SQLite allows 32,766 parameters; a meeting may have 100,000
# passages).
IN_CHUNK = 1000


@dataclass(frozen=True)
class Reread:
    """What reading a stored meeting again did: `status` reread (its date, facts, items or
    passages changed), unchanged (today's reader reads the same), left (not read again:
    `reason`), gone (replaced or removed since its source was read)."""

    meeting_id: int
    before: date  # the meeting's date before
    meeting_date: date  # and after
    status: str
    reason: str | None = None
    kept: int = 0  # passages that kept their row, anchor, lemmas and entities
    added: int = 0  # new or changed passages, with new anchors
    removed: int = 0  # passages no longer in the minutes (their anchors now lead nowhere)


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + IN_CHUNK] for i in range(0, len(ids), IN_CHUNK)]


def _facts(parsed: ParsedMinutes) -> dict[str, object]:
    """The meeting's row as the reader gives it, each text held in its column (models.Meeting):
    what an ingest writes and a re-read compares and writes."""
    return {
        "meeting_date": parsed.meeting_date, "title": _fit(parsed.title, MEETING_TITLE_MAX),
        "place": _fit_or_none(parsed.place, PLACE_MAX),
        "chair": _person_or_none(parsed.chair), "secretary": _person_or_none(parsed.secretary),
        "present": list(parsed.present), "absent": list(parsed.absent),
        "proxies": [list(p) for p in parsed.proxies],
    }  # fmt: skip


def _fit_or_none(text: str | None, limit: int) -> str | None:
    return _fit(text, limit) if text else text


def _person_or_none(text: str | None) -> str | None:
    """A chair's or secretary's line as a name (rapporteur_name), cut to its column when the
    line holds no shorter name."""
    if not text:
        return text
    return rapporteur_name(text) or _fit(text, PERSON_MAX)


def leave_unread(
    session: Session, *, meeting_id: int, source_sha256: str, reason: str, actor_id: int | None
) -> Reread | None:
    """Record that today's reader could not read the meeting again (`reason`, in French): it
    stays as it is, and the job will not try again until the reader changes. None when the
    meeting is gone or holds another source by now."""
    meeting = session.get(Meeting, meeting_id, with_for_update=True, populate_existing=True)
    if meeting is None or meeting.source_sha256 != source_sha256:
        return None
    return _left(session, meeting, reason, actor_id)


def _left(session: Session, meeting: Meeting, reason: str, actor_id: int | None) -> Reread:
    assert meeting.id is not None
    meeting.reader_tried = reader.READER_VERSION
    day = meeting.meeting_date.isoformat()
    log.warning("council: minutes of %s not read again: %s", day, reason)
    audit.record(
        session, actor_id=actor_id, action="council.minutes.reread_left",
        object_type="council_meeting", object_id=day,
        detail={"reason": reason, "reader": reader.READER_VERSION},
    )  # fmt: skip
    return Reread(meeting.id, meeting.meeting_date, meeting.meeting_date, LEFT, reason)


def reread(
    session: Session, *, meeting_id: int, parsed: ParsedMinutes, actor_id: int | None
) -> Reread:
    """Store what today's reader (`parsed`, read from the meeting's own source) makes of a
    meeting an older reader read, as migration 0008 did once: a passage whose text did not
    change keeps its row (id, anchor = permanent link #p<n>, lemmas, entities), only its
    position, page, item and kind follow; the other old passages are deleted (their links give
    the 404 of a paragraph that is not in the minutes); new or changed passages get new anchors
    after `next_anchor`, their amounts, dates and rapporteur, and wait for spaCy; the items are
    written again; the meeting's facts, date included, follow. A date that is another stored
    meeting's leaves the meeting as it is (status left). Nothing changes when today's reader
    reads what is stored (status unchanged: only the reader's version is recorded)."""
    version = reader.READER_VERSION
    if not _is_sqlite(session):
        # Lock the passages, then the meeting, in the order the spaCy job's store_readings
        # takes them; SQLite's writers already run one at a time (BEGIN IMMEDIATE).
        session.execute(
            select(Passage.id)
            .where(Passage.meeting_id == meeting_id)
            .order_by(col(Passage.id))
            .with_for_update()
        )
    meeting = session.get(Meeting, meeting_id, with_for_update=True, populate_existing=True)
    if meeting is None or meeting.source_sha256 != parsed.source_sha256:
        return Reread(meeting_id, parsed.meeting_date, parsed.meeting_date, GONE,
                      "la séance a été remplacée ou retirée entre-temps")  # fmt: skip
    before = meeting.meeting_date
    if meeting.reader_version >= version:
        return Reread(meeting_id, before, before, UNCHANGED)
    if parsed.meeting_date != before and session.scalar(
        select(Meeting.id).where(Meeting.meeting_date == parsed.meeting_date)
    ):
        reason = (
            f"la date lue aujourd'hui, le {parsed.meeting_date:%d/%m/%Y}, est celle d'une autre "
            f"séance enregistrée ; la séance reste au {before:%d/%m/%Y}, à vérifier"
        )
        return _left(session, meeting, reason, actor_id)

    item_rows = _item_rows(meeting_id, parsed)
    old_items = session.execute(
        select(Item.id, Item.position, *(getattr(Item, f) for f in ITEM_FIELDS))
        .where(Item.meeting_id == meeting_id)
        .order_by(col(Item.position))
    ).all()
    item_position = {row[0]: row[1] for row in old_items}
    old = session.execute(
        select(Passage.id, Passage.anchor, Passage.text_hash, Passage.text, Passage.page,
               Passage.kind, Passage.item_id, Passage.search_title)
        .where(Passage.meeting_id == meeting_id)
        .order_by(col(Passage.position))
    ).all()  # fmt: skip
    facts = _facts(parsed)
    same = (
        all(getattr(meeting, k) == v for k, v in facts.items())
        and [tuple(r[k] for k in ITEM_FIELDS) for r in item_rows]
        == [tuple(r[2:]) for r in old_items]
        and [(p.text, p.page, p.kind, p.item_index) for p in parsed.passages]
        == [(r.text, r.page, r.kind, item_position.get(r.item_id)) for r in old]
    )
    if same:
        meeting.reader_version = meeting.reader_tried = version
        return Reread(meeting_id, before, before, UNCHANGED, kept=len(old))

    # Items: written again (passages lose theirs on delete, and get the new ones below).
    session.execute(delete(Item).where(col(Item.meeting_id) == meeting_id))
    item_ids = _insert_items(session, item_rows)
    reusable: dict[str, list[Any]] = {}
    for old_passage in old:
        reusable.setdefault(old_passage.text_hash, []).append(old_passage)
    next_anchor = max([meeting.next_anchor] + [row.anchor + 1 for row in old])
    kept: list[dict[str, object]] = []
    titles: list[dict[str, object]] = []
    new_rows: list[dict[str, object]] = []
    for passage in parsed.passages:
        row = _passage_row(meeting_id, parsed, passage, item_ids, next_anchor)
        if found := reusable.get(str(row["text_hash"])):
            old_row = found.pop(0)
            kept.append({"id": old_row.id, "position": passage.index, "page": passage.page,
                         "item_id": row["item_id"], "kind": passage.kind,
                         "search_title": row["search_title"]})  # fmt: skip
            if old_row.search_title != row["search_title"]:
                titles.append({"id": old_row.id, "title": fts_text(str(row["search_title"]))})
            continue
        new_rows.append(row)
        next_anchor += 1
    gone = sorted(r.id for rows in reusable.values() for r in rows)
    sqlite = _is_sqlite(session)
    for ids in _chunks(gone):
        if sqlite:
            session.execute(
                text("DELETE FROM council_passage_fts WHERE rowid IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": ids},
            )
        session.execute(delete(Entity).where(col(Entity.passage_id).in_(ids)))
        session.execute(delete(Passage).where(col(Passage.id).in_(ids)))
    if kept:
        session.execute(update(Passage), kept)  # by primary key
    if titles and sqlite:
        session.execute(
            text("UPDATE council_passage_fts SET search_title = :title WHERE rowid = :id"), titles
        )
    _insert_passages(session, new_rows)
    _add_pattern_entities(session, meeting_id, new_rows)

    after = parsed.meeting_date
    if after != before:
        # Its links under the old date lead to the new one (routes.py: moved_to); a former date
        # it comes back to is its own again.
        session.execute(delete(FormerDate).where(col(FormerDate.day) == after))
        session.merge(FormerDate(day=before, meeting_id=meeting.id))
        # What names the meeting by its date follows it: answered questions citing one of its
        # passages, and the uploads whose status page links to it.
        session.execute(
            update(Question)
            .where(col(Question.cited_meeting) == before)
            .values(cited_meeting=after)
        )
        session.execute(
            update(Upload).where(col(Upload.meeting_date) == before).values(meeting_date=after)
        )
    for key, value in facts.items():
        setattr(meeting, key, value)
    meeting.next_anchor = next_anchor
    meeting.reader_version = meeting.reader_tried = version
    # The passages are locked (or SQLite's writer is alone): this count stays true at commit.
    meeting.unread = int(
        session.scalar(
            select(func.count())
            .select_from(Passage)
            .where(Passage.meeting_id == meeting_id, col(Passage.nlp_done).is_(False))
        )
        or 0
    )
    result = Reread(meeting_id, before, after, REREAD, None, len(kept), len(new_rows), len(gone))
    audit.record(
        session, actor_id=actor_id, action="council.minutes.reread", object_type="council_meeting",
        object_id=after.isoformat(),
        detail={"before": before.isoformat(), "reader": version, "kept": result.kept,
                "added": result.added, "removed": result.removed},
    )  # fmt: skip
    return result


Pending = tuple[int, int, str]  # passage id, meeting id, text


def pending_passages(session: Session, *, limit: int) -> list[Pending]:
    """Passages spaCy has not read yet, oldest first."""
    return [
        (int(r[0]), int(r[1]), str(r[2]))
        for r in session.execute(
            select(Passage.id, Passage.meeting_id, Passage.text)
            .where(col(Passage.nlp_done).is_(False))
            .order_by(Passage.id)
            .limit(limit)
        )
    ]


def store_readings(session: Session, *, pending: list[Pending], found: list[Reading]) -> int:
    """Store what spaCy read in `pending` passages (entities, lemmas added to the search index)
    and mark them read. Passages replaced by a corrected version in the meantime are skipped.
    Returns how many were marked."""
    # Same id and same text: SQLite may give a deleted passage's id to a new one.
    read = {p[0]: p[2] for p in pending}
    still = {
        passage_id
        for passage_id, passage_text in session.execute(
            select(Passage.id, Passage.text).where(
                col(Passage.id).in_(list(read)), col(Passage.nlp_done).is_(False)
            )
        )
        if read.get(passage_id) == passage_text
    }
    kept = [(p, r) for p, r in zip(pending, found, strict=True) if p[0] in still]
    entities = [
        {"meeting_id": meeting_id, "passage_id": passage_id, "kind": kind, "value": value,
         "key": key}
        for (passage_id, meeting_id, _), reading in kept
        for kind, value, key in reading.entities
    ]  # fmt: skip
    entities = fitting(entities)
    if entities:
        session.execute(insert(Entity), entities)
    with_lemmas = [
        {"id": p[0], "search_lemmas": " ".join(r.lemma_words), "lemmas": r.lemmas}
        for p, r in kept
        if r.lemma_words
    ]
    if with_lemmas:
        session.execute(update(Passage), with_lemmas)  # by primary key
        if _is_sqlite(session):
            session.execute(
                text("UPDATE council_passage_fts SET search_lemmas = :stems WHERE rowid = :id"),
                [{"id": r["id"], "stems": fts_text(str(r["search_lemmas"]))} for r in with_lemmas],
            )
    if still:
        # Only rows still unread are marked and counted (a concurrent reader of the same
        # passages waits on the row locks, then finds them read), so each meeting's count of
        # unread passages goes down by what this call marked.
        marked = session.execute(
            update(Passage)
            .where(col(Passage.id).in_(sorted(still)), col(Passage.nlp_done).is_(False))
            .values(nlp_done=True)
            .returning(col(Passage.meeting_id))
        ).scalars()
        per_meeting = Counter(int(m) for m in marked)
        if per_meeting:
            session.execute(
                text("UPDATE council_meeting SET unread = unread - :n WHERE id = :m"),
                [{"m": m, "n": n} for m, n in sorted(per_meeting.items())],
            )
    return len(still)


def index_pending(session: Session, *, limit: int = 2000, batch_size: int = 64) -> int:
    """Read up to `limit` passages with spaCy and store their lemmas, people, places and
    organisations, all in `session`. (Jobs read and write in two steps so as not to hold a write
    lock while spaCy works: see jobs.py.)"""
    pending = pending_passages(session, limit=limit)
    if not pending:
        return 0
    found = spacy_read((p[2] for p in pending), batch_size=batch_size)
    return store_readings(session, pending=pending, found=found)


def tidy_search_index(session: Session) -> None:
    """After passages are written: PostgreSQL first appends new entries of a GIN index to a
    pending list that every search reads through until autovacuum merges it (measured on the
    55,000-passage archive right after ingest: 5 ms of each search, 33 ms against 7 ms for some),
    so merge it now; its cost follows the list's length. (SQLite's FTS5 merges its segments as it
    goes.)"""
    if not _is_sqlite(session):
        session.execute(text("SELECT gin_clean_pending_list('ix_council_passage_tsv')"))


def pending_count(session: Session) -> int:
    """Passages spaCy has not read yet, from the meetings' counts (one row per meeting)."""
    return int(session.scalar(select(func.coalesce(func.sum(Meeting.unread), 0))) or 0)


def _delete_passages(session: Session, meeting_id: int) -> None:
    if _is_sqlite(session):
        session.execute(
            text(
                "DELETE FROM council_passage_fts WHERE rowid IN (SELECT id FROM council_passage WHERE meeting_id = :m)"
            ),
            {"m": meeting_id},
        )
    session.execute(delete(Entity).where(Entity.meeting_id == meeting_id))
    session.execute(delete(Passage).where(Passage.meeting_id == meeting_id))


# --- meetings -----------------------------------------------------------------------------------


# A page of a meeting holds this many passages: a meeting of 100,000 paragraphs is 500 pages
# of about 100 kB, never one page of 36 MB. Links to a passage (`urls.passage`) find its page.
PASSAGES_PER_PAGE = 200
# The entities listed per kind on a meeting page and in its API answer, most named first.
ENTITIES_PER_KIND = 40


@dataclass(frozen=True)
class TocEntry:
    item: Item
    anchor: int | None  # its first passage
    page: int  # the page of the meeting where that passage is


@dataclass(frozen=True)
class MeetingView:
    meeting: Meeting
    items: list[Item]
    passages: list[Passage]  # this page's
    # kind -> [(value, number of passages naming it)], most named first.
    entities: dict[str, list[tuple[str, int]]]
    page: int = 1
    pages: int = 1
    total_passages: int = 0
    per_page: int = PASSAGES_PER_PAGE
    toc: list[TocEntry] = field(default_factory=list)


def meetings(session: Session, *, page: int = 1, per_page: int = 20) -> tuple[list[Meeting], int]:
    total = int(session.scalar(select(func.count()).select_from(Meeting)) or 0)
    rows = session.scalars(
        select(Meeting)
        .order_by(col(Meeting.meeting_date).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(rows), total


def moved_to(session: Session, day: date) -> date | None:
    """The date of the meeting stored under `day` before a re-read corrected its date, when no
    meeting is stored at `day` now (None otherwise): its old links redirect there."""
    found = session.scalar(
        select(Meeting.meeting_date)
        .join(FormerDate, col(FormerDate.meeting_id) == col(Meeting.id))
        .where(col(FormerDate.day) == day)
    )
    if found is None or session.scalar(select(Meeting.id).where(Meeting.meeting_date == day)):
        return None
    return found


def meeting_by_date(session: Session, meeting_date: date) -> Meeting:
    meeting = session.scalar(select(Meeting).where(Meeting.meeting_date == meeting_date))
    if meeting is None:
        raise NotFound(_("Aucune séance du conseil n'est enregistrée à cette date."))
    return meeting


def _passage_count(session: Session, meeting_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(Passage).where(Passage.meeting_id == meeting_id)
        )
        or 0
    )


def meeting_view(
    session: Session, meeting_date: date, *, page: int = 1, per_page: int = PASSAGES_PER_PAGE
) -> MeetingView:
    """One page of a meeting: its facts, its agenda (each item with the page it starts on),
    `per_page` passages in order, and the people, places, amounts... it names."""
    meeting = meeting_by_date(session, meeting_date)
    assert meeting.id is not None
    total = _passage_count(session, meeting.id)
    pages = max(1, -(-total // per_page))
    if not 1 <= page <= pages:
        raise NotFound(_("Cette séance n'a que %(n)s page(s) de procès-verbal.", n=pages))
    items = list(
        session.scalars(select(Item).where(Item.meeting_id == meeting.id).order_by(Item.position))
    )
    passages = list(
        session.scalars(
            select(Passage)
            .where(Passage.meeting_id == meeting.id)
            .order_by(Passage.position)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    firsts = _first_passages(session, meeting.id)
    toc = [
        TocEntry(item, *(firsts[item.id][0], firsts[item.id][1] // per_page + 1))
        if item.id in firsts
        else TocEntry(item, None, 1)
        for item in items
    ]
    counts: dict[str, dict[str, list[object]]] = defaultdict(dict)
    for kind, key, value, n in session.execute(
        select(Entity.kind, Entity.key, func.min(Entity.value), func.count())
        .where(Entity.meeting_id == meeting.id)
        .group_by(Entity.kind, Entity.key)
    ):
        counts[kind][key] = [value, int(n)]
    entities = {
        kind: sorted(((str(v), int(n)) for v, n in by_key.values()), key=lambda e: (-e[1], e[0]))[
            :ENTITIES_PER_KIND
        ]
        for kind, by_key in counts.items()
    }
    return MeetingView(
        meeting, items, passages, entities, page=page, pages=pages, total_passages=total,
        per_page=per_page, toc=toc,
    )  # fmt: skip


def _first_passages(session: Session, meeting_id: int) -> dict[int, tuple[int, int]]:
    """Each item's first passage: {item id: (anchor, rank of that passage in the meeting)}."""
    ranked = (
        select(
            Passage.item_id,
            Passage.anchor,
            (func.row_number().over(order_by=Passage.position) - 1).label("rank"),
            func.row_number()
            .over(partition_by=Passage.item_id, order_by=Passage.position)
            .label("nth"),
        )
        .where(Passage.meeting_id == meeting_id)
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.item_id, ranked.c.anchor, ranked.c.rank).where(
            ranked.c.nth == 1, ranked.c.item_id.is_not(None)
        )
    )
    return {int(item_id): (int(anchor), int(rank)) for item_id, anchor, rank in rows}


def passage_page(
    session: Session, meeting_date: date, anchor: int, *, per_page: int = PASSAGES_PER_PAGE
) -> int:
    """The page of the meeting where the passage with this permanent anchor is."""
    meeting = meeting_by_date(session, meeting_date)
    position = session.scalar(
        select(Passage.position).where(Passage.meeting_id == meeting.id, Passage.anchor == anchor)
    )
    if position is None:
        raise NotFound(_("Ce paragraphe n'existe pas dans le procès-verbal de cette séance."))
    before = session.scalar(
        select(func.count())
        .select_from(Passage)
        .where(Passage.meeting_id == meeting.id, Passage.position < position)
    )
    return int(before or 0) // per_page + 1


def item_passages(session: Session, item_id: int, *, limit: int) -> tuple[list[Passage], int]:
    """The first `limit` passages of an item, and how many it has."""
    total = int(
        session.scalar(select(func.count()).select_from(Passage).where(Passage.item_id == item_id))
        or 0
    )
    rows = session.scalars(
        select(Passage).where(Passage.item_id == item_id).order_by(Passage.position).limit(limit)
    )
    return list(rows), total


def meeting_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Meeting)) or 0)
