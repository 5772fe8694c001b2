"""Routes of the checkable commitments: the public board, and the officials' form to add or
remove a commitment."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal.clock import utcnow
from portal.consultation.services import published_clauses
from portal.errors import DomainError, ValidationFailed
from portal.registry.commitments import services
from portal.registry.fielderrors import FieldErrors
from portal.registry.loader import field_paths
from portal.registry.permissions import REVIEW_ENTRY
from portal.web.forms import attempt
from portal.web.i18n import gettext as _
from portal.web.pagination import page_count, past_the_end
from portal.web.permissions import PUBLIC
from portal.web.routing import flash, form_str, redirect, route
from portal.web.templating import render

# Systems per page of the board: 50 x 20 commitments is 1,000 cells, which a person can read
# and a browser can lay out; the totals count every system.
BOARD_PAGE_SIZE = 50
FIELDS = ("clause", "title", "check", "field", "allowed", "months", "scope")
BOARD = "/registry/commitments"


def board(request: Request) -> Response:
    db, user = request.state.db, request.state.user
    clauses = {c.slug: c for c in published_clauses(db)}
    checked = services.public_board(db, today=utcnow().date())
    pages = page_count(len(checked.rows), BOARD_PAGE_SIZE)
    try:
        page = int(request.query_params.get("page", "1"))
    except ValueError:
        page = 0
    if page < 1:
        raise ValidationFailed(_("Numéro de page invalide."), field="page")
    past_the_end(request, page, pages)
    start = (page - 1) * BOARD_PAGE_SIZE
    return render(
        request,
        "registry/commitments.html",
        {
            "board": checked,
            "rows": checked.rows[start : start + BOARD_PAGE_SIZE],
            "page": page,
            "pages": pages,
            "first": start + 1,
            "clauses": clauses,
            "declared_clauses": list(clauses.values()),
            "scopes": {k: _(v) for k, v in services.SCOPES.items()},
            "can_manage": user is not None and REVIEW_ENTRY.allows(user.roles, authenticated=True),
        },
    )


def _form(
    request: Request, values: dict[str, str], errors: dict[str, str], error: str | None,
    status: int = 200,
) -> Response:  # fmt: skip
    return render(
        request,
        "registry/commitment_form.html",
        {"values": values, "errors": errors, "error": error,
         "clauses": published_clauses(request.state.db),
         "checks": {k: _(v) for k, v in services.CHECKS.items()},
         "scopes": {k: _(v) for k, v in services.SCOPES.items()},
         "fields": sorted(field_paths())},
        status_code=status,
    )  # fmt: skip


def new(request: Request) -> Response:
    if request.method == "GET":
        return _form(request, {"check": "present", "scope": "all"}, {}, None)
    typed = {name: form_str(request, name) for name in FIELDS}
    clauses = [c.slug for c in published_clauses(request.state.db)]
    result = attempt(
        request,
        lambda: services.add(
            request.state.db, actor_id=request.state.user.id, clauses=clauses, **typed
        ),
    )
    if isinstance(result, DomainError):
        errors = result.errors if isinstance(result, FieldErrors) else {}
        return _form(request, typed, errors, result.message, result.status_code)
    flash(request, _("L'engagement est ajouté au tableau public."))
    return redirect(BOARD, request)


def delete(request: Request) -> Response:
    services.remove(
        request.state.db, commitment_id=request.path_params["id"], actor_id=request.state.user.id
    )
    flash(request, _("L'engagement est retiré du tableau."))
    return redirect(BOARD, request)


routes = [
    route(BOARD, board, permission=PUBLIC, cache_seconds=5),
    route("/registry/commitments/new", new, methods=["GET", "POST"], permission=REVIEW_ENTRY),
    route("/registry/commitments/{id:int}/delete", delete, methods=["POST"],
          permission=REVIEW_ENTRY),
]  # fmt: skip
