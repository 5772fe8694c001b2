"""The entity facets of a search page come from entities kept per process (for the index's state
they were read at) on both databases: the same rows, people, counts and order as the statement
that reads them (FACET_ENTITIES), and new entities read by spaCy show at the next search."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine

from portal.council import facets
from portal.council.fulltext import hold_index_state
from portal.council.ingest import index_entities
from portal.council.models import Passage
from portal.db import session_scope


def _both(engine: Engine, ids: list[int]) -> tuple[object, object]:
    with session_scope(engine, write=False) as session:
        direct = facets.facet_rows(session, ids)  # no state held: the statement
    with session_scope(engine, write=False) as session:
        hold_index_state(session)
        kept = facets.facet_rows(session, ids)  # read once, then from the process
        again = facets.facet_rows(session, ids)
    assert kept == again
    return direct, kept


def test_kept_entities_give_the_statement_s_facets(engine: Engine, demo_minutes: None) -> None:
    with session_scope(engine, write=False) as session:
        ids = list(session.scalars(select(Passage.id).order_by(Passage.id)))[:300]
    before_people, _rows = _both(engine, ids)[1]  # type: ignore[misc]
    index_entities(engine)  # spaCy's people, places and organisations join
    direct, kept = _both(engine, ids)
    people, rows = kept  # type: ignore[misc]
    assert direct[0] == people and sorted(direct[1]) == sorted(rows)  # type: ignore[index]
    assert len(people) > len(before_people) and people[0][2] >= 2
    assert {kind for _, kind, _, _ in rows} >= {"place", "organisation", "amount", "date"}
