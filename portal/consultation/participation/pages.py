"""The pages and fragments of taking part, each built by one function into a typed context.

Handlers (participation/routes.py, and charter/pages.py for the clause page's discussion) call
these; templates only render what they return and never query.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlmodel import Session
from starlette.requests import Request

from portal.accounts.services import display_names, roles_of
from portal.clock import utcnow
from portal.consultation import urls
from portal.consultation.charter import services as charter
from portal.consultation.charter.diff import diff_html
from portal.consultation.charter.models import CharterVersion, Clause
from portal.consultation.follow import services as follow
from portal.consultation.participation import services as ps
from portal.consultation.participation.models import (
    GENERATION_SCOPE,
    Comment,
    Proposal,
)
from portal.consultation.review.pages import AnswerData, answer_data
from portal.consultation.vocabulary import (
    MODERATION_REASONS,
    Target,
    VersionStatus,
    author_label,
)
from portal.db import read_rows
from portal.errors import Forbidden, NotFound
from portal.web import i18n
from portal.web.cache import (
    SharedFragment,
    SharedPage,
    Slot,
    SlotVariant,
    fragment_cache,
    new_marker,
)
from portal.web.i18n import gettext as _
from portal.web.templating import render_slot_string, render_slot_variant, render_string


def request_generation(request: Request) -> int:
    """The consultation's generation for this request: read once (a shared page's view reads
    it first, with the visitor's marks; the fragments rendered for it then reuse it)."""
    found = getattr(request.state, "consultation_generation", None)
    if found is None:
        # Through `read_rows`: an anonymous view of a kept shared page sends only this, and
        # never opens the ORM session's transaction for it.
        found = generation_and_marks(request.state.db, None, {})[0]
        request.state.consultation_generation = found
    return int(found)


def user_id_of(request: Request) -> int | None:
    user = request.state.user
    return user.id if user else None


def names_of(request: Request, ids: set[int | None]) -> dict[int, str]:
    return display_names(request.state.db, [i for i in ids if i is not None])


def page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    # A page number no one could reach (or a huge one) is the first page, never an error.
    return int(raw) if raw.isdigit() and 0 < len(raw) <= 6 and int(raw) > 0 else 1


@dataclass
class Discussion:
    """Everything the comment templates need, for a clause or a proposal."""

    target_type: str  # Target.CLAUSE or Target.PROPOSAL
    target_id: int
    base_url: str  # the page: /charter/clauses/4 or /charter/proposals/7
    post_url: str
    page: ps.CommentPage
    names: dict[int, str]
    supported: set[int]
    phase: ps.PhaseInfo
    user_id: int | None
    count: int = 0
    now: datetime = field(default_factory=utcnow)
    reasons: tuple[str, ...] = MODERATION_REASONS
    # The create forms' hidden key: the same form sent many times stores one comment.
    form_key: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    # Top comments (with their replies) taken ready-rendered from the shared fragment, by id;
    # the others (the visitor's own, those they support) are rendered for them.
    shared: dict[int, Markup] = field(default_factory=dict)
    # Everything the visitor supports among the page's targets, (kind, id): one query.
    marks: set[tuple[str, int]] = field(default_factory=set)

    def can_edit(self, comment: Comment) -> bool:
        return self.phase.is_open and ps.can_edit(comment, self.user_id, self.now)

    def thread(self, top: Comment) -> tuple[Comment, ...]:
        return (top, *self.page.replies.get(top.id or 0, []))

    def thread_marks(self, top: Comment) -> frozenset[tuple[str, int]]:
        """What makes a thread someone's in a shared page: a support of one of its comments."""
        return frozenset((Target.COMMENT, c.id or 0) for c in self.thread(top))

    def thread_authors(self, top: Comment) -> frozenset[int]:
        """…or having written one of its comments (edit and delete buttons, no report form)."""
        return frozenset(c.author_id for c in self.thread(top) if c.author_id is not None)


def discussion(
    request: Request,
    *,
    clause: Clause | None = None,
    proposal: Proposal | None = None,
    page: ps.CommentPage | None = None,
    phase: ps.PhaseInfo | None = None,
    base_url: str | None = None,
    also: dict[str, list[int]] | None = None,
) -> Discussion:
    """`base_url`: the page the discussion is read on (a past version's discussion page);
    `also`: other targets of the page (the article, the proposal) whose support by the visitor
    is fetched in the same query as the comments' (`Discussion.marks`)."""
    db = request.state.db
    # A plain reading of a page of comments may come from the shared fragment; a page shown
    # again after an action (its notices and errors next to one comment) is rendered in full.
    shareable = (
        page is None
        and request.method == "GET"
        and not getattr(request.state, "shared_build", False)  # a shared page keeps its own
    )
    if clause is not None:
        target_type, target_id = Target.CLAUSE, clause.id or 0
        base_url = base_url or urls.clause(clause.number)
        version_id = clause.version_id
        if page is None:
            page = ps.comment_page(db, clause_id=target_id, page=page_number(request))
        stats = ps.clause_stats_of(db, target_id)
        count = stats.comment_count if stats else 0
    else:
        assert proposal is not None
        target_type, target_id = Target.PROPOSAL, proposal.id or 0
        base_url = urls.proposal(target_id)
        version_id = proposal.version_id
        if page is None:
            page = ps.comment_page(db, proposal_id=target_id, page=page_number(request))
        count = proposal.comment_count
    if phase is None:
        phase = ps.phase_info(db, db.get(CharterVersion, version_id))
    comments = page.all()
    user_id = user_id_of(request)
    disc = Discussion(
        target_type=target_type,
        target_id=target_id,
        base_url=base_url,
        post_url=f"{base_url}/comments",
        page=page,
        names=names_of(request, {c.author_id for c in comments}),
        supported=set(),
        phase=phase,
        user_id=user_id,
        count=count,
    )
    if getattr(request.state, "shared_build", False):
        disc.form_key = request.state.form_key  # the marker, replaced for each visitor
    disc.marks = ps.supported_targets(
        db, user_id=user_id, targets={Target.COMMENT: [c.id or 0 for c in comments], **(also or {})}
    )
    disc.supported = {i for kind, i in disc.marks if kind == Target.COMMENT}
    if shareable:
        disc.shared = shared_comments(request, disc)
    return disc


class _SignedIn:
    """Who the shared rendering is for: some signed-in resident, no one in particular."""

    id = None

    def __bool__(self) -> bool:
        return True

    def has_role(self, *_roles: str) -> bool:
        return False


def shared_comments(request: Request, disc: Discussion) -> dict[int, Markup]:
    """This page of comments as every visitor of its kind (anonymous, or signed in) sees it
    when they wrote and support none of it: rendered once per process and generation (see
    portal/web/cache.py), then given the visitor's CSRF token and form key. Threads where the
    visitor wrote or supports something are left out: the template renders those for them."""
    signed_in = request.state.user is not None
    key = (
        "consultation-comments", disc.target_type, disc.target_id, disc.base_url,
        disc.page.page, i18n.current_locale.get(), signed_in, disc.phase.is_open,
        request_generation(request),
        # Names live in the accounts package (a renamed or erased account writes no
        # consultation table): the names read for this request are part of the key.
        hash(tuple(sorted(disc.names.items()))),
    )  # fmt: skip
    cache = fragment_cache(request.app)
    fragment = cache.get(key)
    if fragment is None:
        csrf, form_key = new_marker(), new_marker()
        anyone = dataclasses.replace(disc, supported=set(), user_id=None, form_key=form_key)
        shared_context = {
            "disc": anyone,
            "csrf_token": csrf,
            "user": _SignedIn() if signed_in else None,
        }
        parts = {
            c.id or 0: render_string(
                request, "consultation/_comment.html", {**shared_context, "c": c}
            )
            for c in disc.page.comments
        }
        fragment = SharedFragment(parts, (csrf, form_key))
        cache.put(key, fragment)
    personal = _personal_threads(disc)
    token = getattr(request.state, "csrf_token", "")
    return {
        cid: Markup(html)  # noqa: S704 - rendered by our autoescaping templates
        for cid, html in fragment.for_visitor(token, disc.form_key).items()
        if cid not in personal
    }


def _personal_threads(disc: Discussion) -> set[int]:
    """Top comments whose thread holds something of the visitor's: theirs, or supported."""
    if disc.user_id is None:
        return set()
    personal = set()
    for top in disc.page.comments:
        for c in (top, *disc.page.replies.get(top.id or 0, [])):
            if c.author_id == disc.user_id or (c.id or 0) in disc.supported:
                personal.add(top.id or 0)
    return personal


def thread(request: Request, comment_id: int) -> tuple[Discussion, Comment]:
    """One comment with its replies, in its discussion (the fragment htmx swaps after an action)."""
    db = request.state.db
    page = ps.thread(db, comment_id)
    top = page.comments[0]
    if top.clause_id is not None:
        disc = discussion(request, clause=ps.get_clause_by_id(db, top.clause_id), page=page)
    else:
        disc = discussion(request, proposal=ps.get_proposal(db, top.proposal_id or 0), page=page)
    return disc, top


def is_following(session: Session, user_id: int | None, target_type: str, key: str) -> bool:
    if user_id is None:
        return False
    found = follow.find(session, user_id=user_id, target_type=target_type, target_key=key)
    return found is not None


@dataclass
class ClauseDiscussion:
    """The clause page's part about taking part: phase, counters, supports, proposals, comments."""

    phase: ps.PhaseInfo
    stats: Any
    clause_supported: bool
    clause_proposals: list[Proposal]
    disc: Discussion
    follow_target_type: str
    follow_target_key: str
    following: bool
    may_propose: bool  # the visitor may propose an amendment now


def may_propose_now(request: Request, version: CharterVersion | None) -> bool:
    """Whether the signed-in visitor may propose on this draft now (agents; residents when the
    cycle lets them), for the pages' "propose" links."""
    user = request.state.user
    if user is None or version is None or version.status != VersionStatus.DRAFT:
        return False
    info = ps.phase_info(request.state.db, version)
    if info.phase not in ("drafting", "open"):
        return False
    return ps.may_propose(request.state.db, version, is_agent=user.has_role("agent"))


def clause_discussion(
    request: Request, data: charter.VersionView, clause: Clause, *, base_url: str | None = None
) -> ClauseDiscussion:
    db = request.state.db
    phase = ps.phase_info(db, data.version)
    user_id = user_id_of(request)
    disc = discussion(
        request, clause=clause, phase=phase, base_url=base_url,
        also={Target.CLAUSE: [clause.id or 0]},
    )  # fmt: skip
    clause_proposals = (
        ps.proposals(db, version_id=data.version.id, clause_slug=clause.slug)
        if data.version.status == VersionStatus.DRAFT
        else []
    )
    return ClauseDiscussion(
        phase=phase,
        stats=ps.clause_stats_of(db, clause.id or 0),
        clause_supported=(Target.CLAUSE, clause.id or 0) in disc.marks,
        clause_proposals=clause_proposals,
        disc=disc,
        follow_target_type=Target.CLAUSE,
        follow_target_key=clause.slug,
        following=is_following(db, user_id, Target.CLAUSE, clause.slug),
        may_propose=may_propose_now(request, data.version),
    )


@dataclass
class ProposalsPage:
    version: CharterVersion | None
    proposals: list[Proposal]
    clauses: dict[str, Clause]
    clause_filter: Clause | None
    names: dict[int, str]
    phase: ps.PhaseInfo | None
    may_propose: bool = False


def proposals_page(request: Request) -> ProposalsPage:
    db = request.state.db
    version = ps.version_under_consultation(db)
    clause_slug = request.query_params.get("article") or None
    items = ps.proposals(db, version_id=version.id if version else None, clause_slug=clause_slug)
    clauses = {c.slug: c for c in charter.view(db, version).clauses} if version else {}
    return ProposalsPage(
        version=version,
        proposals=items,
        clauses=clauses,
        clause_filter=clauses.get(clause_slug or ""),
        names=names_of(request, {p.author_id for p in items}),
        phase=ps.phase_info(db, version) if version else None,
        may_propose=may_propose_now(request, version),
    )


@dataclass
class ProposalPage:
    proposal: Proposal
    current: Any
    base: Any
    diff_html: str
    version: CharterVersion | None
    phase: ps.PhaseInfo
    disc: Discussion
    author: str
    author_is_agent: bool
    proposal_supported: bool
    section: str
    answer_data: AnswerData
    follow_target_type: str
    follow_target_key: str
    following: bool


def proposal_page(request: Request, proposal_id: int) -> ProposalPage:
    db = request.state.db
    proposal = ps.get_proposal(db, proposal_id)
    base = ps.base_text(db, proposal)
    old = f"{base.title}\n\n{base.body}" if base else ""
    version = db.get(CharterVersion, proposal.version_id)
    phase = ps.phase_info(db, version)
    user_id = user_id_of(request)
    disc = discussion(
        request, proposal=proposal, phase=phase, also={Target.PROPOSAL: [proposal.id or 0]}
    )
    return ProposalPage(
        proposal=proposal,
        current=ps.current_text(db, proposal),
        base=base,
        diff_html=diff_html(old, f"{proposal.title}\n\n{proposal.body}", i18n.current_locale.get())[
            0
        ],
        version=version,
        phase=phase,
        disc=disc,
        author=author_label(proposal, names_of(request, {proposal.author_id}), ""),
        author_is_agent=not proposal.assisted_channel
        and "agent" in roles_of(db, proposal.author_id),
        proposal_supported=(Target.PROPOSAL, proposal.id or 0) in disc.marks,
        section=_section_title(db, version, proposal),
        answer_data=answer_data(db, proposal),
        follow_target_type=Target.PROPOSAL,
        follow_target_key=str(proposal.id),
        following=is_following(db, user_id, Target.PROPOSAL, str(proposal.id)),
    )


def _section_title(db: Session, version: CharterVersion | None, proposal: Proposal) -> str:
    for section in charter.view(db, version).sections if version else []:
        if section.slug == proposal.section_slug:
            return section.title
    return ""


@dataclass
class ProposalFormPage:
    data: charter.VersionView
    clause: Clause | None
    values: dict[str, str]
    phase: ps.PhaseInfo
    form_key: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    assisted_allowed: bool = False  # an agent may record it for a resident without an account


def proposal_form_page(
    request: Request, *, article: str, values: dict[str, str] | None
) -> ProposalFormPage:
    """The form, empty or starting from an article's text; `values` when shown again after a
    refusal (exactly as typed)."""
    db = request.state.db
    version = ps.version_under_consultation(db)
    if version is None:
        raise NotFound(_("Aucun projet de charte n'est en préparation."))
    data = charter.view(db, version)
    clause = None
    if article.isdigit():
        clause = next((c for c in data.clauses if c.number == int(article)), None)
    if values is None:
        values = {
            "title": clause.title if clause else "",
            "body": clause.body if clause else "",
            "rationale": "",
            "section": "",
        }
    user = request.state.user
    if user is not None and not ps.may_propose(db, version, is_agent=user.has_role("agent")):
        raise Forbidden(
            _(
                "Pendant cette consultation, seuls les agents de la ville proposent des "
                "amendements ; vous pouvez commenter et soutenir les articles."
            )
        )
    page = ProposalFormPage(
        data=data, clause=clause, values=values, phase=ps.phase_info(db, version)
    )
    if values.get("form_key"):
        page.form_key = values["form_key"]
    page.assisted_allowed = user is not None and user.has_role("agent")
    return page


@dataclass
class AssistedDeskPage:
    """The agent's desk: a resident's comment recorded at the front desk, by phone or by mail."""

    data: charter.VersionView
    phase: ps.PhaseInfo
    values: dict[str, str]
    error: str | None = None
    error_field: str | None = None
    form_key: str = field(default_factory=lambda: secrets.token_urlsafe(16))


def assisted_desk_page(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    error_field: str | None = None,
) -> AssistedDeskPage:
    db = request.state.db
    version = ps.version_under_consultation(db)
    if version is None:
        raise NotFound(_("Aucun projet de charte n'est en consultation."))
    page = AssistedDeskPage(
        data=charter.view(db, version),
        phase=ps.phase_info(db, version),
        values=values or {},
        error=error,
        error_field=error_field,
    )
    if values and values.get("form_key"):
        page.form_key = values["form_key"]
    return page


@dataclass
class SupportFragment:
    """The support button of a clause, comment or proposal, after a (withdrawn) support."""

    target_type: str
    target_id: int
    count: int
    supported: bool
    support_open: bool
    action_url: str
    support_notice: str
    support_error: bool


def support_fragment(
    request: Request, target_type: str, target_id: int, *, notice: str, error: bool
) -> SupportFragment:
    db, user_id = request.state.db, request.state.user.id
    version_id = ps.support_version_id(db, target_type, target_id)
    return SupportFragment(
        target_type=target_type,
        target_id=target_id,
        count=ps.support_count(db, target_type=target_type, target_id=target_id),
        supported=bool(
            ps.supported_ids(db, user_id=user_id, target_type=target_type, target_ids=[target_id])
        ),
        support_open=ps.phase_info(db, db.get(CharterVersion, version_id)).is_open,
        action_url=request.url.path,
        support_notice=notice,
        support_error=error,
    )


# --- shared pages: the visitor's own parts --------------------------------------------------

FOLLOW_MARK = "follow"


def generation_and_marks(
    session: Session,
    user_id: int | None,
    supports: Mapping[str, Sequence[int]],
    follows: Sequence[tuple[str, str]] = (),
) -> tuple[int, set[tuple[Any, ...]]]:
    """The consultation's generation and, in the same statement, what this person marked among
    a page's targets: their supports, as (kind, id), and their follows, as ("follow", kind,
    key). A shared page's per-person parts come from this one statement."""
    # The driver's own SQL with positional parameters (`?`, made `%s` for PostgreSQL's driver):
    # no statement for SQLAlchemy to build or compile on every view of a page.
    branches = [
        "SELECT 'generation' AS kind, value AS target, NULL AS target_key "
        "FROM consultation_generation WHERE scope = ?"
    ]
    params: list[Any] = [GENERATION_SCOPE]
    if user_id is not None:
        for kind, ids in supports.items():
            if not ids:
                continue
            branches.append(
                "SELECT target_type, target_id, NULL FROM consultation_support "  # noqa: S608 - placeholders
                f"WHERE user_id = ? AND target_type = ? AND target_id IN ({', '.join('?' * len(ids))})"
            )
            params += [user_id, str(kind), *(int(i) for i in ids)]
        for kind, key in follows:
            branches.append(
                "SELECT 'follow:' || target_type, NULL, target_key FROM consultation_follow "
                "WHERE user_id = ? AND target_type = ? AND target_key = ?"
            )
            params += [user_id, str(kind), str(key)]
    sql = " UNION ALL ".join(branches)
    generation = 0
    marks: set[tuple[Any, ...]] = set()
    for kind, target, key in read_rows(session, sql, params):
        if kind == "generation":
            generation = int(target or 0)
        elif kind.startswith("follow:"):
            marks.add((FOLLOW_MARK, kind.removeprefix("follow:"), key))
        else:
            marks.add((kind, int(target)))
    return generation, marks


def personal_slot(
    request: Request,
    slot: Slot,
    disc: Discussion | None,
    marks: set[tuple[Any, ...]],
    form_key: str,
    page: SharedPage | None = None,
) -> str | SlotVariant:
    """One of a shared page's slots that holds something of the visitor's, rendered for them:
    a support button they pressed, a follow, a thread they wrote or supported in. With the
    shared `page`, the slot is rendered once for everyone whose own parts in it are the same
    (which of its comments they support, wrote, may still edit) and kept with the page."""
    user_id = request.state.user.id
    key: tuple[Any, ...] | None = None
    extra: Callable[[str], dict[str, Any]]
    if slot.template == "consultation/_support.html":
        supported = (slot.values["target_type"], slot.values["target_id"]) in marks
        key = ("support", supported)

        def extra(_form_key: str) -> dict[str, Any]:
            return {"supported": supported}
    elif slot.template == "consultation/_follow.html":
        key = ("follow",)

        def extra(_form_key: str) -> dict[str, Any]:
            return {"following": True}
    elif slot.template == "consultation/_comment.html" and disc is not None:
        mine = dataclasses.replace(
            disc,
            user_id=user_id,
            supported={i for kind, i, *_ in marks if kind == Target.COMMENT},
            marks=marks,
            now=utcnow(),
            shared={},
        )
        key = ("thread", tuple(
            (c.id in mine.supported, c.author_id == user_id, mine.can_edit(c))
            for c in mine.thread(slot.values["c"])
        ))  # fmt: skip

        def extra(form_key: str) -> dict[str, Any]:
            return {"disc": dataclasses.replace(mine, form_key=form_key)}
    else:

        def extra(_form_key: str) -> dict[str, Any]:
            return {}

    if page is None or key is None:
        return render_slot_string(request, slot, extra(form_key))
    return render_slot_variant(request, page, slot, key, extra)
