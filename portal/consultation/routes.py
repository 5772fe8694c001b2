"""The charter: reading view, versions with permanent URLs, open data, diffs, publication."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from portal.consultation import participation_routes as participation
from portal.consultation import services
from portal.consultation.diff import diff_text, render_segments_html
from portal.consultation.models import PUBLISHED, CharterVersion, Clause
from portal.consultation.permissions import PUBLISH_VERSION
from portal.errors import NotFound, ValidationFailed
from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC
from portal.web.routing import flash, form_str, redirect, route
from portal.web.templating import render


def _names(request: Request, *ids: int | None) -> dict[int, str]:
    from portal.accounts.services import display_names

    return display_names(request.state.db, [i for i in ids if i is not None])


def charter(request: Request) -> Response:
    data = services.current_view(request.state.db)
    if data is None:
        return render(request, "consultation/empty.html", {})
    published = services.latest(request.state.db, "published")
    ctx = participation.charter_context(request, data)
    ctx.update(data=data, published=published, names=_names(request, data.version.published_by))
    return render(request, "consultation/charter.html", ctx)


def version_page(request: Request) -> Response:
    version = services.get_version(request.state.db, int(request.path_params["number"]))
    data = services.view(request.state.db, version)
    published = services.latest(request.state.db, "published")
    ctx = participation.charter_context(request, data)
    ctx.update(
        data=data,
        published=published,
        names=_names(request, version.published_by),
        permalink=True,
        origins=_origins(request, version),
    )
    return render(request, "consultation/charter.html", ctx)


def _origins(request: Request, version: CharterVersion) -> dict[str, object]:
    if version.status != PUBLISHED:
        return {}
    from portal.consultation import review_services

    return dict(review_services.clause_origins(request.state.db, version))


def version_markdown(request: Request) -> Response:
    version = services.get_version(request.state.db, int(request.path_params["number"]))
    text = services.version_as_markdown(services.view(request.state.db, version))
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")


def version_json(request: Request) -> Response:
    version = services.get_version(request.state.db, int(request.path_params["number"]))
    body = json.dumps(
        services.version_as_dict(services.view(request.state.db, version)),
        ensure_ascii=False,
        indent=2,
    )
    return Response(body, media_type="application/json")


def clause_page(request: Request) -> Response:
    data = services.current_view(request.state.db)
    if data is None:
        raise NotFound(_("La charte n'est pas encore publiée."))
    clause = services.get_clause(request.state.db, data.version, int(request.path_params["number"]))
    return render(
        request,
        "consultation/clause.html",
        clause_page_context(request, data, clause),
        partial="consultation/_comment_page.html",
    )


def clause_page_context(
    request: Request, data: services.VersionView, clause: Clause
) -> dict[str, Any]:
    """The clause with its history and its discussion (also used to show a form's error)."""
    history = services.clause_history(request.state.db, clause.slug)
    steps = []
    for (old_v, old_c), (new_v, new_c) in pairwise(history):
        segments = diff_text(old_c.title + "\n\n" + old_c.body, new_c.title + "\n\n" + new_c.body)
        steps.append({"from": old_v, "to": new_v, "html": render_segments_html(segments),
                      "changed": any(s.op != "equal" for s in segments)})  # fmt: skip
    ctx = participation.clause_context(request, data, clause)
    # The bridge to the register: which systems say how they meet this clause.
    from portal.registry.services import systems_committed_to

    ctx.update(
        data=data,
        clause=clause,
        steps=steps,
        registry_systems=systems_committed_to(request.state.db, clause.slug),
    )
    return ctx


def history(request: Request) -> Response:
    return render(
        request, "consultation/versions.html", {"versions": services.versions(request.state.db)}
    )


def diff_page(request: Request) -> Response:
    db = request.state.db
    try:
        old_n = int(request.query_params.get("from", ""))
        new_n = int(request.query_params.get("to", ""))
    except ValueError as exc:
        raise ValidationFailed(
            _("Indiquez deux numéros de version, par exemple ?from=1&to=2.")
        ) from exc
    old, new = services.get_version(db, old_n), services.get_version(db, new_n)
    diff = services.version_diff(db, old, new)
    return render(
        request,
        "consultation/diff.html",
        {
            "old": old,
            "new": new,
            "diff": diff,
            "render": render_segments_html,
            "versions": services.versions(db),
        },
    )


def publish(request: Request) -> Response:
    number = int(request.path_params["number"])
    try:
        lock = int(form_str(request, "lock_version") or "0")
    except ValueError:
        lock = 0
    version = services.publish_version(
        request.state.db,
        number=number,
        note=form_str(request, "note"),
        actor_id=request.state.user.id,
        expected_lock=lock,
        base_url=request.app.state.settings.base_url,
    )
    flash(request, _("La version %(n)s est publiée.", n=version.number))
    return redirect(f"/charter/v/{version.number}", request)


routes = [
    route("/charter", charter, permission=PUBLIC, cache_seconds=5, name="consultation_index"),
    route("/charter/versions", history, permission=PUBLIC, cache_seconds=5),
    route("/charter/diff", diff_page, permission=PUBLIC, cache_seconds=5),
    route("/charter/v/{number:int}", version_page, permission=PUBLIC, cache_seconds=5),
    route("/charter/v/{number:int}.md", version_markdown, permission=PUBLIC, cache_seconds=5),
    route("/charter/v/{number:int}.json", version_json, permission=PUBLIC, cache_seconds=5),
    route("/charter/clauses/{number:int}", clause_page, permission=PUBLIC, cache_seconds=5),
    route("/charter/v/{number:int}/publish", publish, methods=["POST"], permission=PUBLISH_VERSION),
]
