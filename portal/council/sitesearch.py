"""The council's part of the header's search box: the minutes' own search (portal.council.search:
stems, lemmas, the thesaurus's synonyms, spelling suggestions).

Named in the manifest's `sitesearch`."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlmodel import Session

from portal.council.search import search as search_minutes
from portal.text import excerpt
from portal.web.i18n import format_datetime
from portal.web.i18n import gettext as _
from portal.web.search import SearchGroup, SearchHit


def search(session: Session, query: str, *, limit: int) -> SearchGroup:
    result = search_minutes(session, query, limit=limit)
    hits = tuple(
        SearchHit(
            title=_("Conseil du %(day)s", day=format_datetime(hit.meeting_date))
            + (f" — {hit.item_title}" if hit.item_title else ""),
            url=hit.url,
            excerpt=excerpt(hit.text, 240),
            kind=_("passage d'un procès-verbal"),
        )
        for hit in result.hits
    )
    return SearchGroup(
        module="council",
        title=_("Les procès-verbaux du conseil municipal"),
        hits=hits,
        total=result.total,
        more_url="/council/search?" + urlencode({"q": query}),
        suggestion=result.suggestion,
    )
