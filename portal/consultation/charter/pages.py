"""The charter's pages: the reading view (current draft or a permanent version) and a clause.

The clause page is built here and only here: its history, the register's systems committed to
it, and its discussion (participation/pages.py). A handler that shows it again after a refused
comment calls `clause_page` too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from starlette.requests import Request

from portal.accounts.services import display_names
from portal.consultation.charter import services as charter
from portal.consultation.charter.diff import diff_text, render_segments_html
from portal.consultation.charter.models import CharterVersion, Clause
from portal.consultation.participation import services as ps
from portal.consultation.participation.pages import ClauseDiscussion, clause_discussion
from portal.consultation.review import services as review
from portal.consultation.vocabulary import VersionStatus
from portal.errors import NotFound
from portal.registry.services import systems_committed_to
from portal.web.i18n import gettext as _


@dataclass
class CharterPage:
    data: charter.VersionView
    published: CharterVersion | None
    names: dict[int, str]
    phase: ps.PhaseInfo
    stats: Any  # per-clause counters, one query for the whole page
    permalink: bool = False
    origins: dict[str, Any] = field(default_factory=dict)
    next_number: int = 0  # the number the next draft would take


def charter_page(request: Request, version: CharterVersion | None = None) -> CharterPage | None:
    """The version under consultation (or the latest published), or one version by its number;
    None when there is no charter at all."""
    db = request.state.db
    data = charter.current_view(db) if version is None else charter.view(db, version)
    if data is None:
        return None
    origins: dict[str, Any] = {}
    if version is not None and version.status == VersionStatus.PUBLISHED:
        origins = dict(review.clause_origins(db, version))
    by = data.version.published_by
    return CharterPage(
        data=data,
        published=charter.latest(db, VersionStatus.PUBLISHED),
        names=display_names(db, [by] if by is not None else []),
        phase=ps.phase_info(db, data.version),
        stats=ps.clause_stats(db, data.version.id or 0),
        permalink=version is not None,
        origins=origins,
        next_number=charter.next_number(db),
    )


@dataclass
class ClausePage(ClauseDiscussion):
    """The clause, its history and the register's systems, beside its discussion's fields."""

    data: charter.VersionView
    clause: Clause
    steps: list[dict[str, Any]]  # how the clause changed from one version to the next
    registry_systems: list[Any]  # the bridge to the register: systems committed to this clause


def current_clause(request: Request, number: int) -> tuple[charter.VersionView, Clause]:
    data = charter.current_view(request.state.db)
    if data is None:
        raise NotFound(_("La charte n'est pas encore publiée."))
    return data, charter.get_clause(request.state.db, data.version, number)


def clause_page(request: Request, number: int) -> ClausePage:
    db = request.state.db
    data, clause = current_clause(request, number)
    steps = []
    for (old_v, old_c), (new_v, new_c) in pairwise(charter.clause_history(db, clause.slug)):
        segments = diff_text(old_c.title + "\n\n" + old_c.body, new_c.title + "\n\n" + new_c.body)
        steps.append({"from": old_v, "to": new_v, "html": render_segments_html(segments),
                      "changed": any(s.op != "equal" for s in segments)})  # fmt: skip
    return ClausePage(
        **vars(clause_discussion(request, data, clause)),
        data=data,
        clause=clause,
        steps=steps,
        registry_systems=systems_committed_to(db, clause.slug),
    )
