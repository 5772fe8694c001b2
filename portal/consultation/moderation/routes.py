"""Moderation: the queue of reported comments, hide/keep/restore, blocking, public figures."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from portal.accounts.services import display_names
from portal.consultation import urls
from portal.consultation.moderation import services as moderation
from portal.consultation.moderation.permissions import BLOCK_USER, MODERATE, RESTORE_COMMENT
from portal.consultation.vocabulary import MODERATION_REASONS
from portal.registry.services import reported_questions
from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC
from portal.web.routing import flash, form_str, redirect, route
from portal.web.templating import render


def _names(request: Request, ids: list[int]) -> dict[int, str]:
    return display_names(request.state.db, ids)


def moderation_queue(request: Request) -> Response:
    db = request.state.db
    items = moderation.queue(db)
    hidden = moderation.hidden_comments(db)
    blocks = moderation.blocked_users(db)
    proposal_items = moderation.proposal_queue(db)
    hidden_proposals = moderation.hidden_proposals(db)
    # The register's reported questions join the one queue; the register's desk decides on them.
    register_questions = reported_questions(db)
    authors = (
        [i.comment.author_id for i in items]
        + [c.author_id for c in hidden]
        + [i.proposal.author_id for i in proposal_items]
        + [p.author_id for p in hidden_proposals]
    )
    names = _names(
        request,
        authors
        + [c.hidden_by for c in hidden if c.hidden_by]
        + [p.hidden_by for p in hidden_proposals if p.hidden_by]
        + [b.user_id for b in blocks]
        + [b.blocked_by for b in blocks],
    )
    return render(
        request,
        "consultation/moderation_queue.html",
        {
            "register_questions": register_questions,
            "items": items,
            "hidden": hidden,
            "blocks": blocks,
            "proposal_items": proposal_items,
            "hidden_proposals": hidden_proposals,
            # Authors already blocked: every hidden or reported item offers to block the others.
            "blocked": moderation.blocked_among(db, authors),
            "names": names,
            "reasons": MODERATION_REASONS,
        },
    )


def _decide(
    request: Request, decide: Callable[..., object], *, item: str, done: str, reasoned: bool
) -> Response:
    """A moderator's decision on a reported item (`item` names the service's id argument):
    hide it with a public reason (`reasoned`) or keep it, which closes its reports; back to the
    queue with what was done."""
    params: dict[str, object] = {
        item: int(request.path_params["id"]),
        "moderator_id": request.state.user.id,
    }
    if reasoned:
        params |= {"reason": form_str(request, "reason"), "note": form_str(request, "note")}
    decide(request.state.db, **params)
    flash(request, done)
    return redirect(urls.moderation_queue(), request)


def hide(request: Request) -> Response:
    done = _("Le commentaire est masqué ; les signalements sont clos.")
    return _decide(request, moderation.hide_comment, item="comment_id", done=done, reasoned=True)


def hide_proposal(request: Request) -> Response:
    done = _("La proposition est masquée ; les signalements sont clos.")
    return _decide(request, moderation.hide_proposal, item="proposal_id", done=done, reasoned=True)


def keep_proposal(request: Request) -> Response:
    done = _("La proposition reste visible ; les signalements sont clos.")
    return _decide(request, moderation.keep_proposal, item="proposal_id", done=done, reasoned=False)


def keep(request: Request) -> Response:
    done = _("Le commentaire reste visible ; les signalements sont clos.")
    return _decide(request, moderation.keep_comment, item="comment_id", done=done, reasoned=False)


def restore(request: Request) -> Response:
    moderation.restore_comment(
        request.state.db,
        comment_id=int(request.path_params["id"]),
        admin_id=request.state.user.id,
        note=form_str(request, "note"),
    )
    flash(request, _("Le commentaire est rétabli."))
    return redirect("/moderation", request)


def block(request: Request) -> Response:
    moderation.block_user(
        request.state.db,
        user_id=int(request.path_params["id"]),
        moderator_id=request.state.user.id,
        reason=form_str(request, "reason"),
        note=form_str(request, "note"),
    )
    flash(request, _("La personne ne peut plus écrire dans la consultation."))
    return redirect("/moderation", request)


def person(request: Request) -> Response:
    """One person, for a moderator: their block (and the form to block or lift it), what they
    wrote in the consultation, hidden or not, and how often it was reported."""
    db = request.state.db
    record = moderation.person_record(db, user_id=int(request.path_params["id"]))
    ids = [record.user_id] + ([record.block.blocked_by] if record.block else [])
    return render(
        request,
        "consultation/moderation_person.html",
        {"r": record, "names": _names(request, ids), "reasons": MODERATION_REASONS},
    )


def unblock(request: Request) -> Response:
    moderation.unblock_user(
        request.state.db, user_id=int(request.path_params["id"]), moderator_id=request.state.user.id
    )
    flash(request, _("La personne peut de nouveau écrire dans la consultation."))
    return redirect("/moderation", request)


BAR_MAX_WIDTH = 300


def figures(request: Request) -> Response:
    rows = moderation.figures(request.state.db)
    top = max([r.hidden for r in rows] + [1])
    bars = [
        {"row": r, "width": round(BAR_MAX_WIDTH * r.hidden / top), "y": 10 + i * 36}
        for i, r in enumerate(rows)
    ]
    return render(
        request,
        "consultation/moderation_figures.html",
        {
            "rows": rows,
            "bars": bars,
            "height": 20 + 36 * len(rows),
            "total_hidden": sum(r.hidden for r in rows),
            "total_reports": moderation.report_total(request.state.db),
        },
    )


routes = [
    route("/moderation", moderation_queue, permission=MODERATE),
    route("/moderation/comments/{id:int}/hide", hide, methods=["POST"], permission=MODERATE),
    route("/moderation/comments/{id:int}/keep", keep, methods=["POST"], permission=MODERATE),
    route(
        "/moderation/comments/{id:int}/restore",
        restore,
        methods=["POST"],
        permission=RESTORE_COMMENT,
    ),
    route(
        "/moderation/proposals/{id:int}/hide", hide_proposal, methods=["POST"], permission=MODERATE
    ),
    route(
        "/moderation/proposals/{id:int}/keep", keep_proposal, methods=["POST"], permission=MODERATE
    ),
    route("/moderation/users/{id:int}", person, permission=MODERATE),
    route("/moderation/users/{id:int}/block", block, methods=["POST"], permission=BLOCK_USER),
    route("/moderation/users/{id:int}/unblock", unblock, methods=["POST"], permission=BLOCK_USER),
    route("/moderation/figures", figures, permission=PUBLIC, cache_seconds=5),
]
