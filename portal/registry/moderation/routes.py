"""Routes of the register's moderation: report a question, and the moderators' desk of reported
questions (hide, keep, restore)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal.accounts.services import display_names
from portal.registry import urls
from portal.registry.models import System
from portal.registry.moderation import services
from portal.registry.permissions import MODERATE_QUESTIONS, REPORT_QUESTION
from portal.web.i18n import gettext as _
from portal.web.routing import flash, form_str, redirect, route
from portal.web.templating import render


def _slug(request: Request, system_id: int) -> str:
    system = request.state.db.get(System, system_id)
    assert system is not None
    return system.slug


def report(request: Request) -> Response:
    question, new = services.report(
        request.state.db,
        question_id=request.path_params["id"],
        reporter_id=request.state.user.id,
        reason=form_str(request, "reason"),
        note=form_str(request, "note"),
    )
    flash(
        request,
        _("Merci : la question est signalée aux modérateurs.")
        if new
        else _("Vous aviez déjà signalé cette question ; les modérateurs l'examinent."),
    )
    return redirect(
        urls.entry(_slug(request, question.system_id), part=f"question-{question.id}"), request
    )


def desk(request: Request) -> Response:
    db = request.state.db
    rows = services.reported(db)
    hidden = services.recently_hidden(db)
    ids = [r.question.author_id for r in rows] + [q.author_id for q, _s in hidden]
    return render(
        request,
        "registry/moderation.html",
        {
            "rows": rows,
            "hidden": hidden,
            "names": display_names(db, ids),
            "reasons": {k: _(v) for k, v in services.REASONS.items()},
        },
    )


def hide(request: Request) -> Response:
    services.hide(
        request.state.db,
        question_id=request.path_params["id"],
        actor_id=request.state.user.id,
        reason=form_str(request, "reason"),
    )
    flash(request, _("La question est masquée ; sa place sur la fiche indique le motif."))
    return redirect(urls.reported_questions(), request)


def dismiss(request: Request) -> Response:
    services.dismiss(
        request.state.db, question_id=request.path_params["id"], actor_id=request.state.user.id
    )
    flash(request, _("La question reste visible ; ses signalements sont classés."))
    return redirect(urls.reported_questions(), request)


def restore(request: Request) -> Response:
    services.restore(
        request.state.db, question_id=request.path_params["id"], actor_id=request.state.user.id
    )
    flash(request, _("La question est de nouveau visible."))
    return redirect(urls.reported_questions(), request)


routes = [
    route("/registry/questions/signalees", desk, permission=MODERATE_QUESTIONS),
    route("/registry/questions/{id:int}/report", report, methods=["POST"],
          permission=REPORT_QUESTION),
    route("/registry/questions/{id:int}/hide", hide, methods=["POST"],
          permission=MODERATE_QUESTIONS),
    route("/registry/questions/{id:int}/dismiss", dismiss, methods=["POST"],
          permission=MODERATE_QUESTIONS),
    route("/registry/questions/{id:int}/restore", restore, methods=["POST"],
          permission=MODERATE_QUESTIONS),
]  # fmt: skip
