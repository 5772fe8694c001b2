"""The charter: reading view, versions with permanent URLs, open data, diffs, publication."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from portal.consultation import urls
from portal.consultation.charter import pages, services
from portal.consultation.charter.diff import render_segments_html
from portal.consultation.charter.permissions import PUBLISH_VERSION
from portal.consultation.vocabulary import VersionStatus
from portal.errors import DomainError, ValidationFailed
from portal.web.forms import attempt
from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC
from portal.web.routing import flash, form_str, redirect, route
from portal.web.templating import render


def charter(request: Request) -> Response:
    shared = pages.shared_charter(request)
    if shared is not None:
        return shared
    page = pages.charter_page(request)
    if page is None:
        return render(request, "consultation/empty.html", {})
    return render(request, "consultation/charter.html", page)


def version_page(request: Request) -> Response:
    number = int(request.path_params["number"])
    shared = pages.shared_charter(request, number)
    if shared is not None:
        return shared
    version = services.get_version(request.state.db, number)
    return render(request, "consultation/charter.html", pages.charter_page(request, version))


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
    shared = pages.shared_clause(request, int(request.path_params["number"]))
    if shared is not None:
        return shared
    page = pages.clause_page(request, int(request.path_params["number"]))
    return render(
        request, "consultation/clause.html", page, partial="consultation/_comment_page.html"
    )


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


def publish_confirm(request: Request) -> Response:
    """What is not done yet, the note and (if needed) the reason, before publishing."""
    page = pages.publish_page(request, int(request.path_params["number"]))
    return render(request, "consultation/publish.html", page)


def publish(request: Request) -> Response:
    number = int(request.path_params["number"])
    try:
        lock = int(form_str(request, "lock_version") or "0")
    except ValueError:
        lock = 0
    values = {name: form_str(request, name) for name in ("note", "reason", "seen")}
    result = attempt(
        request,
        lambda: services.publish_version(
            request.state.db,
            number=number,
            note=values["note"],
            reason=values["reason"],
            seen=values["seen"] or None,
            actor_id=request.state.user.id,
            expected_lock=lock,
        ),
    )
    if isinstance(result, DomainError):
        page = pages.publish_page(
            request, number, values=values, error=result.message, error_field=result.field
        )
        return render(request, "consultation/publish.html", page, status_code=result.status_code)
    flash(request, _("La version %(n)s est publiée.", n=number))
    return redirect(urls.version(number), request)


def cycles(request: Request) -> Response:
    return render(request, "consultation/cycles.html", pages.cycles_page(request))


def cycle(request: Request) -> Response:
    page = pages.cycle_page(request, int(request.path_params["number"]))
    return render(request, "consultation/cycle.html", page)


def version_discussion(request: Request) -> Response:
    """A past version's discussion of one article, read-only; the draft's is its live page."""
    number, article = int(request.path_params["number"]), int(request.path_params["article"])
    version = services.get_version(request.state.db, number)
    if version.status == VersionStatus.DRAFT:
        return redirect(urls.clause(article), request)
    page = pages.version_discussion_page(request, number, article)
    return render(
        request,
        "consultation/version_discussion.html",
        page,
        partial="consultation/_comment_page.html",
    )


def next_draft(request: Request) -> Response:
    version = services.open_next_draft(request.state.db, actor_id=request.state.user.id)
    flash(
        request,
        _(
            "La version %(n)s est en préparation, reprise de la version publiée : modifiez ses "
            "articles, puis fixez les dates de la consultation.",
            n=version.number,
        ),
    )
    return redirect("/charter#phase-title", request)


routes = [
    route("/charter", charter, permission=PUBLIC, cache_seconds=5, name="consultation_index"),
    route("/charter/versions", history, permission=PUBLIC, cache_seconds=5),
    route("/charter/diff", diff_page, permission=PUBLIC, cache_seconds=5),
    route("/charter/v/{number:int}", version_page, permission=PUBLIC, cache_seconds=5),
    route("/charter/v/{number:int}.md", version_markdown, permission=PUBLIC, cache_seconds=5),
    route("/charter/v/{number:int}.json", version_json, permission=PUBLIC, cache_seconds=5),
    route("/charter/clauses/{number:int}", clause_page, permission=PUBLIC, cache_seconds=5),
    route("/charter/v/{number:int}/publish", publish_confirm, permission=PUBLISH_VERSION),
    route(
        "/charter/v/{number:int}/publish",
        publish,
        methods=["POST"],
        permission=PUBLISH_VERSION,
        name="publish_version",
    ),
    route("/charter/cycles", cycles, permission=PUBLIC, cache_seconds=5),
    route("/charter/cycles/{number:int}", cycle, permission=PUBLIC, cache_seconds=5),
    route(
        "/charter/v/{number:int}/clauses/{article:int}",
        version_discussion,
        permission=PUBLIC,
        cache_seconds=5,
    ),
    route("/charter/next-draft", next_draft, methods=["POST"], permission=PUBLISH_VERSION),
]
