"""Taking part: comments, replies, supports, reports, proposals, and the phases officials set.

Every action is a real form: without JavaScript it redirects back with a flash message (or shows
the page again with the error and the text typed); with htmx the handler answers with the fragment
that changed (`_discussion.html`, `_comment.html`, `_support.html`, `_comment_page.html`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from portal.consultation import urls
from portal.consultation.charter import pages as charter_pages
from portal.consultation.charter.models import Clause
from portal.consultation.participation import pages
from portal.consultation.participation import services as ps
from portal.consultation.participation.models import Comment, Proposal
from portal.consultation.participation.permissions import (
    COMMENT,
    EDIT_OWN_COMMENT,
    MANAGE_PHASE,
    PROPOSE,
    RECORD_ASSISTED,
    REPORT,
    SUPPORT,
)
from portal.consultation.vocabulary import Target
from portal.errors import DomainError, Forbidden, ValidationFailed
from portal.web.forms import attempt
from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC
from portal.web.routing import flash, form_str, redirect, route
from portal.web.templating import context_values, is_htmx, render

PARIS = ZoneInfo("Europe/Paris")


def _clause_page_response(request: Request, status: int, **form: Any) -> Response:
    """The clause page again, with what was typed and why it was refused."""
    page = charter_pages.clause_page(request, int(request.path_params["number"]))
    return render(
        request, "consultation/clause.html", {**context_values(page), **form}, status_code=status
    )


def proposals_page(request: Request) -> Response:
    return render(request, "consultation/proposals.html", pages.proposals_page(request))


def proposal_page(request: Request) -> Response:
    return _proposal_page_response(request)


def _proposal_page_response(request: Request, status: int = 200, **form: Any) -> Response:
    page = pages.proposal_page(request, int(request.path_params["id"]))
    return render(
        request,
        "consultation/proposal.html",
        {**context_values(page), **form},
        partial="consultation/_comment_page.html",
        status_code=status,
    )


def proposal_form_page(request: Request) -> Response:
    article = request.query_params.get("article", "")
    page = pages.proposal_form_page(request, article=article, values=None)
    return render(request, "consultation/proposal_form.html", page)


# --- comments ----------------------------------------------------------------------------------


def _parent_id(request: Request) -> int | None:
    raw = form_str(request, "parent_id")
    return int(raw) if raw.isdigit() else None


def _back_to(request: Request, comment: Comment) -> str:
    if comment.clause_id is not None:
        clause = ps.get_clause_by_id(request.state.db, comment.clause_id)
        return urls.clause(clause.number, comment=comment.id)
    return urls.proposal(comment.proposal_id, comment=comment.id)


def post_clause_comment(request: Request) -> Response:
    _data, clause = charter_pages.current_clause(request, int(request.path_params["number"]))
    return _post_comment(request, clause=clause)


def post_proposal_comment(request: Request) -> Response:
    proposal = ps.get_proposal(request.state.db, int(request.path_params["id"]))
    return _post_comment(request, proposal=proposal)


def _post_comment(
    request: Request, *, clause: Clause | None = None, proposal: Proposal | None = None
) -> Response:
    body, parent_id = form_str(request, "body"), _parent_id(request)
    result = attempt(
        request,
        lambda: ps.add_comment(
            request.state.db,
            author_id=request.state.user.id,
            body=body,
            clause_id=clause.id if clause else None,
            proposal_id=proposal.id if proposal else None,
            parent_id=parent_id,
            key=form_str(request, "form_key") or None,
        ),
    )
    failed = isinstance(result, DomainError)
    form = {"form_error": result.message if failed else None,
            "form_body": body if failed else "", "form_parent": parent_id}  # fmt: skip
    if is_htmx(request):
        if parent_id is not None and not failed:
            reply_id = result.id
            done = _("Votre réponse est publiée.")
            return _thread_response(request, reply_id, notice=done, notice_for=reply_id)
        if parent_id is not None:
            return _thread_response(request, parent_id, **form)
        disc = pages.discussion(request, clause=clause, proposal=proposal)
        notice = None if failed else _("Votre commentaire est publié.")
        return render(
            request, "consultation/_discussion.html", {"disc": disc, "notice": notice, **form}
        )
    if failed:
        status = result.status_code
        if clause is not None:
            return _clause_page_response(request, status, **form)
        return _proposal_page_response(request, status, **form)
    assert isinstance(result, Comment)
    flash(
        request,
        _("Votre réponse est publiée.") if parent_id else _("Votre commentaire est publié."),
    )
    return redirect(_back_to(request, result), request)


def _thread_response(request: Request, comment_id: int, **extra: Any) -> Response:
    disc, top = pages.thread(request, comment_id)
    return render(request, "consultation/_comment.html", {"disc": disc, "c": top, **extra})


def edit_comment(request: Request) -> Response:
    comment_id = int(request.path_params["id"])
    body = form_str(request, "body")
    result = attempt(
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
    result = attempt(
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
    result = attempt(
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


def report_proposal(request: Request) -> Response:
    proposal_id = int(request.path_params["id"])
    result = attempt(
        request,
        lambda: ps.report_proposal(
            request.state.db,
            proposal_id=proposal_id,
            reporter_id=request.state.user.id,
            reason=form_str(request, "reason"),
            note=form_str(request, "note"),
        ),
    )
    if isinstance(result, DomainError):
        flash(request, result.message, "error")
    else:
        flash(request, _("Merci : la proposition est signalée à la modération."))
    return redirect(urls.proposal(proposal_id), request)


# --- supports ----------------------------------------------------------------------------------


def _support(request: Request, target_type: str, target_id: int, back: str) -> Response:
    db, user_id = request.state.db, request.state.user.id
    withdraw = form_str(request, "action") == "withdraw"
    fn = ps.withdraw_support if withdraw else ps.support
    result = attempt(
        request, lambda: fn(db, user_id=user_id, target_type=target_type, target_id=target_id)
    )
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
        fragment = pages.support_fragment(
            request, target_type, target_id, notice=error or message, error=error is not None
        )
        return render(request, "consultation/_support.html", fragment)
    flash(request, error or message, "error" if error else "success")
    return redirect(back, request)


def support_clause(request: Request) -> Response:
    _data, clause = charter_pages.current_clause(request, int(request.path_params["number"]))
    return _support(request, Target.CLAUSE, clause.id or 0, urls.clause(clause.number))


def support_comment(request: Request) -> Response:
    comment = ps.get_comment(request.state.db, int(request.path_params["id"]))
    return _support(request, Target.COMMENT, comment.id or 0, _back_to(request, comment))


def support_proposal(request: Request) -> Response:
    proposal = ps.get_proposal(request.state.db, int(request.path_params["id"]))
    return _support(request, Target.PROPOSAL, proposal.id or 0, urls.proposal(proposal.id))


# --- proposals ---------------------------------------------------------------------------------


def _assisted(request: Request) -> ps.Assisted | None:
    """The agent's "for whom" fields: None for one's own contribution."""
    channel = form_str(request, "channel")
    if not channel:
        return None
    if not request.state.user.has_role("agent"):
        raise Forbidden(
            _("Seuls les agents d'accueil recueillent une contribution pour un·e habitant·e.")
        )
    return ps.check_assisted(
        request.state.db,
        channel=channel,
        name=form_str(request, "assisted_name"),
        email=form_str(request, "assisted_email"),
    )


def create_proposal(request: Request) -> Response:
    number = form_str(request, "clause_number")
    kind = form_str(request, "kind")
    result = attempt(
        request,
        lambda: ps.create_proposal(
            request.state.db,
            assisted=_assisted(request),
            author_id=request.state.user.id,
            kind=kind,
            title=form_str(request, "title"),
            body=form_str(request, "body"),
            rationale=form_str(request, "rationale"),
            clause_number=int(number) if number.isdigit() else None,
            section_slug=form_str(request, "section") or None,
            is_agent=request.state.user.has_role("agent"),
            key=form_str(request, "form_key") or None,
        ),
    )
    if isinstance(result, DomainError):
        typed = {
            name: form_str(request, name)
            for name in (
                "title",
                "body",
                "rationale",
                "section",
                "form_key",
                "channel",
                "assisted_name",
                "assisted_email",
            )
        }
        page = pages.proposal_form_page(request, article=number, values=typed)
        return render(
            request,
            "consultation/proposal_form.html",
            {**context_values(page), "error": result.message, "error_field": result.field},
            status_code=result.status_code,
        )
    assert isinstance(result, Proposal)
    flash(request, _("Votre proposition est publiée."))
    return redirect(urls.proposal(result.id), request)


# --- contributions recorded at the front desk ---------------------------------------------------


def assisted_desk(request: Request) -> Response:
    return render(request, "consultation/assisted_desk.html", pages.assisted_desk_page(request))


def record_assisted_comment(request: Request) -> Response:
    values = {name: form_str(request, name)
              for name in ("article", "body", "channel", "assisted_name", "assisted_email",
                           "form_key")}  # fmt: skip
    result = attempt(
        request,
        lambda: ps.record_assisted_comment(
            request.state.db,
            agent_id=request.state.user.id,
            clause_number=int(values["article"]) if values["article"].isdigit() else None,
            body=values["body"],
            channel=values["channel"],
            name=values["assisted_name"],
            email=values["assisted_email"],
            key=values["form_key"] or None,
        ),
    )
    if isinstance(result, DomainError):
        page = pages.assisted_desk_page(
            request, values=values, error=result.message, error_field=result.field
        )
        return render(
            request, "consultation/assisted_desk.html", page, status_code=result.status_code
        )
    assert isinstance(result, Comment)
    flash(request, _("Le commentaire est publié, « recueilli par un agent d'accueil »."))
    return redirect(_back_to(request, result), request)


# --- phases ------------------------------------------------------------------------------------


def _parse_local(value: str, field_name: str) -> datetime | None:
    """A datetime-local field, read in Paris time (what the official sees on their clock)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=PARIS).astimezone(ZoneInfo("UTC"))
    except (ValueError, OverflowError) as exc:
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
    elif action == "proposers":
        ps.set_proposers(
            db, number=number, proposers=form_str(request, "proposers"), actor_id=actor
        )
        flash(request, _("Le choix de qui peut proposer des amendements est enregistré."))
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
    route("/charter/proposals/{id:int}/report", report_proposal, methods=["POST"],
          permission=REPORT),
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
    route("/charter/desk", assisted_desk, permission=RECORD_ASSISTED),
    route("/charter/desk/comments", record_assisted_comment, methods=["POST"],
          permission=RECORD_ASSISTED),
    route("/charter/v/{number:int}/phase", manage_phase, methods=["POST"],
          permission=MANAGE_PHASE),
]  # fmt: skip
