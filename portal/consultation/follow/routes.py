"""Following a clause or a proposal, and the unsubscribe link of every follow-up mail."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal.accounts import services as accounts_services
from portal.consultation.follow import mine, pages
from portal.consultation.follow import services as follow_services
from portal.consultation.follow.models import Frequency
from portal.consultation.follow.services import (
    MY_CONSULTATION,
    MY_CONSULTATION_JSON,
    MY_DATA_JSON,
    MY_FOLLOWS,
)
from portal.consultation.vocabulary import Target
from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC, SIGNED_IN
from portal.web.routing import flash, form_str, redirect, route, safe_next
from portal.web.templating import is_htmx, render


def toggle_follow(request: Request) -> Response:
    db, user = request.state.db, request.state.user
    target_type, key = form_str(request, "target_type"), form_str(request, "target_key")
    next_url = safe_next(form_str(request, "next"), "/charter")
    following = form_str(request, "action") != "unfollow"
    if not following:
        follow_services.unfollow(db, user_id=user.id, target_type=target_type, target_key=key)
        message = _("Vous ne suivez plus cet élément.")
    else:
        row = follow_services.follow(
            db, user_id=user.id, target_type=target_type, target_key=key,
            frequency=form_str(request, "frequency") or Frequency.IMMEDIATE,
        )  # fmt: skip
        what = _("cet article") if target_type == Target.CLAUSE else _("cette proposition")
        if row.frequency == Frequency.DAILY:
            message = _(
                "Vous suivez %(what)s : un résumé par jour vous apportera les nouveaux messages.",
                what=what,
            )
        else:
            message = _(
                "Vous suivez %(what)s : un e-mail vous préviendra de chaque réponse ou "
                "modification.",
                what=what,
            )
    if is_htmx(request):  # the button swaps in place; the plain form redirects back
        db.flush()
        return render(
            request,
            "consultation/_follow.html",
            {"follow_target_type": target_type, "follow_target_key": key, "following": following,
             "follow_next": next_url, "follow_notice": message},
        )  # fmt: skip
    flash(request, message)
    return redirect(next_url, request)


def set_frequency(request: Request) -> Response:
    row = follow_services.set_frequency(
        request.state.db,
        user_id=request.state.user.id,
        follow_id=int(request.path_params["follow_id"]),
        frequency=form_str(request, "frequency"),
    )
    flash(
        request,
        _("Rythme des e-mails enregistré : %(pace)s.", pace=Frequency(row.frequency).label),
    )
    return redirect(safe_next(form_str(request, "next"), MY_FOLLOWS), request)


def my_consultation(request: Request) -> Response:
    page = mine.my_consultation(request.state.db, user_id=request.state.user.id)
    return render(request, "consultation/mine.html", page)


def my_consultation_json(request: Request) -> Response:
    data = mine.as_json(mine.my_consultation(request.state.db, user_id=request.state.user.id))
    return JSONResponse(
        data,
        headers={
            "Content-Disposition": 'attachment; filename="mes-contributions-consultation.json"',
        },
    )


def my_data_json(request: Request) -> Response:
    """Everything the portal's account and consultation hold about the person, in one file
    (RGPD art. 15 and 20). Served here because the consultation may ask the accounts package
    for its part, and not the other way round."""
    user_id = request.state.user.id
    data = {
        "account": accounts_services.personal_data(request.state.db, user_id=user_id),
        "consultation": mine.as_json(mine.my_consultation(request.state.db, user_id=user_id)),
    }
    return JSONResponse(
        data, headers={"Content-Disposition": 'attachment; filename="mes-donnees-portail.json"'}
    )


def unsubscribe_page(request: Request) -> Response:
    token = request.path_params["token"]
    found = follow_services.by_token(request.state.db, token)
    page = pages.unsubscribe_page(found, token=token, done=False)
    return render(request, "consultation/unsubscribe.html", page)


def unsubscribe(request: Request) -> Response:
    token = request.path_params["token"]
    found = follow_services.unsubscribe(request.state.db, token=token)
    page = pages.unsubscribe_page(found, token=token, done=True)
    return render(request, "consultation/unsubscribe.html", page)


routes = [
    route("/follow", toggle_follow, methods=["POST"], permission=SIGNED_IN),
    route(
        "/follow/{follow_id:int}/frequency", set_frequency, methods=["POST"], permission=SIGNED_IN
    ),
    route(MY_CONSULTATION, my_consultation, permission=SIGNED_IN),
    route(MY_CONSULTATION_JSON, my_consultation_json, permission=SIGNED_IN),
    route(MY_DATA_JSON, my_data_json, permission=SIGNED_IN),
    route("/follow/unsubscribe/{token}", unsubscribe_page, permission=PUBLIC),
    route(
        "/follow/unsubscribe/{token}",
        unsubscribe,
        methods=["POST"],
        permission=PUBLIC,
        name="unsubscribe_post",
        # Mail clients' one-click unsubscribe (RFC 8058) posts here without our form: the token
        # in the address is the authority.
        csrf_exempt=True,
    ),
]
