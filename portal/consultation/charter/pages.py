"""The charter's pages: the reading view (current draft or a permanent version) and a clause.

The clause page is built here and only here: its history, the register's systems committed to
it, and its discussion (participation/pages.py). A handler that shows it again after a refused
comment calls `clause_page` too.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from portal.accounts.services import display_names
from portal.consultation import urls
from portal.consultation.charter import services as charter
from portal.consultation.charter.diff import diff_html
from portal.consultation.charter.models import CharterVersion, Clause
from portal.consultation.participation import services as ps
from portal.consultation.participation.models import Proposal
from portal.consultation.participation.pages import (
    ClauseDiscussion,
    clause_discussion,
    generation_and_marks,
    may_propose_now,
    page_number,
    personal_slot,
    request_generation,
)
from portal.consultation.review import services as review
from portal.consultation.vocabulary import Target, VersionStatus
from portal.errors import NotFound
from portal.registry.services import systems_committed_to
from portal.web import i18n
from portal.web.cache import SharedFragment, fragment_cache
from portal.web.i18n import gettext as _
from portal.web.templating import (
    cached_shared_candidate,
    cached_shared_page,
    render_string,
    shareable,
    shared_response,
    visitor_kind,
)


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
    # Published versions: visible comments per clause id, for "what residents said" links.
    counts: dict[int, int] = field(default_factory=dict)
    may_propose: bool = False
    # The charter's text as rendered once per process and generation (the same for everyone).
    text_html: Markup | None = None


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
    page = CharterPage(
        data=data,
        published=charter.latest(db, VersionStatus.PUBLISHED),
        names=display_names(db, [by] if by is not None else []),
        phase=ps.phase_info(db, data.version),
        stats=ps.clause_stats(db, data.version.id or 0),
        permalink=version is not None,
        origins=origins,
        next_number=charter.next_number(db),
        may_propose=may_propose_now(request, data.version),
        counts=(
            charter.comment_counts(db, data.version)
            if data.version.status == VersionStatus.PUBLISHED
            else {}
        ),
    )
    page.text_html = shared_charter_text(request, page)
    return page


def shared_charter_text(request: Request, page: CharterPage) -> Markup:
    """The charter's text (articles, counters, origins): nothing in it depends on the visitor,
    so it is rendered once per web process, language and generation of the consultation's
    tables (portal/web/cache.py), and re-rendered after any write in any process."""
    version = page.data.version
    key = (
        "consultation-charter-text", version.id, page.permalink, i18n.current_locale.get(),
        request_generation(request),
        # Names shown in the articles' origins live in the accounts package: part of the key.
        hash(repr(sorted((slug, sorted(getattr(o, "names", {}).items()))
                         for slug, o in page.origins.items()))),
    )  # fmt: skip
    cache = fragment_cache(request.app)
    fragment = cache.get(key)
    if fragment is None:
        context = {**vars(page), "v": version}
        html = render_string(request, "consultation/_charter_text.html", context)
        fragment = SharedFragment({0: html}, ())
        cache.put(key, fragment)
    return Markup(fragment.parts[0])  # noqa: S704 - rendered by our autoescaping templates


@dataclass
class ClausePage(ClauseDiscussion):
    """The clause, its history and the register's systems, beside its discussion's fields."""

    data: charter.VersionView
    clause: Clause
    steps: list[dict[str, Any]]  # how the clause changed from one version to the next
    registry_systems: list[Any]  # the bridge to the register: systems committed to this clause
    # Earlier consultations' discussions of this clause: (version, clause of that version, count).
    past: list[tuple[CharterVersion, Clause, int]] = field(default_factory=list)


def current_clause(request: Request, number: int) -> tuple[charter.VersionView, Clause]:
    data = charter.current_view(request.state.db)
    if data is None:
        raise NotFound(_("La charte n'est pas encore publiée."))
    return data, charter.get_clause(request.state.db, data.version, number)


# One version-to-version change of an article, as HTML, and whether anything changed: the texts
# of published versions never change, so each pair is diffed once per process and language.
_diff_step = diff_html


def clause_page(request: Request, number: int) -> ClausePage:
    db = request.state.db
    data, clause = current_clause(request, number)
    steps = []
    history = charter.clause_history(db, clause.slug)
    past = [
        (v, c, charter.comment_counts(db, v).get(c.id or 0, 0))
        for v, c in history
        if v.status == VersionStatus.PUBLISHED
    ]
    for (old_v, old_c), (new_v, new_c) in pairwise(history):
        html, changed = _diff_step(
            old_c.title + "\n\n" + old_c.body,
            new_c.title + "\n\n" + new_c.body,
            i18n.current_locale.get(),
        )
        steps.append({"from": old_v, "to": new_v, "html": html, "changed": changed})
    return ClausePage(
        **vars(clause_discussion(request, data, clause)),
        data=data,
        clause=clause,
        steps=steps,
        registry_systems=systems_committed_to(db, clause.slug),
        past=past,
    )


@dataclass
class PublishPage:
    """The confirmation before a draft is published: what is not done, the note, the reason."""

    version: CharterVersion
    check: charter.PublicationCheck
    names: dict[int, str]
    values: dict[str, str]
    error: str | None = None
    error_field: str | None = None
    # Someone published first: the page says who and when, and offers no form.
    conflict: bool = False
    published_by: str = ""


def publish_page(
    request: Request,
    number: int,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    error_field: str | None = None,
) -> PublishPage:
    db = request.state.db
    version = charter.get_version(db, number)
    check = charter.publication_check(db, version)
    published = version.status == VersionStatus.PUBLISHED
    people = [p.author_id for p in check.unanswered]
    if version.published_by is not None:
        people.append(version.published_by)
    names = display_names(db, people)
    return PublishPage(
        version=version,
        check=check,
        names=names,
        values=values or {},
        error=error,
        error_field=error_field,
        conflict=published,
        published_by=names.get(version.published_by or 0, ""),
    )


@dataclass
class CyclesPage:
    cycles: list[charter.Cycle]


def cycles_page(request: Request) -> CyclesPage:
    db = request.state.db
    return CyclesPage([charter.cycle(db, v) for v in charter.versions(db)])


@dataclass
class CyclePage:
    """One consultation: its dates, figures, every article's discussion and every proposal."""

    cycle: charter.Cycle
    data: charter.VersionView
    counts: dict[int, int]  # visible comments per clause id
    proposals: list[Proposal]
    answers: dict[int, Any]  # proposal id -> its latest answer
    names: dict[int, str]
    clause_titles: dict[str, str]  # slug -> "Article 4 — title"
    live: bool  # the draft under consultation now: articles link to their live pages


def cycle_page(request: Request, number: int) -> CyclePage:
    db = request.state.db
    version = charter.get_version(db, number)
    data = charter.view(db, version)
    proposals = charter.cycle_proposals(db, version)
    latest = review.latest_answers(db, [p.id or 0 for p in proposals])
    people = [p.author_id for p in proposals] + [a.official_id for a in latest.values()]
    if version.published_by is not None:
        people.append(version.published_by)
    return CyclePage(
        cycle=charter.cycle(db, version),
        data=data,
        counts=charter.comment_counts(db, version),
        proposals=proposals,
        answers=latest,
        names=display_names(db, people),
        clause_titles={
            c.slug: _("Article %(n)s — %(t)s", n=c.number, t=c.title) for c in data.clauses
        },
        live=version.status == VersionStatus.DRAFT,
    )


@dataclass
class VersionDiscussionPage(ClauseDiscussion):
    """What residents said about one article during the consultation on one version, read-only."""

    data: charter.VersionView
    clause: Clause
    proposals: list[Proposal]  # every proposal of that cycle on this article, whatever its fate


def version_discussion_page(request: Request, number: int, article: int) -> VersionDiscussionPage:
    db = request.state.db
    version = charter.get_version(db, number)
    clause = charter.get_clause(db, version, article)
    data = charter.view(db, version)
    discussion = clause_discussion(
        request, data, clause, base_url=urls.version_discussion(number, article)
    )
    return VersionDiscussionPage(
        **vars(discussion),
        data=data,
        clause=clause,
        proposals=[p for p in charter.cycle_proposals(db, version) if p.clause_slug == clause.slug],
    )


# --- shared pages: the charter and a clause, once per kind of visitor and generation ----------
#
# A plain GET of these pages (no htmx fragment, no message to show) is built from a page rendered
# once per web process for every visitor of a kind (anonymous, or signed in with a set of roles),
# language, address (and page of comments) and generation of the consultation's tables
# (portal/web/cache.py: SharedPage). A request then reads, in one statement, the generation and
# the visitor's own marks (their supports and follows among the page's targets), and gets the
# page with their token, name and form key, and only the parts that are theirs rendered again:
# the support button they pressed, the follow they set, the threads they wrote or supported in.


class NotShared(Exception):
    """This page is not one of the shared kind (no charter yet): render it as usual."""


def shared_charter(request: Request, number: int | None = None) -> Response | None:
    """The charter's reading view (the current one, or version `number`) from the shared page,
    or None when it must be rendered for this request alone (see `shareable`)."""
    if not shareable(request):
        return None
    key = ("shared-page", "charter", request.url.path, i18n.current_locale.get(),
           visitor_kind(request))  # fmt: skip

    def build() -> tuple[Any, dict[str, Any]]:
        version = None if number is None else charter.get_version(request.state.db, number)
        page = charter_page(request, version)
        if page is None:
            raise NotShared
        return page, {"phase": page.phase}

    generation = request_generation(request)
    try:
        shared, _rendered = cached_shared_page(
            request, key, generation, "consultation/charter.html", build
        )
    except NotShared:
        return None
    return shared_response(request, shared, time_left=shared.data["phase"].time_left())


def shared_clause(request: Request, number: int) -> Response | None:
    """A clause's page from the shared page (see `shared_charter`)."""
    if not shareable(request):
        return None
    db, user = request.state.db, request.state.user
    key = ("shared-page", "clause", request.url.path, page_number(request),
           i18n.current_locale.get(), visitor_kind(request))  # fmt: skip

    def build() -> tuple[Any, dict[str, Any]]:
        page = clause_page(request, number)
        disc = page.disc
        targets = {
            Target.CLAUSE: [page.clause.id or 0],
            Target.COMMENT: [c.id or 0 for c in disc.page.all()],
        }
        follows = [(page.follow_target_type, page.follow_target_key)]
        return page, {"phase": page.phase, "disc": disc, "targets": targets, "follows": follows}

    def read(candidate: Any) -> tuple[int, set[Any]]:
        if user is None:
            return request_generation(request), set()
        data = candidate.data if candidate is not None else {}
        return generation_and_marks(db, user.id, data.get("targets", {}), data.get("follows", ()))

    candidate = cached_shared_candidate(request, key)
    generation, marks = read(candidate)
    request.state.consultation_generation = generation
    shared, rendered = cached_shared_page(
        request, key, generation, "consultation/clause.html", build
    )
    if (
        rendered
        and user is not None
        and (
            candidate is None
            or candidate.data.get("targets") != shared.data["targets"]
            or candidate.data.get("follows") != shared.data["follows"]
        )
    ):
        marks = generation_and_marks(db, user.id, shared.data["targets"], shared.data["follows"])[1]
    form_key = secrets.token_urlsafe(16)
    return shared_response(
        request,
        shared,
        marks=marks,
        form_key=form_key,
        time_left=shared.data["phase"].time_left(),
        render_slot=lambda slot: personal_slot(
            request, slot, shared.data["disc"], marks, form_key, shared
        ),
    )
