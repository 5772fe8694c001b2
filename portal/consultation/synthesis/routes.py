"""The synthesis pages: what residents said, grouped into themes; officials edit and publish it."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from portal.consultation import urls
from portal.consultation.charter.models import CharterVersion
from portal.consultation.charter.services import get_version
from portal.consultation.synthesis import services as synthesis
from portal.consultation.synthesis.models import RUN_DRAFT, RUN_PUBLISHED, SynthesisRun
from portal.consultation.synthesis.permissions import EDIT_SYNTHESIS
from portal.errors import NotFound, ValidationFailed
from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC
from portal.web.routing import flash, form_str, redirect, route
from portal.web.templating import render

CHART_WIDTH = 360  # px of the longest bar


def _can_edit(request: Request) -> bool:
    user = request.state.user
    return user is not None and EDIT_SYNTHESIS.allows(user.roles, authenticated=True)


def _clause_param(request: Request) -> int | None:
    raw = request.query_params.get("clause", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise NotFound(_("Cet article n'a pas de synthèse."))
    return int(raw)


def _published(request: Request) -> SynthesisRun | None:
    version = request.query_params.get("version", "")
    if version and not version.isdigit():
        raise NotFound(_("Cette synthèse n'existe pas."))
    if version:
        v = get_version(request.state.db, int(version))
        return synthesis.latest_run(request.state.db, status=RUN_PUBLISHED, version_id=v.id)
    return synthesis.latest_run(request.state.db, status=RUN_PUBLISHED)


def _bars(view: synthesis.RunView) -> list[dict[str, object]]:
    biggest = max((t.size for t in view.themes), default=0) or 1
    return [
        {"y": i * 32, "theme": t, "width": max(2, round(CHART_WIDTH * t.size / biggest))}
        for i, t in enumerate(view.themes)
    ]


def _page(request: Request, run: SynthesisRun | None, *, draft: bool) -> Response:
    db = request.state.db
    if run is None:
        return render(request, "consultation/synthesis.html",
                      {"view": None, "draft": draft, "can_edit": _can_edit(request),
                       "has_draft": draft or _has_draft(request)})  # fmt: skip
    view = synthesis.run_view(db, run, clause_id=_clause_param(request))
    ctx = {
        "view": view,
        "draft": draft,
        "bars": _bars(view),
        "chart_height": max(32, 32 * len(view.themes)),
        "can_edit": _can_edit(request),
        "has_draft": draft or _has_draft(request),
        "base": "/consultation/synthesis/draft" if draft else "/consultation/synthesis",
        "query": f"?version={view.version.number}" if not draft else "",
        "evaluation": synthesis.evaluation(),
    }
    return render(request, "consultation/synthesis.html", ctx)


def _has_draft(request: Request) -> bool:
    return (
        _can_edit(request) and synthesis.latest_run(request.state.db, status=RUN_DRAFT) is not None
    )


def public_page(request: Request) -> Response:
    return _page(request, _published(request), draft=False)


def draft_page(request: Request) -> Response:
    return _page(request, synthesis.latest_run(request.state.db, status=RUN_DRAFT), draft=True)


def theme_page(request: Request) -> Response:
    db = request.state.db
    theme = synthesis.get_theme(db, int(request.path_params["theme_id"]))
    run = synthesis.get_run(db, theme.run_id)
    if run.status == RUN_DRAFT and not _can_edit(request):
        raise NotFound(_("Ce thème n'existe pas (ou a été fusionné)."))
    comments = synthesis.theme_comments(db, theme)
    editable = run.status == RUN_DRAFT and _can_edit(request)
    return render(request, "consultation/synthesis_theme.html", {
        "theme": theme, "run": run, "comments": comments, "editable": editable,
        "others": synthesis.other_themes(db, theme) if editable else [],
        "back": "/consultation/synthesis/draft" if run.status == RUN_DRAFT else "/consultation/synthesis",
    })  # fmt: skip


def _form_int(request: Request, name: str) -> int:
    raw = form_str(request, name)
    if not raw.isdigit():
        raise ValidationFailed(_("Choisissez un thème dans la liste."))
    return int(raw)


def rename(request: Request) -> Response:
    theme_id = int(request.path_params["theme_id"])
    theme = synthesis.rename_theme(request.state.db, theme_id=theme_id,
                                   label=form_str(request, "label"), author_id=request.state.user.id)  # fmt: skip
    flash(request, _("Thème renommé « %(label)s ».", label=theme.label))
    return redirect(_back(request, theme.clause_id), request)


def merge(request: Request) -> Response:
    theme_id = int(request.path_params["theme_id"])
    target = synthesis.merge_themes(request.state.db, theme_id=theme_id,
                                    into_id=_form_int(request, "into"), author_id=request.state.user.id)  # fmt: skip
    flash(request, _("Thèmes fusionnés dans « %(label)s ».", label=target.label))
    return redirect(_back(request, target.clause_id), request)


def move(request: Request) -> Response:
    theme_id = int(request.path_params["theme_id"])
    synthesis.move_comment(request.state.db, theme_id=theme_id,
                           comment_id=_form_int(request, "comment"),
                           to_theme_id=_form_int(request, "to"), author_id=request.state.user.id)  # fmt: skip
    flash(request, _("Commentaire déplacé."))
    return redirect(urls.synthesis_theme(theme_id), request)


def publish(request: Request) -> Response:
    run = synthesis.publish_run(request.state.db, run_id=int(request.path_params["run_id"]),
                                author_id=request.state.user.id)  # fmt: skip
    flash(request, _("Synthèse publiée : tout le monde peut la lire."))
    return redirect(urls.synthesis(version=_version_number(request, run)), request)


def _version_number(request: Request, run: SynthesisRun) -> int:

    version = request.state.db.get(CharterVersion, run.version_id)
    return int(version.number) if version else 0


def _back(request: Request, clause_id: int | None) -> str:
    return "/consultation/synthesis/draft" + (f"?clause={clause_id}" if clause_id else "")


def _export_view(request: Request) -> synthesis.RunView:
    run = _published(request)
    if run is None:
        raise NotFound(_("Aucune synthèse n'est encore publiée."))
    return synthesis.run_view(request.state.db, run, clause_id=_clause_param(request))


def export_json(request: Request) -> Response:
    view = _export_view(request)
    body = json.dumps(synthesis.as_dict(view), ensure_ascii=False, indent=2)
    return Response(body, media_type="application/json; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="synthese-v{view.version.number}.json"'})  # fmt: skip


def export_csv(request: Request) -> Response:
    view = _export_view(request)
    return Response(synthesis.as_csv(request.state.db, view), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="synthese-v{view.version.number}.csv"'})  # fmt: skip


routes = [
    route("/consultation/synthesis", public_page, permission=PUBLIC, cache_seconds=5),
    route("/consultation/synthesis.json", export_json, permission=PUBLIC, threaded=True),
    route("/consultation/synthesis.csv", export_csv, permission=PUBLIC, threaded=True),
    route("/consultation/synthesis/draft", draft_page, permission=EDIT_SYNTHESIS),
    route("/consultation/synthesis/theme/{theme_id:int}", theme_page, permission=PUBLIC),
    route("/consultation/synthesis/theme/{theme_id:int}/rename", rename, methods=["POST"],
          permission=EDIT_SYNTHESIS),
    route("/consultation/synthesis/theme/{theme_id:int}/merge", merge, methods=["POST"],
          permission=EDIT_SYNTHESIS),
    route("/consultation/synthesis/theme/{theme_id:int}/move", move, methods=["POST"],
          permission=EDIT_SYNTHESIS),
    route("/consultation/synthesis/run/{run_id:int}/publish", publish, methods=["POST"],
          permission=EDIT_SYNTHESIS),
]  # fmt: skip
