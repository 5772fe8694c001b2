"""Council minutes: meetings, search with highlighted passages, meeting pages, upload by agents."""

from __future__ import annotations

import math
from datetime import date

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from portal.council import services
from portal.council.parse import MinutesError, parse_bytes
from portal.council.permissions import UPLOAD_MINUTES
from portal.errors import NotFound, ValidationFailed
from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC
from portal.web.routing import flash, redirect, route
from portal.web.templating import render

PER_PAGE = 20
MAX_QUERY = 300


def _page(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def index(request: Request) -> Response:
    page = _page(request)
    rows, total = services.meetings(request.state.db, page=page, per_page=PER_PAGE)
    return render(
        request,
        "council/index.html",
        {
            "meetings": rows,
            "page": page,
            "pages": max(1, math.ceil(total / PER_PAGE)),
            "total": total,
        },
    )


def _query(request: Request) -> str:
    query = request.query_params.get("q", "").strip()
    if len(query) > MAX_QUERY:
        raise ValidationFailed(
            _("La recherche est trop longue (%(n)s caractères au plus).", n=MAX_QUERY)
        )
    return query


def search(request: Request) -> Response:
    query = _query(request)
    hits = services.search(request.state.db, query) if query else []
    return render(request, "council/search.html", {"q": query, "hits": hits})


def _date(request: Request) -> date:
    try:
        return date.fromisoformat(request.path_params["day"])
    except ValueError as exc:
        raise NotFound(_("Date de séance invalide : utilisez le format AAAA-MM-JJ.")) from exc


def meeting(request: Request) -> Response:
    view = services.meeting_view(request.state.db, _date(request))
    items_by_id = {i.id: i for i in view.items}
    return render(request, "council/meeting.html", {"view": view, "items_by_id": items_by_id})


def source(request: Request) -> Response:
    view = services.meeting_view(request.state.db, _date(request))
    m = view.meeting
    media = (
        "text/markdown; charset=utf-8"
        if m.source_format in {"md", "markdown"}
        else "text/plain; charset=utf-8"
    )
    return Response(
        m.source_bytes,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{m.source_filename}"'},
    )


def upload_page(request: Request) -> Response:
    return render(request, "council/upload.html", {})


def upload(request: Request) -> Response:
    upload_file = request.state.form.get("file")
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        return render(
            request,
            "council/upload.html",
            {"error": _("Choisissez un fichier de procès-verbal.")},
            status_code=400,
        )
    data = upload_file.file.read()
    try:
        parsed = parse_bytes(data, upload_file.filename)
    except MinutesError as exc:
        return render(
            request,
            "council/upload.html",
            {"error": _("Fichier refusé, rien n'a été enregistré. %(reason)s", reason=str(exc))},
            status_code=400,
        )
    result = services.ingest(
        request.state.db,
        parsed=parsed,
        filename=upload_file.filename,
        data=data,
        actor_id=request.state.user.id,
    )
    messages = {
        "created": _("Séance du %(d)s ajoutée.", d=result.meeting_date.strftime("%d/%m/%Y")),
        "replaced": _(
            "Séance du %(d)s remplacée par la version corrigée.",
            d=result.meeting_date.strftime("%d/%m/%Y"),
        ),
        "unchanged": _("Ce fichier était déjà enregistré : rien n'a changé."),
    }
    flash(request, messages[result.status])
    return redirect(f"/council/m/{result.meeting_date.isoformat()}", request)


routes = [
    route("/council", index, permission=PUBLIC, cache_seconds=5, name="council_index"),
    route("/council/search", search, permission=PUBLIC, threaded=True, cache_seconds=5),
    route("/council/m/{day}", meeting, permission=PUBLIC, cache_seconds=5),
    route("/council/m/{day}/source", source, permission=PUBLIC),
    route("/council/upload", upload_page, permission=UPLOAD_MINUTES),
    route("/council/upload", upload, methods=["POST"], permission=UPLOAD_MINUTES),
]
