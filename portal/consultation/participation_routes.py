"""Taking part: comments, replies, supports, reports, proposals, and the phases officials set.

Every action is a real form: without JavaScript it redirects back with a flash message (or shows
the page again with the error and the text typed); with htmx the handler answers with the fragment
that changed (`_discussion.html`, `_comment.html`, `_support.html`, `_comment_page.html`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from portal.consultation import participation_services as ps
from portal.consultation import services
from portal.consultation.diff import diff_text, render_segments_html
from portal.consultation.models import (
    DRAFT,
    MODERATION_REASONS,
    TARGET_CLAUSE,
    TARGET_COMMENT,
    TARGET_PROPOSAL,
    CharterVersion,
    Clause,
    Comment,
    Proposal,
)
from portal.consultation.permissions import (
    COMMENT,
    EDIT_OWN_COMMENT,
    MANAGE_PHASE,
    PROPOSE,
    REPORT,
    SUPPORT,
)
from portal.db import utcnow
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC
from portal.web.routing import flash, form_str, redirect, route
from portal.web.templating import is_htmx, render

T = TypeVar("T")
PARIS = ZoneInfo("Europe/Paris")


def reason_label(reason: str | None) -> str:
    return _(ps.REASON_LABELS.get(reason or "", reason or ""))


def status_label(status: str) -> str:
    return _(ps.STATUS_LABELS.get(status, status))


@dataclass
class Discussion:
    """Everything the comment templates need, for a clause or a proposal."""

    target_type: str  # TARGET_CLAUSE or TARGET_PROPOSAL
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

    def can_edit(self, comment: Comment) -> bool:
        return self.phase.is_open and ps.can_edit(comment, self.user_id, self.now)


def _names(request: Request, ids: set[int]) -> dict[int, str]:
    from portal.accounts.services import display_names

    return display_names(request.state.db, [i for i in ids if i is not None])


def _user_id(request: Request) -> int | None:
    user = request.state.user
    return user.id if user else None


def _page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def _discussion(
    request: Request,
    *,
    clause: Clause | None = None,
    proposal: Proposal | None = None,
    page: ps.CommentPage | None = None,
    phase: ps.PhaseInfo | None = None,
) -> Discussion:
    db = request.state.db
    if clause is not None:
        target_type, target_id = TARGET_CLAUSE, clause.id or 0
        base_url = f"/charter/clauses/{clause.number}"
        version_id = clause.version_id
        if page is None:
            page = ps.comment_page(db, clause_id=target_id, page=_page_number(request))
        stats = ps.clause_stats_of(db, target_id)
        count = stats.comment_count if stats else 0
    else:
        assert proposal is not None
        target_type, target_id = TARGET_PROPOSAL, proposal.id or 0
        base_url = f"/charter/proposals/{target_id}"
        version_id = proposal.version_id
        if page is None:
            page = ps.comment_page(db, proposal_id=target_id, page=_page_number(request))
        count = proposal.comment_count
    if phase is None:
        version = db.get(CharterVersion, version_id)
        phase = ps.phase_info(db, version)
    comments = page.all()
    user_id = _user_id(request)
    return Discussion(
        target_type=target_type,
        target_id=target_id,
        base_url=base_url,
        post_url=f"{base_url}/comments",
        page=page,
        names=_names(request, {c.author_id for c in comments}),
        supported=ps.supported_ids(
            db,
            user_id=user_id,
            target_type=TARGET_COMMENT,
            target_ids=[c.id or 0 for c in comments],
        ),
        phase=phase,
        user_id=user_id,
        count=count,
    )


def _ctx(**values: Any) -> dict[str, Any]:
    return {"reason_label": reason_label, "status_label": status_label, **values}


def _attempt(request: Request, action: Callable[[], T]) -> T | DomainError:
    """Run one service call in a savepoint: on a domain error nothing it wrote is kept."""
    try:
        with request.state.db.begin_nested():
            return action()
    except DomainError as exc:
        return exc


# --- pages -------------------------------------------------------------------------------------


def clause_context(request: Request, data: services.VersionView, clause: Clause) -> dict[str, Any]:
    """Context of the clause page's discussion part (used by routes.clause_page)."""
    db = request.state.db
    phase = ps.phase_info(db, data.version)
    stats = ps.clause_stats_of(db, clause.id or 0)
    clause_supported = bool(
        ps.supported_ids(
            db, user_id=_user_id(request), target_type=TARGET_CLAUSE, target_ids=[clause.id or 0]
        )
    )
    clause_proposals = (
        ps.proposals(db, version_id=data.version.id, clause_slug=clause.slug)
        if data.version.status == DRAFT
        else []
    )
    return _ctx(
        phase=phase,
        stats=stats,
        clause_supported=clause_supported,
        clause_proposals=clause_proposals,
        disc=_discussion(request, clause=clause, phase=phase),
        follow_target_type=TARGET_CLAUSE,
        follow_target_key=clause.slug,
    )


def charter_context(request: Request, data: services.VersionView) -> dict[str, Any]:
    """Per-clause counters (one query) and the phase, for the charter reading view."""
    db = request.state.db
    return _ctx(
        phase=ps.phase_info(db, data.version),
        stats=ps.clause_stats(db, data.version.id or 0),
    )


def _open_draft_clause(request: Request) -> tuple[services.VersionView, Clause]:
    data = services.current_view(request.state.db)
    if data is None:
        raise NotFound(_("La charte n'est pas encore publiée."))
    clause = services.get_clause(request.state.db, data.version, int(request.path_params["number"]))
    return data, clause


def _clause_page_response(request: Request, status: int = 200, **extra: Any) -> Response:
    from portal.consultation.routes import clause_page_context

    data, clause = _open_draft_clause(request)
    ctx = clause_page_context(request, data, clause)
    ctx.update(extra)
    return render(request, "consultation/clause.html", ctx, status_code=status)


def proposals_page(request: Request) -> Response:
    db = request.state.db
    version = ps.version_under_consultation(db)
    clause_slug = request.query_params.get("article") or None
    items = ps.proposals(db, version_id=version.id if version else None, clause_slug=clause_slug)
    clauses = {c.slug: c for c in services.view(db, version).clauses} if version else {}
    return render(
        request,
        "consultation/proposals.html",
        _ctx(
            version=version,
            proposals=items,
            clauses=clauses,
            clause_filter=clauses.get(clause_slug or ""),
            names=_names(request, {p.author_id for p in items}),
            phase=ps.phase_info(db, version) if version else None,
        ),
    )


def proposal_page(request: Request) -> Response:
    return proposal_page_response(request)


def proposal_page_response(request: Request, status: int = 200, **extra: Any) -> Response:
    db = request.state.db
    proposal = ps.get_proposal(db, int(request.path_params["id"]))
    current = ps.current_text(db, proposal)
    base = ps.base_text(db, proposal)
    old = f"{base.title}\n\n{base.body}" if base else ""
    diff_html = render_segments_html(diff_text(old, f"{proposal.title}\n\n{proposal.body}"))
    version = db.get(CharterVersion, proposal.version_id)
    phase = ps.phase_info(db, version)
    disc = _discussion(request, proposal=proposal, phase=phase)
    ctx = _ctx(
        proposal=proposal,
        current=current,
        base=base,
        diff_html=diff_html,
        version=version,
        phase=phase,
        disc=disc,
        author=_names(request, {proposal.author_id}).get(proposal.author_id, ""),
        proposal_supported=bool(
            ps.supported_ids(
                db,
                user_id=_user_id(request),
                target_type=TARGET_PROPOSAL,
                target_ids=[proposal.id or 0],
            )
        ),
        section=_section_title(request, proposal),
        follow_target_type=TARGET_PROPOSAL,
        follow_target_key=str(proposal.id),
        **extra,
    )
    return render(
        request,
        "consultation/proposal.html",
        ctx,
        partial="consultation/_comment_page.html",
        status_code=status,
    )


def _section_title(request: Request, proposal: Proposal) -> str:
    version = request.state.db.get(CharterVersion, proposal.version_id)
    for section in services.view(request.state.db, version).sections:
        if section.slug == proposal.section_slug:
            return section.title
    return ""


def proposal_form(request: Request, status: int = 200, **extra: Any) -> Response:
    db = request.state.db
    version = ps.version_under_consultation(db)
    if version is None:
        raise NotFound(_("Aucun projet de charte n'est en préparation."))
    data = services.view(db, version)
    clause = None
    number = request.query_params.get("article") or form_str(request, "clause_number")
    if number and number.isdigit():
        clause = next((c for c in data.clauses if c.number == int(number)), None)
    posted = request.method == "POST"  # a refused form comes back exactly as it was typed
    values = {
        "title": form_str(request, "title") if posted else (clause.title if clause else ""),
        "body": form_str(request, "body") if posted else (clause.body if clause else ""),
        "rationale": form_str(request, "rationale"),
        "section": form_str(request, "section"),
    }
    return render(
        request,
        "consultation/proposal_form.html",
        _ctx(data=data, clause=clause, values=values, phase=ps.phase_info(db, version), **extra),
        status_code=status,
    )


def proposal_form_page(request: Request) -> Response:
    return proposal_form(request)


# --- comments ----------------------------------------------------------------------------------


def _parent_id(request: Request) -> int | None:
    raw = form_str(request, "parent_id")
    return int(raw) if raw.isdigit() else None


def _back_to(request: Request, comment: Comment) -> str:
    if comment.clause_id is not None:
        clause = ps.get_clause_by_id(request.state.db, comment.clause_id)
        return f"/charter/clauses/{clause.number}#comment-{comment.id}"
    return f"/charter/proposals/{comment.proposal_id}#comment-{comment.id}"


def post_clause_comment(request: Request) -> Response:
    _data, clause = _open_draft_clause(request)
    return _post_comment(request, clause=clause)


def post_proposal_comment(request: Request) -> Response:
    proposal = ps.get_proposal(request.state.db, int(request.path_params["id"]))
    return _post_comment(request, proposal=proposal)


def _post_comment(
    request: Request, *, clause: Clause | None = None, proposal: Proposal | None = None
) -> Response:
    body, parent_id = form_str(request, "body"), _parent_id(request)
    result = _attempt(
        request,
        lambda: ps.add_comment(
            request.state.db,
            author_id=request.state.user.id,
            body=body,
            clause_id=clause.id if clause else None,
            proposal_id=proposal.id if proposal else None,
            parent_id=parent_id,
        ),
    )
    failed = isinstance(result, DomainError)
    if failed and isinstance(result, NotFound):
        raise result
    form = {"form_error": result.message if failed else None,  # type: ignore[union-attr]
            "form_body": body if failed else "", "form_parent": parent_id}  # fmt: skip
    if is_htmx(request):
        if parent_id is not None and not failed:
            reply_id = result.id  # type: ignore[union-attr]
            done = _("Votre réponse est publiée.")
            return _thread_response(request, reply_id, notice=done, notice_for=reply_id)
        if parent_id is not None:
            return _thread_response(request, parent_id, **form)
        disc = _discussion(request, clause=clause, proposal=proposal)
        notice = None if failed else _("Votre commentaire est publié.")
        return render(
            request, "consultation/_discussion.html", _ctx(disc=disc, notice=notice, **form)
        )
    if failed:
        status = result.status_code  # type: ignore[union-attr]
        if clause is not None:
            return _clause_page_response(request, status, **form)
        return proposal_page_response(request, status, **form)
    assert isinstance(result, Comment)
    flash(
        request,
        _("Votre réponse est publiée.") if parent_id else _("Votre commentaire est publié."),
    )
    return redirect(_back_to(request, result), request)


def _thread_response(request: Request, comment_id: int, **extra: Any) -> Response:
    db = request.state.db
    page = ps.thread(db, comment_id)
    top = page.comments[0]
    if top.clause_id is not None:
        disc = _discussion(request, clause=ps.get_clause_by_id(db, top.clause_id), page=page)
    else:
        disc = _discussion(request, proposal=ps.get_proposal(db, top.proposal_id or 0), page=page)
    return render(request, "consultation/_comment.html", _ctx(disc=disc, c=top, **extra))


def edit_comment(request: Request) -> Response:
    comment_id = int(request.path_params["id"])
    body = form_str(request, "body")
    result = _attempt(
        request,
        lambda: ps.edit_comment(
            request.state.db, comment_id=comment_id, author_id=request.state.user.id, body=body
        ),
    )
    return _comment_action_response(
        request, comment_id, result, _("Votre commentaire est modifié."),
        edit_error=True, form_body=body,
    )  # fmt: skip


def delete_comment(request: Request) -> Response:
    comment_id = int(request.path_params["id"])
    result = _attempt(
        request,
        lambda: ps.delete_comment(
            request.state.db, comment_id=comment_id, author_id=request.state.user.id
        ),
    )
    return _comment_action_response(
        request, comment_id, result, _("Votre commentaire est supprimé.")
    )


def report_comment(request: Request) -> Response:
    comment_id = int(request.path_params["id"])
    result = _attempt(
        request,
        lambda: ps.report_comment(
            request.state.db,
            comment_id=comment_id,
            reporter_id=request.state.user.id,
            reason=form_str(request, "reason"),
            note=form_str(request, "note"),
        ),
    )
    return _comment_action_response(
        request, comment_id, result, _("Merci : le commentaire est signalé à la modération.")
    )


def _comment_action_response(
    request: Request,
    comment_id: int,
    result: object,
    success: str,
    *,
    edit_error: bool = False,
    form_body: str = "",
) -> Response:
    comment = ps.get_comment(request.state.db, comment_id)
    if isinstance(result, DomainError):
        if isinstance(result, NotFound):
            raise result
        if is_htmx(request):
            extra: dict[str, Any] = {"action_error": result.message, "action_for": comment_id}
            if edit_error:
                extra.update(edit_body=form_body)
            return _thread_response(request, comment_id, **extra)
        flash(request, result.message, "error")
        return redirect(_back_to(request, comment), request)
    if is_htmx(request):
        return _thread_response(request, comment_id, notice=success, notice_for=comment_id)
    flash(request, success)
    return redirect(_back_to(request, comment), request)


# --- supports ----------------------------------------------------------------------------------


def _support(request: Request, target_type: str, target_id: int, back: str) -> Response:
    db, user_id = request.state.db, request.state.user.id
    withdraw = form_str(request, "action") == "withdraw"
    fn = ps.withdraw_support if withdraw else ps.support
    result = _attempt(
        request, lambda: fn(db, user_id=user_id, target_type=target_type, target_id=target_id)
    )
    if isinstance(result, NotFound):
        raise result
    error = result.message if isinstance(result, DomainError) else None
    if error is None:
        message = _("Votre soutien est retiré.") if withdraw else _("Merci pour votre soutien.")
        if result is False:
            message = (
                _("Vous ne souteniez pas encore.")
                if withdraw
                else _("Vous soutenez déjà : votre soutien n'est compté qu'une fois.")
            )
    if is_htmx(request):
        supported = bool(
            ps.supported_ids(db, user_id=user_id, target_type=target_type, target_ids=[target_id])
        )
        version_id = ps.support_version_id(db, target_type, target_id)
        return render(
            request,
            "consultation/_support.html",
            _ctx(
                target_type=target_type,
                target_id=target_id,
                count=ps.support_count(db, target_type=target_type, target_id=target_id),
                supported=supported,
                support_open=ps.phase_info(db, db.get(CharterVersion, version_id)).is_open,
                action_url=request.url.path,
                support_notice=error or message,
                support_error=error is not None,
            ),
        )
    flash(request, error or message, "error" if error else "success")
    return redirect(back, request)


def support_clause(request: Request) -> Response:
    _data, clause = _open_draft_clause(request)
    return _support(request, TARGET_CLAUSE, clause.id or 0, f"/charter/clauses/{clause.number}")


def support_comment(request: Request) -> Response:
    comment = ps.get_comment(request.state.db, int(request.path_params["id"]))
    return _support(request, TARGET_COMMENT, comment.id or 0, _back_to(request, comment))


def support_proposal(request: Request) -> Response:
    proposal = ps.get_proposal(request.state.db, int(request.path_params["id"]))
    return _support(request, TARGET_PROPOSAL, proposal.id or 0, f"/charter/proposals/{proposal.id}")


# --- proposals ---------------------------------------------------------------------------------


def create_proposal(request: Request) -> Response:
    number = form_str(request, "clause_number")
    kind = form_str(request, "kind")
    result = _attempt(
        request,
        lambda: ps.create_proposal(
            request.state.db,
            author_id=request.state.user.id,
            kind=kind,
            title=form_str(request, "title"),
            body=form_str(request, "body"),
            rationale=form_str(request, "rationale"),
            clause_number=int(number) if number.isdigit() else None,
            section_slug=form_str(request, "section") or None,
        ),
    )
    if isinstance(result, DomainError):
        return proposal_form(
            request, result.status_code, error=result.message, error_field=result.field
        )
    assert isinstance(result, Proposal)
    flash(request, _("Votre proposition est publiée."))
    return redirect(f"/charter/proposals/{result.id}", request)


# --- phases ------------------------------------------------------------------------------------


def _parse_local(value: str, field_name: str) -> datetime | None:
    """A datetime-local field, read in Paris time (what the official sees on their clock)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=PARIS).astimezone(ZoneInfo("UTC"))
    except ValueError as exc:
        raise ValidationFailed(
            _("Date illisible : utilisez le format AAAA-MM-JJ HH:MM."), field=field_name
        ) from exc


def manage_phase(request: Request) -> Response:
    db, actor = request.state.db, request.state.user.id
    number = int(request.path_params["number"])
    action = form_str(request, "action")
    closes_at = _parse_local(form_str(request, "closes_at"), "closes_at")
    if action == "open":
        ps.open_consultation(db, number=number, actor_id=actor, closes_at=closes_at)
        flash(request, _("La consultation est ouverte aux commentaires."))
    elif action == "close":
        ps.close_consultation(db, number=number, actor_id=actor)
        flash(request, _("La consultation est close : le projet passe en examen."))
    elif action == "dates":
        opens_at = _parse_local(form_str(request, "opens_at"), "opens_at")
        ps.set_dates(db, number=number, opens_at=opens_at, closes_at=closes_at, actor_id=actor)
        flash(request, _("Les dates de la consultation sont enregistrées."))
    else:
        raise ValidationFailed(_("Action inconnue."))
    return redirect("/charter#phase", request)


routes = [
    route("/charter/proposals", proposals_page, permission=PUBLIC, cache_seconds=5),
    route("/charter/proposals/new", proposal_form_page, permission=PROPOSE),
    route("/charter/proposals", create_proposal, methods=["POST"], permission=PROPOSE,
          name="create_proposal"),
    route("/charter/proposals/{id:int}", proposal_page, permission=PUBLIC, cache_seconds=5),
    route("/charter/proposals/{id:int}/comments", post_proposal_comment, methods=["POST"],
          permission=COMMENT),
    route("/charter/proposals/{id:int}/support", support_proposal, methods=["POST"],
          permission=SUPPORT),
    route("/charter/clauses/{number:int}/comments", post_clause_comment, methods=["POST"],
          permission=COMMENT),
    route("/charter/clauses/{number:int}/support", support_clause, methods=["POST"],
          permission=SUPPORT),
    route("/charter/comments/{id:int}/edit", edit_comment, methods=["POST"],
          permission=EDIT_OWN_COMMENT),
    route("/charter/comments/{id:int}/delete", delete_comment, methods=["POST"],
          permission=EDIT_OWN_COMMENT),
    route("/charter/comments/{id:int}/report", report_comment, methods=["POST"],
          permission=REPORT),
    route("/charter/comments/{id:int}/support", support_comment, methods=["POST"],
          permission=SUPPORT),
    route("/charter/v/{number:int}/phase", manage_phase, methods=["POST"],
          permission=MANAGE_PHASE),
]  # fmt: skip
