"""Open data: the Atom feed of versions and answers, the anonymised export of the consultation."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from portal.accounts.services import display_names
from portal.consultation.charter.models import CharterVersion
from portal.consultation.opendata import services as opendata
from portal.consultation.review.models import Answer
from portal.text import render_markdown
from portal.web.permissions import PUBLIC
from portal.web.routing import route
from portal.web.templating import render

SCHEMA_DOC = Path(__file__).resolve().parents[2] / "docs" / "consultation-export.md"


@lru_cache(maxsize=1)
def _schema_html() -> str:
    if not SCHEMA_DOC.exists():
        return ""
    # The page has its own h1: the document's title line is dropped, its sections become h2.
    lines = SCHEMA_DOC.read_text().splitlines()
    return str(
        render_markdown("\n".join(lines[1:] if lines[:1] and lines[0].startswith("# ") else lines))
    )


def feed(request: Request) -> Response:

    db = request.state.db
    ids = set(db.scalars(select(Answer.official_id))) | {
        i for i in db.scalars(select(CharterVersion.published_by)) if i is not None
    }
    settings = request.app.state.settings
    body = opendata.atom_feed(
        db,
        base_url=settings.base_url,
        publisher=settings.city.publisher,
        names=display_names(db, ids),
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def export_page(request: Request) -> Response:

    state = opendata.export_state(request.state.db)
    return render(
        request,
        "consultation/export.html",
        {"state": state, "schema_html": Markup(_schema_html())},  # noqa: S704 - our own doc file
    )


def _data(request: Request) -> dict[str, object]:
    db = request.state.db
    opendata.require_closed(db)
    return opendata.export_data(db, secret=request.app.state.settings.secret_key)


def export_json(request: Request) -> Response:
    body = json.dumps(_data(request), ensure_ascii=False, indent=1)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": 'inline; filename="consultation-export.json"'},
    )


def export_csv(request: Request) -> Response:
    return Response(
        opendata.export_csv(_data(request)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="consultation-export.csv"'},
    )


routes = [
    route("/charter/feed.atom", feed, permission=PUBLIC, cache_seconds=5),
    route("/consultation/export", export_page, permission=PUBLIC),
    route("/consultation/export.json", export_json, permission=PUBLIC, threaded=True),
    route("/consultation/export.csv", export_csv, permission=PUBLIC, threaded=True),
]
