"""The index's state (what keys the search's per-process caches and shared pages) follows every
change of the minutes in any process: new minutes, a corrected file, spaCy's reading. On
PostgreSQL it is read as a digest first (one row), on SQLite as the text of that digest, the
meetings' rows only when it moved: what the database computes is what Python computes from
those rows."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from portal.council import fulltext
from portal.council.ingest import index_entities, ingest_paths
from portal.db import read_rows, session_scope

from .test_alerts import NEW_MINUTES


def _state(engine: Engine) -> fulltext.IndexState:
    with session_scope(engine, write=False) as session:
        return fulltext.index_state(session)


def test_the_state_moves_with_every_change_and_is_one_object_while_it_does_not(
    engine: Engine, demo_minutes: None, tmp_path: Path
) -> None:
    first = _state(engine)
    assert _state(engine) is first  # nothing changed: the same object (and, on PG, one row)
    new = tmp_path / "2025-02-05.txt"
    new.write_text(NEW_MINUTES, "utf-8")
    assert ingest_paths(engine, [new])[1] == []
    added = _state(engine)
    assert added != first and len(added.stamp) == len(first.stamp) + 1
    new.write_text(NEW_MINUTES.replace("21 heures", "22 heures"), "utf-8")
    assert ingest_paths(engine, [new])[1] == []
    corrected = _state(engine)
    assert corrected != added and corrected.stamp != added.stamp
    assert corrected.pending > 0
    index_entities(engine)
    read = _state(engine)
    assert read.stamp == corrected.stamp and read.pending == 0 and read != corrected
    assert _state(engine) is read
    with session_scope(engine, write=False) as session:
        rows = sorted(
            (int(r[0]), str(r[1]), int(r[2] or 0)) for r in read_rows(session, fulltext.STATE)
        )
        if engine.dialect.name == "sqlite":
            # SQLite has no md5: the text the digest would be of, in the meetings' order
            assert read_rows(session, fulltext.STATE_TEXT)[0][0] == fulltext.state_text(rows)
        else:
            assert read_rows(session, fulltext.STATE_DIGEST)[0][0] == fulltext.state_digest(rows)
