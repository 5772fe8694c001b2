"""Migration 0024 (the reader's version of each meeting) on minutes stored at 0023, on SQLite
and PostgreSQL: they are marked read by an older reader (0), then read again from their source
keeping the rows and links of unchanged passages; the downgrade drops the two columns only."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from portal.council import reread, services
from portal.council.parse import parse_bytes
from portal.council.text import fts_text, search_text
from portal.db import session_scope
from tests.migrations_helpers import Migration, columns, migration_at, scalar

SOURCE = Path(__file__).with_name("eval3") / "minutes" / "2024-03-12.md"
KEPT = next(
    p.text
    for p in parse_bytes(SOURCE.read_bytes(), SOURCE.name).passages
    if p.text.startswith("Les pluies des 23 et 24 janvier")
)
GONE = "Séance ordinaire du mardi douze mars deux mille vingt-quatre"

before_reader = migration_at("0023", "0024", name="before_reader")


def _store_as_0023_did(conn: Connection) -> dict[str, int]:
    """SOURCE stored by the reader of revision 0023 (the agenda's date, no deliberation): two
    passages, the kept one read by spaCy (lemmas, a place); {text: passage id}."""
    sqlite = conn.dialect.name == "sqlite"
    data = SOURCE.read_bytes()
    meeting_id = conn.execute(
        text(
            "INSERT INTO council_meeting (meeting_date, title, present, absent, proxies, "
            "source_filename, source_sha256, source_format, source_bytes, ingested_at, "
            "next_anchor, unread) VALUES ('2023-12-19', :title, '[]', '[]', '[]', :name, :sha, "
            "'md', :data, '2024-03-14 10:00:00', 2, 1) RETURNING id"
        ),
        {"title": "1. Approbation du compte rendu de la séance du 19 décembre 2023",
         "name": SOURCE.name, "sha": hashlib.sha256(data).hexdigest(), "data": data},
    ).scalar_one()  # fmt: skip
    ids = {}
    for anchor, (body, done) in enumerate([(GONE, False), (KEPT, True)]):
        lemmas = {"inondé": "inonder"} if done else {}
        ids[body] = conn.execute(
            text(
                "INSERT INTO council_passage (meeting_id, item_id, position, anchor, page, "
                "kind, text, text_hash, search_text, search_title, search_lemmas, lemmas, "
                "nlp_done) VALUES (:m, NULL, :p, :p, NULL, 'paragraph', :x, :h, :s, '', :sl, "
                f"{':lemmas' if sqlite else 'CAST(:lemmas AS json)'}, :done) RETURNING id"
            ),
            {"m": meeting_id, "p": anchor, "x": body,
             "h": hashlib.sha256(body.encode()).hexdigest(), "s": search_text(body),
             "sl": " ".join(lemmas.values()), "lemmas": json.dumps(lemmas), "done": done},
        ).scalar_one()  # fmt: skip
        if sqlite:
            conn.execute(
                text(
                    "INSERT INTO council_passage_fts(rowid, search_title, search_text, "
                    "search_lemmas) VALUES (:id, '', :s, :sl)"
                ),
                {"id": ids[body], "s": fts_text(search_text(body)),
                 "sl": fts_text(" ".join(lemmas.values()))},
            )  # fmt: skip
    conn.execute(
        text(
            "INSERT INTO council_entity (meeting_id, passage_id, kind, value, key) "
            "VALUES (:m, :p, 'place', 'stade Marcel-Pujol', 'stade marcel-pujol')"
        ),
        {"m": meeting_id, "p": ids[KEPT]},
    )
    return ids


def test_0024_marks_stored_minutes_for_a_new_reading(before_reader: Migration) -> None:
    """Minutes stored at 0023 are read by reader 0 after the upgrade; read again, they get
    today's date and deliberations, the unchanged passage keeps its row, link, lemmas and
    place; the downgrade drops the columns and keeps the minutes."""
    with before_reader.begin() as conn:
        ids = _store_as_0023_did(conn)
    with before_reader.up() as engine:
        assert {"reader_version", "reader_tried"} <= columns(engine, "council_meeting")
        with engine.connect() as conn:
            row = conn.execute(text("SELECT reader_version, reader_tried FROM council_meeting"))
            assert tuple(row.one()) == (0, 0)
        assert scalar(engine, "SELECT count(*) FROM council_passage") == 2
    with before_reader.up("head") as engine:
        summary = reread.reread_outdated(engine)
        assert summary.line() == "1 meeting read again, 0 unchanged, 0 left"
        with session_scope(engine, write=False) as session:
            view = services.meeting_view(session, date(2024, 3, 12), per_page=1000)
            assert len(view.items) == len(parse_bytes(SOURCE.read_bytes(), SOURCE.name).items)
            kept = next(p for p in view.passages if p.text == KEPT)
            assert (kept.id, kept.anchor, kept.nlp_done) == (ids[KEPT], 1, True)
            assert kept.lemmas == {"inondé": "inonder"}
            assert view.entities["place"] == [("stade Marcel-Pujol", 1)]
            assert GONE not in [p.text for p in view.passages]
            assert min(p.anchor for p in view.passages if p.id != ids[KEPT]) == 2
            assert view.meeting.unread == len(view.passages) - 1
            hits = services.search(session, "inonder vestiaires").hits
            assert [(h.meeting_date, h.anchor) for h in hits][:1] == [(date(2024, 3, 12), 1)]
    with before_reader.down() as engine:
        assert not {"reader_version", "reader_tried"} & columns(engine, "council_meeting")
        assert scalar(engine, "SELECT meeting_date FROM council_meeting") in (
            date(2024, 3, 12),
            "2024-03-12",
        )
        assert scalar(engine, "SELECT count(*) FROM council_passage WHERE id = :i", i=ids[KEPT])
