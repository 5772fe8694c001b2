"""Council minutes: ingest (idempotent, anchors kept across corrections), search, meetings.

Other modules use only this file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape
from sqlalchemy import delete, func, select, text
from sqlmodel import Session, col

from portal import audit
from portal.council.models import Item, Meeting, Passage
from portal.council.parse import ParsedMinutes
from portal.council.text import WORD, search_text, stem, terms
from portal.errors import NotFound
from portal.text import fold_accents
from portal.web.i18n import gettext as _


@dataclass(frozen=True)
class IngestResult:
    meeting_date: date
    status: str  # created, unchanged, replaced
    passages: int
    kept_anchors: int


def _hash(text_: str) -> str:
    return hashlib.sha256(text_.encode()).hexdigest()


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def ingest(
    session: Session, *, parsed: ParsedMinutes, filename: str, data: bytes, actor_id: int | None
) -> IngestResult:
    """Store parsed minutes. The same file again changes nothing; a corrected file replaces the
    meeting and unchanged paragraphs keep their anchor (#p<n>), so links to them still work."""
    meeting = session.scalar(select(Meeting).where(Meeting.meeting_date == parsed.meeting_date))
    old_anchors: dict[str, list[int]] = {}
    next_anchor = 0
    if meeting is not None:
        if meeting.source_sha256 == parsed.source_sha256:
            count = session.scalar(
                select(func.count()).select_from(Passage).where(Passage.meeting_id == meeting.id)
            )
            return IngestResult(parsed.meeting_date, "unchanged", int(count or 0), int(count or 0))
        for anchor, text_hash in session.execute(
            select(Passage.anchor, Passage.text_hash)
            .where(Passage.meeting_id == meeting.id)
            .order_by(Passage.position)
        ):
            old_anchors.setdefault(text_hash, []).append(anchor)
        next_anchor = meeting.next_anchor
        _delete_passages(session, meeting.id)  # type: ignore[arg-type]
        session.execute(delete(Item).where(Item.meeting_id == meeting.id))
        status = "replaced"
    else:
        meeting = Meeting(meeting_date=parsed.meeting_date, title=parsed.title, source_filename=filename,
                          source_sha256=parsed.source_sha256, source_format=parsed.source_format)  # fmt: skip
        session.add(meeting)
        status = "created"
    meeting.title = parsed.title
    meeting.place, meeting.chair, meeting.secretary = parsed.place, parsed.chair, parsed.secretary
    meeting.present, meeting.absent = parsed.present, parsed.absent
    meeting.proxies = [list(p) for p in parsed.proxies]
    meeting.source_filename, meeting.source_sha256 = filename, parsed.source_sha256
    meeting.source_format, meeting.source_bytes = parsed.source_format, data
    session.flush()

    item_ids: list[int] = []
    for position, item in enumerate(parsed.items):
        row = Item(
            meeting_id=meeting.id, position=position, number=item.number, title=item.title,
            rapporteur=item.rapporteur, adopted=item.adopted,
            vote_for=item.vote.for_ if item.vote else None,
            vote_against=item.vote.against if item.vote else None,
            vote_abstentions=item.vote.abstentions if item.vote else None,
            unanimous=bool(item.vote and item.vote.unanimous),
        )  # fmt: skip
        session.add(row)
        session.flush()
        item_ids.append(row.id)  # type: ignore[arg-type]

    kept = 0
    rows: list[Passage] = []
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
        item_id = item_ids[passage.item_index] if passage.item_index is not None else None
        # The item's title is indexed with each of its paragraphs: a question names the subject.
        item_title = (
            parsed.items[passage.item_index].title if passage.item_index is not None else ""
        )
        rows.append(
            Passage(
                meeting_id=meeting.id,
                item_id=item_id,
                position=passage.index,
                anchor=anchor,
                page=passage.page,
                kind=passage.kind,
                text=passage.text,
                text_hash=text_hash,
                search_text=search_text(f"{item_title} {passage.text}"),
            )
        )
    session.add_all(rows)
    meeting.next_anchor = next_anchor
    session.flush()
    if _is_sqlite(session):
        session.execute(
            text("INSERT INTO council_passage_fts(rowid, search_text) VALUES (:id, :st)"),
            [{"id": r.id, "st": r.search_text} for r in rows],
        )
    audit.record(
        session, actor_id=actor_id, action=f"council.minutes.{status}", object_type="council_meeting",
        object_id=parsed.meeting_date.isoformat(), detail={"file": filename, "passages": len(rows)},
    )  # fmt: skip
    return IngestResult(parsed.meeting_date, status, len(rows), kept)


def _delete_passages(session: Session, meeting_id: int) -> None:
    if _is_sqlite(session):
        session.execute(
            text(
                "DELETE FROM council_passage_fts WHERE rowid IN (SELECT id FROM council_passage WHERE meeting_id = :m)"
            ),
            {"m": meeting_id},
        )
    session.execute(delete(Passage).where(Passage.meeting_id == meeting_id))


# --- search -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    meeting_date: date
    anchor: int
    text: str
    snippet: Markup
    score: float
    item_number: str | None
    item_title: str | None
    page: int | None

    @property
    def url(self) -> str:
        return f"/council/m/{self.meeting_date.isoformat()}#p{self.anchor}"


def _match_ids_sqlite(
    session: Session, query_terms: list[str], limit: int, any_term: bool
) -> list[tuple[int, float]]:
    joiner = " OR " if any_term else " AND "
    match = joiner.join(f'"{t}"' for t in query_terms)
    rows = session.execute(
        text(
            "SELECT rowid, bm25(council_passage_fts) AS rank FROM council_passage_fts "
            "WHERE council_passage_fts MATCH :q ORDER BY rank LIMIT :n"
        ),
        {"q": match, "n": limit},
    )
    return [(int(r[0]), -float(r[1])) for r in rows]


def _match_ids_pg(
    session: Session, query_terms: list[str], limit: int, any_term: bool
) -> list[tuple[int, float]]:
    joiner = " | " if any_term else " & "
    query = joiner.join(query_terms)
    rows = session.execute(
        text(
            "SELECT id, ts_rank_cd(to_tsvector('simple', search_text), to_tsquery('simple', :q)) AS rank "
            "FROM council_passage WHERE to_tsvector('simple', search_text) @@ to_tsquery('simple', :q) "
            "ORDER BY rank DESC, id LIMIT :n"
        ),
        {"q": query, "n": limit},
    )
    return [(int(r[0]), float(r[1])) for r in rows]


def highlight(passage_text: str, query_terms: set[str], length: int = 240) -> Markup:
    """The passage with the words that match the query marked, cut around the first match."""
    pieces: list[str] = []
    first_match = None
    for m in re.finditer(r"\w+|\W+", passage_text):
        token = m.group(0)
        words = WORD.findall(fold_accents(token))
        if words and stem(words[0]) in query_terms:
            first_match = first_match if first_match is not None else m.start()
            pieces.append(f"<mark>{escape(token)}</mark>")
        else:
            pieces.append(str(escape(token)))
    html = "".join(pieces)
    if len(passage_text) > length and first_match is not None and first_match > length // 2:
        # Cut on the escaped text at a word boundary before the first match.
        cut = html.find("<mark>")
        start = max(0, html.rfind(" ", 0, max(0, cut - length // 3)))
        html = "…" + html[start:]
    return Markup(html)  # noqa: S704 - built from escaped pieces


def search(session: Session, query: str, *, limit: int = 20) -> list[Hit]:
    query_terms = [t for t in dict.fromkeys(terms(query)) if len(t) > 1]
    if not query_terms:
        return []
    matcher = _match_ids_sqlite if _is_sqlite(session) else _match_ids_pg
    ranked = matcher(session, query_terms, limit, False)
    if len(ranked) < limit:
        # Fewer hits with every word: complete with passages that have some of them.
        seen = {i for i, _ in ranked}
        ranked += [r for r in matcher(session, query_terms, limit * 2, True) if r[0] not in seen][
            : limit - len(ranked)
        ]
    if not ranked:
        return []
    ids = [i for i, _ in ranked]
    rows = session.execute(
        select(Passage, Meeting.meeting_date, Item.number, Item.title)
        .join(Meeting, Meeting.id == Passage.meeting_id)
        .outerjoin(Item, Item.id == Passage.item_id)
        .where(col(Passage.id).in_(ids))
    ).all()
    by_id = {row[0].id: row for row in rows}
    wanted = set(query_terms)
    hits = []
    for passage_id, score in ranked:
        passage, meeting_date, number, title = by_id[passage_id]
        hits.append(Hit(meeting_date, passage.anchor, passage.text, highlight(passage.text, wanted), score,
                        number, title, passage.page))  # fmt: skip
    return hits


# --- meetings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingView:
    meeting: Meeting
    items: list[Item]
    passages: list[Passage]


def meetings(session: Session, *, page: int = 1, per_page: int = 20) -> tuple[list[Meeting], int]:
    total = int(session.scalar(select(func.count()).select_from(Meeting)) or 0)
    rows = session.scalars(
        select(Meeting)
        .order_by(col(Meeting.meeting_date).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(rows), total


def meeting_view(session: Session, meeting_date: date) -> MeetingView:
    meeting = session.scalar(select(Meeting).where(Meeting.meeting_date == meeting_date))
    if meeting is None:
        raise NotFound(_("Aucune séance du conseil n'est enregistrée à cette date."))
    items = list(
        session.scalars(select(Item).where(Item.meeting_id == meeting.id).order_by(Item.position))
    )
    passages = list(
        session.scalars(
            select(Passage).where(Passage.meeting_id == meeting.id).order_by(Passage.position)
        )
    )
    return MeetingView(meeting, items, passages)


def meeting_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Meeting)) or 0)
