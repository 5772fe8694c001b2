"""Routes of the compliance pack: the page, its JSON, the Annex VIII C record, the CRPA
inventory CSV of every entry concerned, and the explanation letter with its one-month clock."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from portal.clock import utcnow
from portal.csvout import write_rows
from portal.errors import ValidationFailed
from portal.registry import services as registry
from portal.registry import urls
from portal.registry.compliance import services
from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC
from portal.web.routing import route
from portal.web.templating import render


def _url(request: Request, slug: str) -> str:
    return request.app.state.settings.base_url + urls.entry(slug)


def _publisher(request: Request) -> str:
    """The deployer of every system: the city running the portal (its settings)."""
    return str(request.app.state.settings.city.official_name)


def _json(value: Any, filename: str) -> Response:
    return Response(
        json.dumps(value, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


def pack_page(request: Request) -> Response:
    system = registry.get_published(request.state.db, request.path_params["slug"])
    data = system.data or {}
    pack = services.pack(data, url=_url(request, system.slug), publisher=_publisher(request))
    return render(
        request,
        "registry/compliance.html",
        {"system": system, "pack": pack,
         "to_complete": _(services.TO_COMPLETE),
         "practices": {k: _(v) for k, v in services.PRACTICE_LABELS.items()},
         "check": data.get("prohibited_practices")},
    )  # fmt: skip


def pack_json(request: Request) -> Response:
    system = registry.get_published(request.state.db, request.path_params["slug"])
    doc = services.pack(
        system.data or {}, url=_url(request, system.slug), publisher=_publisher(request)
    ).as_json()
    return _json(doc, f"conformite-{system.slug}.json")


def annex_json(request: Request) -> Response:
    system = registry.get_published(request.state.db, request.path_params["slug"])
    record = services.annex_viii_c(
        system.data or {}, url=_url(request, system.slug), publisher=_publisher(request)
    )
    services.annex_validator().validate(record)  # a record that breaks its schema is a bug
    return _json(record, f"annexe-viii-c-{system.slug}.json")


def inventory_csv(request: Request) -> Response:
    rows = [
        services.inventory_row(s.data or {}, _url(request, s.slug))
        for s in registry.all_published(request.state.db)
        if services.founds_decisions(s.data or {})
    ]
    text = write_rows(rows, header=services.inventory_header())
    return Response(
        text.encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="inventaire-algorithmes.csv"'},
    )


def letter(request: Request) -> Response:
    system = registry.get_published(request.state.db, request.path_params["slug"])
    raw = request.query_params.get("demande", "").strip()
    today = utcnow().date()
    try:
        asked = date.fromisoformat(raw) if raw else today
    except ValueError:
        raise ValidationFailed(
            _("Date de la demande invalide ; attendu AAAA-MM-JJ, par exemple 2026-11-30."),
            field="demande",
        ) from None
    if asked > today:
        raise ValidationFailed(_("La date de la demande ne peut pas être dans le futur."))
    due = services.add_one_month(asked)
    return render(
        request,
        "registry/letter.html",
        {"system": system, "items": services.explanation(system.data or {}),
         "asked": asked, "due": due, "days_left": (due - today).days,
         "to_complete": _(services.TO_COMPLETE)},
    )  # fmt: skip


routes = [
    route("/registry/inventaire-algorithmes.csv", inventory_csv, permission=PUBLIC,
          threaded=True, cache_seconds=5),
    route("/registry/{slug}/conformite", pack_page, permission=PUBLIC, cache_seconds=5),
    route("/registry/{slug}/conformite.json", pack_json, permission=PUBLIC, cache_seconds=5),
    route("/registry/{slug}/annexe-viii-c.json", annex_json, permission=PUBLIC, cache_seconds=5),
    route("/registry/{slug}/conformite/lettre", letter, permission=PUBLIC),
]  # fmt: skip
