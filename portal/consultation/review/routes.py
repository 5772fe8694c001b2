"""The officials' side: the review desk, answering proposals, editing the draft."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from portal.consultation import urls
from portal.consultation.charter import services
from portal.consultation.review import pages
from portal.consultation.review import services as review_services
from portal.consultation.review.permissions import ANSWER_PROPOSAL, EDIT_DRAFT, REVIEW_DESK
from portal.consultation.vocabulary import VersionStatus
from portal.errors import Conflict, DomainError, NotFound
from portal.web.forms import attempt
from portal.web.i18n import gettext as _
from portal.web.routing import flash, form_str, redirect, route
from portal.web.templating import render


def review_desk(request: Request) -> Response:
    return render(request, "consultation/review_desk.html", pages.review_desk(request))


def answer_page(request: Request) -> Response:
    page = pages.answer_page(request, int(request.path_params["id"]))
    return render(request, "consultation/answer.html", page)


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
    result = attempt(
        request,
        lambda: review_services.answer_proposal(
            db,
            proposal_id=proposal_id,
            official_id=request.state.user.id,
            decision=values["decision"],
            reason=values["reason"],
            final_text=values["final_text"],
            expected_lock=lock,
        ),
    )
    if isinstance(result, DomainError):
        page = pages.answer_page(
            request,
            proposal_id,
            values=values,
            error=result.message,
            conflict=isinstance(result, Conflict),
        )
        return render(request, "consultation/answer.html", page, status_code=result.status_code)
    flash(request, _("Votre réponse est publiée."))
    return redirect(urls.answer(proposal_id), request)


def _draft_clause(request: Request) -> Any:
    db = request.state.db
    version = services.latest(db, VersionStatus.DRAFT)
    if version is None:
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
    result = attempt(
        request,
        lambda: review_services.edit_draft_clause(
            request.state.db,
            clause_id=int(clause.id or 0),
            title=values["title"],
            body=values["body"],
            actor_id=request.state.user.id,
        ),
    )
    if isinstance(result, DomainError):
        return render(
            request,
            "consultation/edit_clause.html",
            {"version": version, "clause": clause, "values": values, "error": result.message},
            status_code=result.status_code,
        )
    flash(request, _("L'article %(n)s du projet est modifié.", n=clause.number))
    return redirect(urls.charter(article=clause.number), request)


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
