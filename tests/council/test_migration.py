"""Migrations on a database that already holds minutes: 0006 (the search keeps working on both
backends, with PostgreSQL's french configuration, and spaCy reads every passage again) and 0008
(page-sized passages split into paragraphs, links to unchanged passages kept)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from portal.council import services
from portal.council.ingest import index_entities
from portal.council.text import fts_text
from portal.council.text import words as search_words
from portal.db import session_scope
from portal.nlp.french import terms
from tests.migrations_helpers import (
    Migration,
    columns,
    meeting,
    migration_at,
    scalar,
    store,
    tables,
)

PASSAGES = [
    ("heading", "1. Travaux de la piscine des Raguidelles"),
    ("paragraph", "Rapporteur : Thomas Lefèvre"),
    ("paragraph", "Les travaux de rénovation seront remis à l'été 2025 ; le bassin reste ouvert."),
]

before_lemmas = migration_at("0005", "0006", name="before_lemmas")


def _store_as_0005_did(conn: Connection) -> None:
    """One meeting stored the way revision 0005's code stored it: stems in search_text, a
    two-column FTS5 table or a 'simple' tsvector, an entity spaCy had found."""
    sqlite = conn.dialect.name == "sqlite"
    meeting_id = conn.execute(
        text(
            "INSERT INTO council_meeting (meeting_date, title, present, absent, proxies, "
            "source_filename, source_sha256, source_format, source_bytes, ingested_at, "
            "next_anchor) VALUES ('2024-05-16', 'Séance du 16 mai 2024', '[]', '[]', '[]', "
            "'pv-mai.md', :sha, 'md', :data, '2024-05-17 10:00:00', 3) RETURNING id"
        ),
        # A source today's reader cannot read (no date in its text nor its name): the
        # migrations that read sources again leave its passages as they were.
        {"sha": "0" * 64, "data": b"minutes"},
    ).scalar_one()
    item_id = conn.execute(
        text(
            "INSERT INTO council_item (meeting_id, position, number, title, unanimous, adopted) "
            "VALUES (:m, 0, '2024-05-10', 'Travaux de la piscine des Raguidelles', :t, :t) "
            "RETURNING id"
        ),
        {"m": meeting_id, "t": True},
    ).scalar_one()
    title = " ".join(terms("Travaux de la piscine des Raguidelles"))
    for position, (kind, body) in enumerate(PASSAGES):
        passage_id = conn.execute(
            text(
                "INSERT INTO council_passage (meeting_id, item_id, position, anchor, page, kind, "
                "text, text_hash, search_text, search_title, nlp_done) VALUES (:m, :i, :p, :p, "
                "1, :k, :x, :h, :s, :st, :done) RETURNING id"
            ),
            {"m": meeting_id, "i": item_id, "p": position, "k": kind, "x": body,
             "h": str(position) * 64, "s": " ".join(terms(body)), "st": title, "done": True},
        ).scalar_one()  # fmt: skip
        if sqlite:
            conn.execute(
                text(
                    "INSERT INTO council_passage_fts(rowid, search_title, search_text) "
                    "VALUES (:id, :st, :s)"
                ),
                {"id": passage_id, "st": title, "s": " ".join(terms(body))},
            )
        if body.startswith("Rapporteur"):
            conn.execute(
                text(
                    "INSERT INTO council_entity (meeting_id, passage_id, kind, value, key) "
                    "VALUES (:m, :p, 'person', 'Thomas Lefèvre', 'thomas lefevre'), "
                    "(:m, :p, 'place', 'Raguidelles', 'raguidelles')"
                ),
                {"m": meeting_id, "p": passage_id},
            )


def test_upgrade_keeps_minutes_searchable_and_has_spacy_read_them_again(
    before_lemmas: Migration,
) -> None:
    with before_lemmas.begin() as conn:
        _store_as_0005_did(conn)
    with before_lemmas.up("head") as engine:
        with session_scope(engine, write=False) as session:
            found = services.search(session, "piscines rénovées").hits
            assert [h.anchor for h in found][:1] == [2]
            assert services.pending_count(session) == len(PASSAGES)
            kinds = session.execute(text("SELECT kind, value FROM council_entity")).all()
            assert [tuple(k) for k in kinds] == [("person", "Thomas Lefèvre")]
            assert services.search(session, "remettre").hits == []
            if engine.dialect.name == "postgresql":
                definition = session.execute(
                    text(
                        "SELECT generation_expression FROM information_schema.columns "
                        "WHERE table_name = 'council_passage' AND column_name = 'tsv'"
                    )
                ).scalar_one()
                assert "'french'" in definition and "search_lemmas" in definition
        assert index_entities(engine) == len(PASSAGES)
        with session_scope(engine, write=False) as session:
            found = services.search(session, "remettre").hits
            assert [h.anchor for h in found] == [2] and "<mark>remis</mark>" in found[0].snippet
    # And back: revision 0005's index (stems) answers 0005's queries again.
    with before_lemmas.down() as engine, engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = "SELECT rowid FROM council_passage_fts WHERE council_passage_fts MATCH 'piscin'"
        else:
            sql = "SELECT id FROM council_passage WHERE tsv @@ to_tsquery('simple', 'piscin')"
        assert len(conn.execute(text(sql)).all()) == len(PASSAGES)


# --- 0008: minutes stored as page-sized passages are split again -------------------------------

RESPLIT_SOURCE = Path(__file__).with_name("data") / "pv-sans-paragraphes.txt"

before_resplit = migration_at("0007", "0008", name="before_resplit")


def _old_passages() -> list[tuple[str, str]]:
    """How revision 0007's parser cut pv-sans-paragraphes.txt: no blank lines, so the debate of
    each deliberation was one block (headers and page numbers inside), but the headings,
    rapporteurs and votes were lines of their own."""
    return [
        ("heading", "Délibération n° 2025-06-01 : Gratuité de la médiathèque Louise-Michel"),
        ("paragraph", "Rapporteur : M. Bruno Lacaze"),
        ("paragraph", "M. Lacaze rappelle que la médiathèque Louise-Michel compte aujourd'hui "
         "3 200 lecteurs inscrits. Page 1/3 Saint-Aubin-les-Prés — Conseil municipal du 3 juin 2025 "
         + "Le coût de la mesure est estimé à 38 000 euros par an. " * 30),
        ("vote", "Vote : pour 24, contre 4, abstentions 1 — adoptée."),
    ]  # fmt: skip


def _store_as_0007_did(conn: Connection) -> dict[str, int]:
    """One meeting stored the 0007 way (one page-sized passage, read by spaCy); its anchors."""
    sqlite = conn.dialect.name == "sqlite"
    anchors = {}
    meeting_id = conn.execute(
        text(
            "INSERT INTO council_meeting (meeting_date, title, present, absent, proxies, "
            "source_filename, source_sha256, source_format, source_bytes, ingested_at, "
            "next_anchor) VALUES ('2025-06-03', 'Séance du 3 juin 2025', '[]', '[]', '[]', "
            "'pv.txt', :sha, 'txt', :data, '2025-06-04 10:00:00', 4) RETURNING id"
        ),
        {"sha": "1" * 64, "data": RESPLIT_SOURCE.read_bytes()},
    ).scalar_one()
    item_id = conn.execute(
        text(
            "INSERT INTO council_item (meeting_id, position, number, title, unanimous, adopted) "
            "VALUES (:m, 0, '2025-06-01', 'Gratuité de la médiathèque Louise-Michel', :f, :t) "
            "RETURNING id"
        ),
        {"m": meeting_id, "f": False, "t": True},
    ).scalar_one()
    for position, (kind, body) in enumerate(_old_passages()):
        words = " ".join(w for w in search_words(body))
        passage_id = conn.execute(
            text(
                "INSERT INTO council_passage (meeting_id, item_id, position, anchor, page, kind, "
                "text, text_hash, search_text, search_title, search_lemmas, lemmas, nlp_done) "
                "VALUES (:m, :i, :p, :p, NULL, :k, :x, :h, :s, '', '', :lemmas, :done) "
                "RETURNING id"
            ),
            {"m": meeting_id, "i": item_id, "p": position, "k": kind, "x": body,
             "h": hashlib.sha256(body.encode()).hexdigest(), "s": words, "lemmas": "{}",
             "done": True},
        ).scalar_one()  # fmt: skip
        anchors[body] = position
        if sqlite:
            conn.execute(
                text(
                    "INSERT INTO council_passage_fts(rowid, search_title, search_text, "
                    "search_lemmas) VALUES (:id, '', :s, '')"
                ),
                {"id": passage_id, "s": fts_text(words)},
            )
        if kind == "vote":
            conn.execute(
                text(
                    "INSERT INTO council_entity (meeting_id, passage_id, kind, value, key) "
                    "VALUES (:m, :p, 'organisation', 'Conseil', 'conseil')"
                ),
                {"m": meeting_id, "p": passage_id},
            )
    return anchors


def test_resplit_migration_cuts_stored_minutes_into_paragraphs_and_keeps_links(
    before_resplit: Migration,
) -> None:
    """Revision 0008 splits page-sized passages stored by 0007 into paragraphs with pages:
    unchanged passages keep their anchor (and what spaCy found), new ones get new anchors, the
    search finds them; downgrading leaves them readable."""
    with before_resplit.begin() as conn:
        anchors = _store_as_0007_did(conn)
    with before_resplit.up("head") as engine, session_scope(engine, write=False) as session:
        rows = session.execute(
            text("SELECT anchor, text, page, kind FROM council_passage ORDER BY position")
        ).all()
        assert all(len(r.text) <= 1200 for r in rows) and all(r.page for r in rows)
        by_text = {r.text: r.anchor for r in rows}
        # Unchanged passages keep their permanent link; the cut one is gone.
        for kept in ("Rapporteur : M. Bruno Lacaze",
                     "Vote : pour 24, contre 4, abstentions 1 — adoptée."):  # fmt: skip
            assert by_text[kept] == anchors[kept]
        assert _old_passages()[2][1] not in by_text
        new = [r.anchor for r in rows if r.text not in anchors]
        assert new and min(new) >= 4 and len(set(new)) == len(new)
        assert session.execute(
            text("SELECT count(*) FROM council_entity WHERE kind = 'organisation'")
        ).scalar_one() == 1  # fmt: skip
        hit = services.search(session, "38 000 euros médiathèque").hits[0]
        assert (
            hit.text.startswith("Le coût de la mesure est estimé à 38 000 euros") and hit.page == 2
        )
        items = session.execute(text("SELECT number FROM council_item ORDER BY position")).all()
        assert [i[0] for i in items] == ["2025-06-01", "2025-06-02"]
        assert services.pending_count(session) == len(new)
    # Running it again (a second upgrade after a downgrade) changes nothing.
    # (Today's search needs today's schema, 0023's counts included: the downgraded database is
    # checked by what 0007's code read, its passages.)
    with before_resplit.down() as engine, session_scope(engine, write=False) as session:
        assert session.execute(
            text("SELECT count(*) FROM council_passage WHERE text LIKE '%toiture du gymnase%'")
        ).scalar_one()
    with before_resplit.up("head") as engine, session_scope(engine, write=False) as session:
        again = session.execute(text("SELECT anchor, text FROM council_passage")).all()
        assert {r.text: r.anchor for r in again} == by_text


before_uploads = migration_at("0011", "0012", meeting(), name="before_uploads")


def test_0012_adds_the_upload_queue_and_keeps_the_minutes(before_uploads: Migration) -> None:
    """0012 on a database holding minutes: they stay as they were, uploads can be queued (one
    row per file: the same sha256 twice is refused); the downgrade drops the queue only."""
    upload = (
        "INSERT INTO council_upload (sha256, filename, data, size, status, attempts, created_at) "
        "VALUES (:sha, 'pv.md', :data, 7, 'queued', 0, '2026-11-30 10:00:00')",
        {"sha": "2" * 64, "data": b"minutes"},
    )
    with before_uploads.up() as engine:
        with engine.begin() as conn:
            store(conn, upload)
            assert conn.execute(text("SELECT title, source_bytes FROM council_meeting")).one() == (
                "Séance du 16 mai 2024",
                b"minutes",
            )
        with pytest.raises(IntegrityError), engine.begin() as conn:
            store(conn, upload)
    with before_uploads.down() as engine:
        assert scalar(engine, "SELECT count(*) FROM council_meeting") == 1
        assert "council_upload" not in tables(engine) and "council_meeting" in tables(engine)


before_questions = migration_at("0016", "0017", meeting(), name="before_questions")


def test_0017_adds_forwarded_questions_and_keeps_the_minutes(before_questions: Migration) -> None:
    """0017 on a database holding minutes: they stay, questions can be stored once per asker
    and text; the downgrade drops the questions only."""
    question = (
        "INSERT INTO council_question (text, dedup_key, status, created_at) "
        "VALUES ('Où garer mon bateau ?', :key, 'open', '2026-11-30 10:00:00')",
        {"key": "k" * 64},
    )
    with before_questions.up() as engine:
        with engine.begin() as conn:
            store(conn, question)
            assert conn.execute(text("SELECT count(*) FROM council_meeting")).scalar_one() == 1
        with pytest.raises(IntegrityError), engine.begin() as conn:
            store(conn, question)
    with before_questions.down() as engine:
        assert "council_question" not in tables(engine)
        assert scalar(engine, "SELECT count(*) FROM council_meeting") == 1


# --- 0022: the number of voters and of members in office -------------------------------------

VOTES_SOURCE = Path(__file__).with_name("data") / "cr-villeneuve-gras.md"

before_vote_counts = migration_at("0021", "0022", name="before_vote_counts")


def test_0022_reads_the_votes_of_stored_minutes_again_and_back(
    before_vote_counts: Migration,
) -> None:
    """Minutes stored by 0021's code, whose vote sentences it could not read ("Adopté à
    l'unanimité", "par 20 voix pour…"): the upgrade fills the counts from the stored source, the
    members in office and the voters; an item whose title changed since and a meeting whose
    source is unreadable are left as they were; a count already stored is kept. Downgrade drops
    the two columns and keeps the rows."""
    titles = ["Tarifs de la cantine scolaire", "Vente d'un terrain communal rue des Tanneurs",
              "Subvention exceptionnelle au comité des fêtes", "Titre d'une autre version",
              "Adhésion au groupement de commandes pour l'énergie",
              "Décisions prises par le maire par délégation"]  # fmt: skip
    numbers = ["2025-03-07", "2025-03-08", "12", "13", "14", "15"]
    meeting_sql = (
        "INSERT INTO council_meeting (meeting_date, title, present, absent, proxies, "
        "source_filename, source_sha256, source_format, source_bytes, ingested_at, next_anchor) "
        "VALUES (:d, 'Séance', '[]', '[]', '[]', :f, :sha, 'md', :data, '2025-03-18 10:00:00', 0) "
        "RETURNING id"
    )
    item_sql = (
        "INSERT INTO council_item (meeting_id, position, number, title, vote_for, unanimous, "
        "adopted) VALUES (:m, :p, :n, :t, :vf, :u, NULL)"
    )
    with before_vote_counts.begin() as conn:
        minutes = conn.execute(
            text(meeting_sql),
            {"d": "2025-03-17", "f": "cr.md", "sha": "2" * 64, "data": VOTES_SOURCE.read_bytes()},
        ).scalar_one()
        for position, (number, title) in enumerate(zip(numbers, titles, strict=True)):
            conn.execute(
                text(item_sql),
                {"m": minutes, "p": position, "n": number, "t": title,
                 "vf": 99 if number == "12" else None, "u": False},
            )  # fmt: skip
        broken = conn.execute(
            text(meeting_sql),
            {"d": "2025-04-01", "f": "cr.pdf", "sha": "3" * 64, "data": b"%PDF-1.4 broken"},
        ).scalar_one()
        conn.execute(
            text(item_sql),
            {"m": broken, "p": 0, "n": "2025-04-01", "t": "Tarifs de la cantine scolaire",
             "vf": None, "u": False},
        )  # fmt: skip
    names = ("number", "vote_members", "vote_voters", "vote_for", "vote_against",
             "vote_abstentions", "unanimous", "adopted")  # fmt: skip
    with before_vote_counts.up("head") as engine, engine.connect() as conn:
        rows = conn.execute(
            text(f"SELECT {', '.join(names)} FROM council_item ORDER BY meeting_id, position")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("2025-03-07", 27, 25, 25, 0, 0, True, True),
        ("2025-03-08", 27, None, 20, 3, 2, False, True),
        ("12", 27, 25, 99, 4, 2, False, True),  # the count stored before is kept
        ("13", None, None, None, None, None, False, None),  # its title changed: left alone
        ("14", 27, 25, 25, 0, 0, True, True),
        ("15", None, None, None, None, None, False, None),
        ("2025-04-01", None, None, None, None, None, False, None),  # source unreadable
    ]
    with before_vote_counts.down() as engine:
        kept = columns(engine, "council_item")
        assert "vote_voters" not in kept and "vote_members" not in kept
        with engine.connect() as conn:
            votes = conn.execute(text("SELECT vote_for FROM council_item ORDER BY id")).scalars()
            assert votes.all()[:3] == [25, 20, 99]
