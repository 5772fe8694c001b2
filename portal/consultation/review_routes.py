"""The officials' side: the review desk, answering proposals, editing the draft."""

from __future__ import annotations

from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import Response

from portal.consultation import follow_services, review_services, services
from portal.consultation.diff import diff_text, render_segments_html
from portal.consultation.models import DECISIONS, DRAFT, Proposal
from portal.consultation.review_permissions import ANSWER_PROPOSAL, EDIT_DRAFT, REVIEW_DESK
from portal.errors import Conflict, DomainError
from portal.web.i18n import gettext as _
from portal.web.routing import flash, form_str, redirect, route
from portal.web.templating import environment, render


def _names(request: Request, ids: list[int]) -> dict[int, str]:
    from portal.accounts.services import display_names

    return display_names(request.state.db, ids)


# Partials that other pages include with only an object in their context (`proposal`, a follow
# target) read what they need through these functions, registered once on the shared environment.
@jinja2.pass_context
def _answers_for(context: Any, proposal: Proposal) -> dict[str, Any]:
    db = context["request"].state.db
    answers = review_services.answers_of(db, int(proposal.id or 0))
    names = _names(context["request"], [a.official_id for a in answers])
    return {
        "answers": answers,
        "names": names,
        "applied_url": review_services.applied_clause_url(db, proposal),
    }


@jinja2.pass_context
def _is_following(context: Any, target_type: str, target_key: object) -> bool:
    user = context.get("user")
    if user is None:
        return False
    return (
        follow_services.find(
            context["request"].state.db,
            user_id=user.id,
            target_type=target_type,
            target_key=str(target_key),
        )
        is not None
    )


def _register_template_globals() -> None:
    env = environment()
    env.globals["consultation_answers"] = _answers_for
    env.globals["consultation_is_following"] = _is_following
    env.globals["decision_label"] = review_services.decision_label
    env.globals["decision_choices"] = DECISIONS


_register_template_globals()


def review_desk(request: Request) -> Response:
    db = request.state.db
    proposals = review_services.awaiting_answer(db)
    draft = services.latest(db, DRAFT)
    clauses = {c.slug: c for c in services.view(db, draft).clauses} if draft else {}
    return render(
        request,
        "consultation/review_desk.html",
        {
            "proposals": proposals,
            "clauses": clauses,
            "draft": draft,
            "answered": review_services.answered_count(db),
            "names": _names(request, [p.author_id for p in proposals]),
        },
    )


def _answer_context(request: Request, proposal: Proposal, **extra: Any) -> dict[str, Any]:
    db = request.state.db
    current = review_services.current_clause_text(db, proposal)
    diff_html = None
    if current is not None:
        # Against the text its author started from: after an acceptance the draft already
        # reads as the proposal, and the diff would show nothing.
        base = proposal.base_body if proposal.base_body is not None else current.body
        diff_html = render_segments_html(diff_text(base, proposal.body))
    return {
        "proposal": proposal,
        "current": current,
        "diff_html": diff_html,
        "names": _names(request, [proposal.author_id]),
        "values": {},
        "error": None,
        **extra,
    }


def answer_page(request: Request) -> Response:
    proposal = review_services.get_proposal(request.state.db, int(request.path_params["id"]))
    return render(request, "consultation/answer.html", _answer_context(request, proposal))


def answer(request: Request) -> Response:
    db = request.state.db
    proposal_id = int(request.path_params["id"])
    values = {
        "decision": form_str(request, "decision"),
        "reason": form_str(request, "reason"),
        "final_text": form_str(request, "final_text"),
    }
    try:
        lock = int(form_str(request, "lock_version") or "0")
    except ValueError:
        lock = 0
    try:
        review_services.answer_proposal(
            db,
            proposal_id=proposal_id,
            official_id=request.state.user.id,
            decision=values["decision"],
            reason=values["reason"],
            final_text=values["final_text"],
            expected_lock=lock,
            base_url=request.app.state.settings.base_url,
        )
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        # Show the form again with what was typed; the session is rolled back by the wrapper.
        db.rollback()
        proposal = review_services.get_proposal(db, proposal_id)
        context = _answer_context(
            request, proposal, values=values, error=exc.message, conflict=isinstance(exc, Conflict)
        )
        return render(request, "consultation/answer.html", context, status_code=exc.status_code)
    flash(request, _("Votre réponse est publiée."))
    return redirect(f"/charter/proposals/{proposal_id}/answer#answers", request)


def _draft_clause(request: Request) -> Any:
    db = request.state.db
    version = services.latest(db, DRAFT)
    if version is None:
        from portal.errors import NotFound

        raise NotFound(_("Aucun projet de version n'est en cours de rédaction."))
    return version, services.get_clause(db, version, int(request.path_params["number"]))


def edit_clause_page(request: Request) -> Response:
    version, clause = _draft_clause(request)
    return render(
        request,
        "consultation/edit_clause.html",
        {"version": version, "clause": clause, "values": {}, "error": None},
    )


def edit_clause(request: Request) -> Response:
    version, clause = _draft_clause(request)
    values = {"title": form_str(request, "title"), "body": form_str(request, "body")}
    try:
        review_services.edit_draft_clause(
            request.state.db,
            clause_id=int(clause.id or 0),
            title=values["title"],
            body=values["body"],
            actor_id=request.state.user.id,
            base_url=request.app.state.settings.base_url,
        )
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        request.state.db.rollback()
        version, clause = _draft_clause(request)
        return render(
            request,
            "consultation/edit_clause.html",
            {"version": version, "clause": clause, "values": values, "error": exc.message},
            status_code=exc.status_code,
        )
    flash(request, _("L'article %(n)s du projet est modifié.", n=clause.number))
    return redirect(f"/charter#article-{clause.number}", request)


routes = [
    route("/charter/review", review_desk, permission=REVIEW_DESK),
    route("/charter/proposals/{id:int}/answer", answer_page, permission=ANSWER_PROPOSAL),
    route(
        "/charter/proposals/{id:int}/answer",
        answer,
        methods=["POST"],
        permission=ANSWER_PROPOSAL,
        name="answer_proposal",
    ),
    route("/charter/draft/clauses/{number:int}/edit", edit_clause_page, permission=EDIT_DRAFT),
    route(
        "/charter/draft/clauses/{number:int}/edit",
        edit_clause,
        methods=["POST"],
        permission=EDIT_DRAFT,
        name="edit_draft_clause_post",
    ),
]
