"""The register's part of the header's search box: its own search (portal.registry.search: the
shared French stems and the municipal thesaurus), through `services.list_systems`.

Named in the manifest's `sitesearch`."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlmodel import Session

from portal.registry import urls
from portal.registry.services import Filters, list_systems
from portal.text import excerpt
from portal.web.i18n import gettext as _
from portal.web.search import SearchGroup, SearchHit


def search(session: Session, query: str, *, limit: int) -> SearchGroup:
    found = list_systems(session, Filters(q=query), page_size=limit)
    hits = tuple(
        SearchHit(
            title=system.name,
            url=urls.entry(system.slug),
            excerpt=excerpt(str((system.data or {}).get("summary") or system.service), 200),
            kind=_("fiche du registre"),
        )
        for system in found.systems
    )
    return SearchGroup(
        module="registry",
        title=_("Le registre des systèmes d'IA"),
        hits=hits,
        total=found.total,
        more_url="/registry?" + urlencode({"q": query}),
    )
