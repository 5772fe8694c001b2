"""council: minutes stored before paragraph-sized passages are split again

Minutes whose source came without blank lines between paragraphs (text extracted from PDF) were
stored as page-sized passages, and text sources had no page numbers. Each stored meeting is read
again from its source (`council_meeting.source_bytes`) by today's parser
(portal/council/parse.py); when the passages differ, they are replaced:
- a passage whose text did not change keeps its row: id, anchor (its permanent link #p<n>),
  lemmas and the people, places and organisations spaCy found in it; only its position, page and
  item are updated;
- the other old passages are deleted, and the new ones get new anchors (after the meeting's
  `next_anchor`, so no old link ever points at another text), their amounts, dates and
  rapporteur, and wait for spaCy's reading (the council.index_entities job);
- the items (deliberations) are written again from the source, and every passage points at its
  item's new row.
The schema does not change. Downgrade leaves the passages as they are: the code of revision
0007 reads them as any other passages.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

from portal.council.nlp import entity_key, pattern_entities, topic_for
from portal.council.parse import RAPPORTEUR, MinutesError, ParsedMinutes, parse_bytes
from portal.council.text import fts_text, search_text

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _items(bind: sa.Connection, meeting_id: int, parsed: ParsedMinutes) -> list[int]:
    """Write the meeting's items again; their new ids, in order."""
    bind.execute(sa.text("DELETE FROM council_item WHERE meeting_id = :m"), {"m": meeting_id})
    ids = []
    for position, item in enumerate(parsed.items):
        body = " ".join(p.text for p in parsed.passages[item.first_passage : item.last_passage + 1])
        ids.append(
            bind.execute(
                sa.text(
                    "INSERT INTO council_item (meeting_id, position, number, title, rapporteur, "
                    "vote_for, vote_against, vote_abstentions, unanimous, adopted, topic) VALUES "
                    "(:m, :pos, :num, :title, :rap, :vf, :va, :vab, :un, :ad, :topic) RETURNING id"
                ),
                {"m": meeting_id, "pos": position, "num": item.number, "title": item.title,
                 "rap": item.rapporteur, "vf": item.vote.for_ if item.vote else None,
                 "va": item.vote.against if item.vote else None,
                 "vab": item.vote.abstentions if item.vote else None,
                 "un": bool(item.vote and item.vote.unanimous), "ad": item.adopted,
                 "topic": topic_for(item.title, body)},
            ).scalar_one()
        )  # fmt: skip
    return [int(i) for i in ids]


def _resplit(bind: sa.Connection, sqlite: bool, meeting: sa.Row) -> bool:
    """Re-split one meeting; False when its passages are already those of today's parser."""
    meeting_id, filename, data, next_anchor = meeting
    if not data:
        return False
    try:
        parsed = parse_bytes(bytes(data), filename)
    except MinutesError:
        return False  # a source today's parser refuses: its passages stay as they are
    old = bind.execute(
        sa.text(
            "SELECT id, anchor, text_hash, text, page FROM council_passage "
            "WHERE meeting_id = :m ORDER BY position"
        ),
        {"m": meeting_id},
    ).all()
    if [(r.text, r.page) for r in old] == [(p.text, p.page) for p in parsed.passages]:
        return False
    item_ids = _items(bind, meeting_id, parsed)
    reusable: dict[str, list[sa.Row]] = {}
    for row in old:
        reusable.setdefault(row.text_hash, []).append(row)
    kept_ids: set[int] = set()
    new_rows = []
    # Move kept rows out of the way of the (meeting, position) order first.
    bind.execute(
        sa.text("UPDATE council_passage SET position = -1 - position WHERE meeting_id = :m"),
        {"m": meeting_id},
    )
    for passage in parsed.passages:
        text_hash = _hash(passage.text)
        item_id = item_ids[passage.item_index] if passage.item_index is not None else None
        title = parsed.items[passage.item_index].title if passage.item_index is not None else ""
        if reusable.get(text_hash):
            row = reusable[text_hash].pop(0)
            kept_ids.add(row.id)
            bind.execute(
                sa.text(
                    "UPDATE council_passage SET position = :pos, page = :page, item_id = :item, "
                    "kind = :kind, search_title = :title WHERE id = :id"
                ),
                {"pos": passage.index, "page": passage.page, "item": item_id, "kind": passage.kind,
                 "title": search_text(title), "id": row.id},
            )  # fmt: skip
            if sqlite:
                bind.execute(
                    sa.text("UPDATE council_passage_fts SET search_title = :t WHERE rowid = :id"),
                    {"t": fts_text(search_text(title)), "id": row.id},
                )
            continue
        new_rows.append((passage, item_id, title, text_hash))
    gone = [r.id for r in old if r.id not in kept_ids]
    for passage_id in gone:
        if sqlite:
            bind.execute(
                sa.text("DELETE FROM council_passage_fts WHERE rowid = :id"), {"id": passage_id}
            )
        bind.execute(
            sa.text("DELETE FROM council_entity WHERE passage_id = :id"), {"id": passage_id}
        )
        bind.execute(sa.text("DELETE FROM council_passage WHERE id = :id"), {"id": passage_id})
    # SQLite stores JSON as text; PostgreSQL wants the json type.
    empty_json = "'{}'" if sqlite else "CAST('{}' AS json)"
    insert = sa.text(
        "INSERT INTO council_passage (meeting_id, item_id, position, anchor, page, kind, "  # noqa: S608
        "text, text_hash, search_text, search_title, search_lemmas, lemmas, nlp_done) "
        "VALUES (:m, :item, :pos, :anchor, :page, :kind, :text, :hash, :words, :title, "
        f"'', {empty_json}, :done) RETURNING id"
    )
    for passage, item_id, title, text_hash in new_rows:
        words, title_words = search_text(passage.text), search_text(title)
        passage_id = bind.execute(
            insert,
            {"m": meeting_id, "item": item_id, "pos": passage.index, "anchor": next_anchor,
             "page": passage.page, "kind": passage.kind, "text": passage.text, "hash": text_hash,
             "words": words, "title": title_words, "done": False},
        ).scalar_one()  # fmt: skip
        next_anchor += 1
        if sqlite:
            bind.execute(
                sa.text(
                    "INSERT INTO council_passage_fts(rowid, search_title, search_text, "
                    "search_lemmas) VALUES (:id, :title, :words, '')"
                ),
                {"id": passage_id, "title": fts_text(title_words), "words": fts_text(words)},
            )
        found = pattern_entities(passage.text)
        if passage.kind == "paragraph" and (rap := RAPPORTEUR.match(passage.text)):
            name = rap.group(1).strip().rstrip(".")
            found.append(("person", name, entity_key(name)))
        for kind, value, key in found:
            bind.execute(
                sa.text(
                    "INSERT INTO council_entity (meeting_id, passage_id, kind, value, key) "
                    "VALUES (:m, :p, :k, :v, :key)"
                ),
                {"m": meeting_id, "p": passage_id, "k": kind, "v": value, "key": key},
            )
    bind.execute(
        sa.text("UPDATE council_meeting SET next_anchor = :n WHERE id = :m"),
        {"n": next_anchor, "m": meeting_id},
    )
    return True


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    meetings = bind.execute(
        sa.text(
            "SELECT id, source_filename, source_bytes, next_anchor FROM council_meeting ORDER BY id"
        )
    ).all()
    changed = sum(_resplit(bind, sqlite, meeting) for meeting in meetings)
    if changed and not sqlite:
        op.execute("SELECT gin_clean_pending_list('ix_council_passage_tsv')")


def downgrade() -> None:
    """Nothing to undo: the schema is unchanged and revision 0007 reads the passages as they are."""
