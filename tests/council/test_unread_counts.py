"""Each meeting keeps its count of passages spaCy has not read (migration 0023), so a search reads
the index's state from one row per meeting instead of counting passages at every view; and agenda
items without a number are stored without one (not the text "None")."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from portal.council import services
from portal.council.ingest import index_entities, ingest_paths
from portal.council.models import Item, Meeting, Passage
from portal.council.parse import parse_bytes
from portal.db import session_scope
from tests.migrations_helpers import Migration, columns, meeting, migration_at

EVAL2_MINUTES = Path(__file__).with_name("eval2") / "minutes"


def _unread_per_meeting(engine: Engine) -> dict[int, tuple[int, int]]:
    """{meeting id: (its stored count, the passages actually unread)}."""
    with session_scope(engine, write=False) as session:
        stored = dict(session.execute(select(Meeting.id, Meeting.unread)).all())
        actual = dict(
            session.execute(
                select(Passage.meeting_id, func.count())
                .where(Passage.nlp_done.is_(False))  # type: ignore[attr-defined]
                .group_by(Passage.meeting_id)
            ).all()
        )
    return {m: (n, actual.get(m, 0)) for m, n in stored.items()}


def test_counts_follow_ingest_reading_and_a_corrected_file(engine: Engine, tmp_path: Path) -> None:
    source = EVAL2_MINUTES / "2023-02-09.txt"
    first = tmp_path / source.name
    first.write_bytes(source.read_bytes())
    other = tmp_path / "2023-04-06.txt"
    other.write_bytes((EVAL2_MINUTES / other.name).read_bytes())
    results, errors = ingest_paths(engine, [first, other])
    assert errors == [] and len(results) == 2
    counts = _unread_per_meeting(engine)
    assert all(n == actual > 0 for n, actual in counts.values()), counts
    with session_scope(engine, write=False) as session:
        assert services.pending_count(session) == sum(n for n, _ in counts.values())

    # spaCy reads part of them, then the rest: each meeting's count goes down with it.
    with session_scope(engine) as session:
        read = services.index_pending(session, limit=25)
    assert read == 25
    counts = _unread_per_meeting(engine)
    assert all(n == actual for n, actual in counts.values()), counts
    assert index_entities(engine) > 0
    assert {n for n, _ in _unread_per_meeting(engine).values()} == {0}
    with session_scope(engine, write=False) as session:
        assert services.pending_count(session) == 0

    # A corrected file replaces the meeting's passages: all unread again, the other untouched.
    first.write_text(source.read_text(encoding="utf-8") + "\nLa séance est levée à 23 h 10.\n")
    ingest_paths(engine, [first])
    counts = _unread_per_meeting(engine)
    assert sorted(n for n, _ in counts.values()) == [0, counts_of(engine, date(2023, 2, 9))]
    assert all(n == actual for n, actual in counts.values()), counts


def counts_of(engine: Engine, day: date) -> int:
    with session_scope(engine, write=False) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Passage)
                .join(Meeting, Meeting.id == Passage.meeting_id)  # type: ignore[arg-type]
                .where(Meeting.meeting_date == day)
            )
            or 0
        )


def test_items_that_are_not_deliberations_have_no_number(engine: Engine, tmp_path: Path) -> None:
    """The other town's "POINT N°1 – APPROBATION DU PROCÈS-VERBAL" is an agenda item without a
    deliberation number: stored without one, so no page says "n° None" and the SCDL export
    (deliberations: items with a number) leaves it out."""
    source = EVAL2_MINUTES / "2023-02-09.txt"
    parsed = parse_bytes(source.read_bytes(), source.name)
    numbers = [item.number for item in parsed.items]
    assert None in numbers and "None" not in numbers
    path = tmp_path / source.name
    path.write_bytes(source.read_bytes())
    ingest_paths(engine, [path])
    with session_scope(engine, write=False) as session:
        stored = session.scalars(select(Item.number)).all()
    assert None in stored and "None" not in stored


# --- migration 0023 -------------------------------------------------------------------------------

before_unread = migration_at("0022", "0023", meeting(), name="before_unread")


def test_0023_counts_the_unread_passages_and_clears_none_numbers(before_unread: Migration) -> None:
    with before_unread.begin() as conn:
        meeting_id = conn.execute(text("SELECT id FROM council_meeting")).scalar_one()
        for position, number in enumerate(["None", "2024-05-01"]):
            conn.execute(
                text(
                    "INSERT INTO council_item (meeting_id, position, number, title, unanimous) "
                    "VALUES (:m, :p, :n, 'Un point', :f)"
                ),
                {"m": meeting_id, "p": position, "n": number, "f": False},
            )
        for position, done in enumerate([True, False, False, True, False]):
            body = f"Paragraphe {position} du procès-verbal."
            conn.execute(
                text(
                    "INSERT INTO council_passage (meeting_id, item_id, position, anchor, page, "
                    "kind, text, text_hash, search_text, search_title, search_lemmas, lemmas, "
                    "nlp_done) VALUES (:m, NULL, :p, :p, NULL, 'paragraph', :x, :h, :x, '', '', "
                    "'{}', :done)"
                ),
                {"m": meeting_id, "p": position, "x": body,
                 "h": hashlib.sha256(body.encode()).hexdigest(), "done": done},
            )  # fmt: skip
    with before_unread.up() as engine, engine.connect() as conn:
        assert conn.execute(text("SELECT unread FROM council_meeting")).scalar_one() == 3
        numbers = conn.execute(text("SELECT number FROM council_item ORDER BY position"))
        assert numbers.scalars().all() == [None, "2024-05-01"]
    with before_unread.down() as engine:
        assert "unread" not in columns(engine, "council_meeting")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM council_passage")).scalar_one() == 5
