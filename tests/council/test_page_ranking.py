"""The search page and the API rank as the evaluated search does (search.ranked_candidates): the
figures the method page publishes are those of what residents are shown."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from portal.council import facets
from portal.council.fulltext import hold_index_state
from portal.council.search import Filters, search
from portal.db import session_scope

QUERIES = [
    "piscine",
    "horaires piscine",  # a heading ("Horaires d'ouverture…") matches: it comes after
    "combien coute la cantine",  # a kind of fact asked
    "qui a vote contre le budget",
    "conseil de decembre",  # a month named
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_page_and_the_api_rank_as_the_evaluated_search(
    engine: Engine, demo_minutes: None, query: str
) -> None:
    with session_scope(engine, write=False) as session:
        hold_index_state(session)
        evaluated = search(session, query, limit=20, grouped=True, with_facets=True)
        page = facets.search(
            session, query, filters=Filters(), entities=facets.EntityFilters(), limit=20, offset=0
        ).result
        api = facets.flat_search(
            session, query, filters=Filters(), entities=facets.EntityFilters(), limit=20
        ).result
        flat = search(session, query, limit=20)
    assert evaluated.hits, query
    assert [h.passage_id for h in page.hits] == [h.passage_id for h in evaluated.hits]
    assert [h.passage_id for h in api.hits] == [h.passage_id for h in flat.hits]
