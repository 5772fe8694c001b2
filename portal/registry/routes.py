"""Pages of the register: list and search, entries, programme, commitments, open data, workflow."""

from __future__ import annotations

import functools
import json
import re
from datetime import date
from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response

from portal.accounts.services import display_names
from portal.consultation.services import current_generation, published_clauses, render_text_diff
from portal.csvout import write_rows, write_rows_french
from portal.errors import DomainError, ValidationFailed
from portal.registry import services, urls
from portal.registry.charts import bar_chart
from portal.registry.compliance.services import CHANNEL_LABELS
from portal.registry.contact import pages as contact_pages
from portal.registry.contact import services as contact
from portal.registry.editor import diff as editor_diff
from portal.registry.editor import form as editor_form
from portal.registry.editor import merge as editor_merge
from portal.registry.editor import services as incomplete
from portal.registry.loader import (
    SCHEMA_PATH,
    field_help,
    human_channel_problem,
    schema_changelog,
    schema_version,
    to_text,
)
from portal.registry.loader import all_errors as loader_errors
from portal.registry.moderation.services import REASONS as REPORT_REASONS
from portal.registry.permissions import (
    ANSWER_QUESTION,
    ASK_QUESTION,
    DRAFT_ENTRY,
    REVIEW_ENTRY,
)
from portal.text import slugify
from portal.web import i18n
from portal.web.forms import attempt
from portal.web.i18n import N_, ngettext
from portal.web.i18n import gettext as _
from portal.web.pagination import past_the_end
from portal.web.permissions import PUBLIC
from portal.web.routing import flash, form_str, redirect, route
from portal.web.templating import (
    cached_shared_page,
    render,
    shareable,
    shared_response,
    visitor_kind,
)

NEW_ENTRY_TEXT = """---
slug: nouveau-systeme
name: "Nom du système"
aliases: []
summary: "Ce que fait le système, en une ou deux phrases simples."
purpose: "Pourquoi la ville l'utilise."
service:
  name: "Service responsable"
status: study
dates:
  study: "AAAA-MM-JJ"
supplier:
  name: "Fournisseur"
hosting:
  location: "Lieu d'hébergement"
data:
  used:
    - "Donnée utilisée"
  retention: "Durée de conservation"
personal_data:
  processed: false
risk:
  category: minimal
  reasoning: "Pourquoi cette catégorie de l'AI Act."
human_oversight: "Qui vérifie quoi, et quand."
human_contact:
  channels:
    - channel: "Téléphone"
      phone: "01 41 18 19 20"
  opt_out: "Comment éviter la machine."
encounter:
  where:
    - "Où l'habitant rencontre le système"
  labelling: "Comment ses productions sont signalées comme faites par une IA."
decisions:
  individual_decisions: false
limits:
  - "Limite connue"
mitigations:
  - "Mesure qui réduit ce risque"
evaluation:
  method: "Comment le système est évalué."
costs: []
charter: []
next_review: "AAAA-MM-JJ"
---

Ce que fait le système pour l'habitant, en langage clair (Markdown).
"""


# accounts.delete_account keeps contributions under "Compte supprimé <id>": the number means
# nothing to a reader, so the register shows the words alone.
DELETED_ACCOUNT = re.compile(r"^Compte supprimé \d+$")


@functools.lru_cache(maxsize=1024)
def _history_diff(old: str, new: str) -> Markup:
    """The word diff of a published change: its texts never change once published, so it is
    computed once per pair of texts rather than at every view of the entry (difflib was a
    quarter of the entry page's time with ten changes in its history)."""
    return render_text_diff(old, new)


def _names(request: Request, ids: list[int | None]) -> dict[int, str]:
    names = display_names(request.state.db, [i for i in ids if i is not None])
    return {
        i: (_("un compte supprimé") if DELETED_ACCOUNT.match(n) else n) for i, n in names.items()
    }


def _filters(request: Request) -> services.Filters:
    p = request.query_params
    return services.check_filters(
        q=p.get("q", ""),
        status=p.get("status", ""),
        risk=p.get("risk", ""),
        service=p.get("service", ""),
        personal=p.get("personal", ""),
        page=p.get("page", "1"),
    )


def _labels() -> dict[str, Any]:
    """Label maps, translated once per page rather than once per card."""
    return {
        "status_labels": {k: _(v) for k, v in services.STATUS_LABELS.items()},
        "risk_labels": {k: _(v) for k, v in services.RISK_LABELS.items()},
        "field_labels": {k: _(v) for k, v in services.FIELD_LABELS.items()},
        "kind_labels": {k: _(v) for k, v in services.QUESTION_KINDS.items()},
    }


def index(request: Request) -> Response:
    filters = _filters(request)
    today = date.today()

    def context() -> dict[str, Any]:
        result = services.list_systems(request.state.db, filters)
        past_the_end(request, result.page, result.pages)
        query = {k: v for k, v in request.query_params.items() if k != "page" and v}
        return {"filters": filters, "result": result, "query": query, "today": today, **_labels()}

    if shareable(request):
        # Nothing on the list depends on the visitor beyond the header (token and name are the
        # shared page's markers): rendered once per process for each kind of visitor, language,
        # filters and day, until a write to a table it shows raises the generation (issue 18).
        key = ("shared-page", "registry", request.url.path, str(request.query_params),
               i18n.current_locale.get(), visitor_kind(request), today)  # fmt: skip
        generation = current_generation(request.state.db)
        page, _rendered = cached_shared_page(
            request, key, generation, "registry/index.html", lambda: (context(), {})
        )
        return shared_response(request, page)
    return render(request, "registry/index.html", context(), partial="registry/_results.html")


def entry(request: Request) -> Response:
    db = request.state.db
    system = services.get_published(db, request.path_params["slug"])
    data = system.data or {}
    changes = services.history(db, system.id)
    stats = services.questions_of(db, system.id)
    user = request.state.user
    ids: list[int | None] = [system.owner_id]
    ids += [c.author_id for c in changes] + [c.publisher_id for c in changes]
    ids += [q.author_id for q in stats.questions] + [q.answered_by for q in stats.questions]
    clauses = {c.slug: c for c in published_clauses(db)}
    can_draft = user is not None and DRAFT_ENTRY.allows(user.roles, authenticated=True)
    charts = [
        bar_chart(f, chart_id=f"chart-{i}")
        for i, f in enumerate(data.get("figures", []))
        if len(f["values"]) > 1
    ]
    return render(
        request,
        "registry/entry.html",
        {
            "system": system,
            "data": data,
            "changes": changes,
            "stats": stats,
            "names": _names(request, ids),
            "overdue": services.is_overdue(system, date.today()),
            "clauses": clauses,
            "charts": charts,
            "diff": _history_diff,
            "can_answer": user is not None and services.can_answer(user.roles, user.id, system),
            "can_draft": can_draft,
            "pending": services.pending_drafts_of(db, system.id) if can_draft else [],
            "handover": contact_pages.handover_charts(
                contact.handovers_of(db, system.id),
                contact.city_contact(request.app.state.settings.content_dir),
                prefix="entry-handover",
            ),
            "form_key": services.new_form_key() if user is not None else "",
            "report_reasons": {k: _(v) for k, v in REPORT_REASONS.items()},
            "channel_labels": {k: _(v) for k, v in CHANNEL_LABELS.items()},
            "can_enter_figures": user is not None
            and contact.can_enter_figures(user.roles, user.id, system),
            **_labels(),
        },
    )


def entry_json(request: Request) -> Response:
    system = services.get_published(request.state.db, request.path_params["slug"])
    return Response(
        json.dumps(system.data, ensure_ascii=False, indent=2), media_type="application/json"
    )


def schema_page(request: Request) -> Response:
    """The schema for people: its version, what changed in each version, and every field."""
    return render(
        request,
        "registry/schema.html",
        {
            "version": schema_version(),
            "changelog": schema_changelog(),
            "fields": field_help(),
            "field_labels": _labels()["field_labels"],
        },
    )


def schema_json(request: Request) -> Response:
    return Response(SCHEMA_PATH.read_bytes(), media_type="application/schema+json; charset=utf-8")


def export_json(request: Request) -> Response:
    city = request.app.state.settings.city
    doc = services.export_document(request.state.db, publisher=city.publisher)
    return Response(
        json.dumps(doc, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(request)}.json"'},
    )


def _export_name(request: Request) -> str:
    """registre-ia-<city>: the register's download names, from the city of the settings."""
    return f"registre-ia-{slugify(request.app.state.settings.city.short_name)}"


CSV_COLUMNS = (
    "slug", "name", "status", "risk_category", "service", "personal_data", "summary",
    "supplier", "hosting", "individual_decisions", "deployed", "next_review",
    "total_cost_eur", "url",
)  # fmt: skip


CSV_FRENCH_HEADER = (
    N_("Identifiant"), N_("Nom"), N_("Statut"), N_("Catégorie de risque"),
    N_("Service responsable"), N_("Données personnelles"), N_("En bref"), N_("Fournisseur"),
    N_("Hébergement"), N_("Décisions individuelles"), N_("Mise en service"),
    N_("Prochaine revue"), N_("Coût total (euros)"), N_("Adresse de la fiche"),
)  # fmt: skip


def _csv_rows(request: Request, *, french: bool) -> list[list[Any]]:
    base = request.app.state.settings.base_url
    yes, no = (_("oui"), _("non")) if french else ("yes", "no")
    rows = []
    for system in services.all_published(request.state.db):
        d = system.data or {}
        status, risk = d["status"], d["risk"]["category"]
        if french:
            status = _(services.STATUS_LABELS[status])
            risk = _(services.RISK_LABELS[risk])
        rows.append([
            system.slug, d["name"], status, risk, d["service"]["name"],
            yes if d["personal_data"]["processed"] else no, d["summary"],
            d["supplier"]["name"], d["hosting"]["location"],
            yes if d["decisions"]["individual_decisions"] else no,
            d.get("dates", {}).get("deployed", ""), d["next_review"],
            sum(float(c["amount_eur"]) for c in d.get("costs", [])),
            f"{base}{urls.entry(system.slug)}",
        ])  # fmt: skip
    return rows


def _csv_response(text: str, filename: str) -> Response:
    return Response(
        text.encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def export_csv(request: Request) -> Response:
    # The one CSV writer (portal/csvout.py): text that a spreadsheet would run is defused.
    text = write_rows(_csv_rows(request, french=False), header=CSV_COLUMNS)
    return _csv_response(text, f"{_export_name(request)}.csv")


def export_csv_french(request: Request) -> Response:
    """For a spreadsheet in French: ";" between cells, decimal commas, French headings and
    values, a BOM; beside the machine CSV, which keeps its columns for programs."""
    header = [_(h) for h in CSV_FRENCH_HEADER]
    text = write_rows_french(_csv_rows(request, french=True), header=header)
    return _csv_response(text, f"{_export_name(request)}-excel.csv")


def programme(request: Request) -> Response:
    return render(
        request,
        "registry/programme.html",
        {"p": services.programme(request.state.db), **_labels()},
    )


def feed(request: Request) -> Response:
    base = request.app.state.settings.base_url
    feed_title = _(
        "Registre des systèmes d’IA de %(city)s : modifications publiées",
        city=request.app.state.settings.city.short_name,
    )
    changes = services.recent_changes(request.state.db, limit=50)
    names = _names(request, [c.publisher_id for c, _s in changes])
    updated = changes[0][0].published_at.isoformat() if changes else "1970-01-01T00:00:00+00:00"
    items = []
    first = _("Première publication de la fiche.")
    for change, system in changes:
        fields = ", ".join(
            _(services.FIELD_LABELS.get(d["field"], d["field"])) for d in change.diff
        )
        who = names.get(change.publisher_id or 0, _("import du contenu"))
        items.append(
            "<entry>"
            f"<id>{escape(base)}/registry/{escape(system.slug)}#modification-{change.number}</id>"
            f"<title>{escape(system.name)} : {escape(change.summary)}</title>"
            f'<link href="{escape(base)}/registry/{escape(system.slug)}#modification-{change.number}"/>'
            f"<updated>{change.published_at.isoformat()}</updated>"
            f"<author><name>{escape(who)}</name></author>"
            f"<summary>{escape(_('Champs modifiés : %(f)s', f=fields) if fields else first)}</summary>"
            "</entry>"
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">'
        f"<id>{escape(base)}/registry/feed.atom</id>"
        f"<title>{escape(feed_title)}</title>"
        f'<link rel="self" href="{escape(base)}/registry/feed.atom"/>'
        f'<link href="{escape(base)}/registry"/>'
        f"<updated>{updated}</updated>" + "".join(items) + "</feed>"
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


# --- workflow -----------------------------------------------------------------------------------


def _form_page(
    request: Request, *, text: str, summary: str, system: Any, error: ValidationFailed | None
) -> Response:
    return render(
        request,
        "registry/edit.html",
        {
            "text": text,
            "summary": summary,
            "system": system,
            "error": error,
            "field_labels": _labels()["field_labels"],
            "field_help": field_help(),
        },
        status_code=400 if error else 200,
    )


BLANK_ENTRY: dict[str, Any] = {"costs": [], "charter": []}
# The change's own summary is `change_summary`: `summary` is a field of the entry.
# `_seen_revision`: the entry's published revision the page showed.
EDITOR_CONTROLS = ("csrf_token", "change_summary", "_add", "_remove", "_action", "_seen_revision")


def _editor(
    request: Request,
    *,
    system: Any,
    data: dict[str, Any],
    summary: str,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    add: str = "",
    preview: dict[str, Any] | None = None,
    status: int = 200,
    kept: Any = None,
    reopened: bool = False,
    rebased: editor_merge.Rebased | None = None,
    held: bool = False,
) -> Response:
    errors = errors or {}
    labels = _labels()["field_labels"]
    notes: dict[str, str] = {}
    if rebased is not None:
        notes = dict.fromkeys(rebased.conflicts, _(
            "Modifié aussi en ligne depuis le début de ce brouillon : votre valeur est gardée "
            "et signalée à la personne qui relit."))  # fmt: skip
    return render(
        request,
        "registry/editor.html",
        {
            "system": system,
            "fields": editor_form.build(data, labels=labels, errors=errors, add=add, notes=notes),
            "rebased": rebased,
            "held": held,
            "changed_online": [
                (p, editor_merge.label_of(p, labels))
                for p in (rebased.changed_online if rebased else [])
            ],
            "conflicts": [
                (p, editor_merge.label_of(p, labels))
                for p in (rebased.conflicts if rebased else [])
            ],
            "summary": summary,
            "errors": errors,
            "error": error,
            "error_list": sorted(errors.items()),
            "preview": preview,
            "kept": kept,
            "reopened": reopened,
        },
        status_code=status,
    )


def _entry_errors(data: dict[str, Any], system: Any) -> dict[str, str]:
    """Every problem of a form's entry, by field (an edited entry keeps its identifier)."""
    if system is not None:
        data["slug"] = system.slug
    return loader_errors(data)


def _seen_revision(request: Request, system: Any) -> int | None:
    """The entry's published revision the posted page showed (None if unsaid or impossible)."""
    try:
        seen = int(form_str(request, "_seen_revision"))
    except ValueError:
        return None
    return seen if system is not None and 0 <= seen <= system.published_revision else None


def _keep(request: Request, system: Any, kept: Any, form: dict[str, str], summary: str) -> Response:
    """Keep what was typed without sending it: valid or not, nothing published."""
    author = request.state.user.id
    seen = _seen_revision(request, system)
    base = system.published_revision if system is not None and seen is None else seen
    result = attempt(
        request,
        lambda: incomplete.keep(
            request.state.db, author_id=author, form=form, summary=summary,
            system_id=system.id if system is not None else None,
            draft_id=kept.id if kept is not None else None,
            base_revision=base,
        ),
    )  # fmt: skip
    if isinstance(result, DomainError):
        data, errors = editor_form.parse(form)
        where = {result.field: result.message} if result.field else {}
        return _editor(request, system=system, data=data, summary=summary,
                       errors=errors | where, error=result.message,
                       status=result.status_code, kept=kept)  # fmt: skip
    flash(
        request,
        _(
            "Brouillon gardé sans être envoyé en relecture : il n'est pas public. Vous le "
            "retrouvez dans « Mon espace » et dans la liste des brouillons."
        ),
    )
    return redirect(urls.incomplete(result.id), request)


def _editor_post(request: Request, system: Any, kept: Any = None) -> Response:
    """The field-by-field form posted: a row added or removed (shown again), a preview, the
    form kept as typed without being sent (even incomplete), or a draft sent for review;
    every problem beside its field, what was typed kept, nothing published."""
    form = {k: v for k, v in request.state.form.items()
            if isinstance(v, str) and k not in EDITOR_CONTROLS}  # fmt: skip
    summary = form_str(request, "change_summary")
    add, remove = form_str(request, "_add"), form_str(request, "_remove")
    data, errors = editor_form.parse(form, remove=remove)
    action = form_str(request, "_action")
    if action == "keep" and not (add or remove):
        return _keep(request, system, kept, form, summary)
    rebased = None
    found = incomplete.rebased(request.state.db, kept, system, data) if kept is not None else None
    if found is not None:
        rebased, errors = found
        data = rebased.data
    if add or remove:
        return _editor(request, system=system, data=data, summary=summary, errors=errors,
                       add=add, kept=kept, rebased=rebased)  # fmt: skip
    if rebased and action == "save" and _seen_revision(request, system) != rebased.online_revision:
        # Published again since the page was shown: nothing is sent before the agent sees what
        # changed online and the form brought up to date.
        return _editor(request, system=system, data=data, summary=summary, errors=errors,
                       kept=kept, rebased=rebased, held=True, status=409)  # fmt: skip
    for path, message in _entry_errors(data, system).items():
        errors.setdefault(path, message)
    preview = action == "preview"
    if not preview and not summary:
        errors["change_summary"] = _(
            "Résumez la modification en une phrase (elle apparaîtra dans l'historique public)."
        )
    if errors:
        message = ngettext("%(num)s champ à corriger.", "%(num)s champs à corriger.", len(errors))
        return _editor(request, system=system, data=data, summary=summary, errors=errors,
                       error=message, status=400, kept=kept, rebased=rebased)  # fmt: skip
    if preview:
        return _editor(request, system=system, data=data, summary=summary, preview=data,
                       kept=kept, rebased=rebased)  # fmt: skip
    author = request.state.user.id
    result = attempt(
        request,
        lambda: services.draft(request.state.db, data=data, summary=summary, author_id=author,
                               slug=system.slug if system is not None else None,
                               merge_conflicts=rebased.conflicts if rebased else None),
    )  # fmt: skip
    if isinstance(result, DomainError):
        field = "change_summary" if result.field == "summary" else result.field
        where = {field: result.message} if field else {}
        return _editor(request, system=system, data=data, summary=summary, errors=where,
                       error=result.message, status=result.status_code, kept=kept,
                       rebased=rebased)  # fmt: skip
    if kept is not None:
        incomplete.sent(request.state.db, draft_id=kept.id)
    flash(request, _("Brouillon enregistré : il sera publié après relecture par un élu."))
    return redirect(urls.draft(result.id), request)


def incomplete_draft(request: Request) -> Response:
    """An agent's kept draft reopened: everything as typed, each problem beside its field."""
    db, user = request.state.db, request.state.user
    kept = incomplete.get(db, draft_id=request.path_params["id"], author_id=user.id)
    system = incomplete.system_of(db, kept)
    if request.method == "POST":
        return _editor_post(request, system, kept)
    data, errors = editor_form.parse(incomplete.as_form(kept))
    found = incomplete.rebased(db, kept, system, data)
    if found is not None:
        rebased, errors = found
        data = rebased.data
    for path, problem in _entry_errors(data, system).items():
        errors.setdefault(path, problem)
    message: str | None = None
    if errors:
        message = ngettext(
            "%(num)s champ à compléter ou corriger avant l'envoi en relecture.",
            "%(num)s champs à compléter ou corriger avant l'envoi en relecture.",
            len(errors),
        )
    return _editor(request, system=system, data=data, summary=kept.summary, errors=errors,
                   error=message, kept=kept, reopened=True,
                   rebased=found[0] if found else None)  # fmt: skip


def discard_incomplete(request: Request) -> Response:
    incomplete.discard(
        request.state.db, draft_id=request.path_params["id"], author_id=request.state.user.id
    )
    flash(request, _("Le brouillon non envoyé est supprimé."))
    return redirect("/registry/drafts", request)


def new_entry(request: Request) -> Response:
    if request.method == "GET":
        if request.query_params.get("format") == "fichier":
            return _form_page(request, text=NEW_ENTRY_TEXT, summary="", system=None, error=None)
        return _editor(request, system=None, data=dict(BLANK_ENTRY), summary="")
    if "text" not in request.state.form:
        return _editor_post(request, None)
    text, summary = form_str(request, "text"), form_str(request, "summary")
    try:
        revision = services.draft(
            request.state.db, text=text, summary=summary, author_id=request.state.user.id
        )
    except ValidationFailed as exc:
        return _form_page(request, text=text, summary=summary, system=None, error=exc)
    flash(request, _("Brouillon enregistré : il sera publié après relecture par un élu."))
    return redirect(urls.draft(revision.id), request)


def edit_entry(request: Request) -> Response:
    system = services.get_system(request.state.db, request.path_params["slug"])
    if request.method == "GET":
        data = system.data or services.latest_revision_data(request.state.db, system.id)
        if request.query_params.get("format") == "fichier":
            text = to_text(data) if data else NEW_ENTRY_TEXT
            return _form_page(request, text=text, summary="", system=system, error=None)
        return _editor(request, system=system, data=data or dict(BLANK_ENTRY), summary="")
    if "text" not in request.state.form:
        return _editor_post(request, system)
    text, summary = form_str(request, "text"), form_str(request, "summary")
    try:
        revision = services.draft(
            request.state.db, text=text, summary=summary, author_id=request.state.user.id,
            slug=system.slug,
        )  # fmt: skip
    except ValidationFailed as exc:
        return _form_page(request, text=text, summary=summary, system=system, error=exc)
    flash(request, _("Brouillon enregistré : il sera publié après relecture par un élu."))
    return redirect(urls.draft(revision.id), request)


def drafts(request: Request) -> Response:
    rows = services.drafts(request.state.db)
    done = services.reviewed(request.state.db)
    ids = [r.author_id for r, _s in rows + done] + [r.reviewed_by for r, _s in done]
    kept = incomplete.of_author(request.state.db, request.state.user.id)
    return render(
        request,
        "registry/drafts.html",
        {"rows": rows, "done": done, "names": _names(request, ids), "kept": kept},
    )


def draft_page(request: Request) -> Response:
    revision, system = services.get_revision(request.state.db, request.path_params["id"])
    user = request.state.user
    labels = _labels()["field_labels"]
    field_changes = editor_diff.field_changes(system.data, revision.data, labels)
    conflicts = revision.merge_conflicts or []
    return render(
        request,
        "registry/draft.html",
        {
            "revision": revision,
            "system": system,
            "changes": services.entry_diff(system.data, revision.data),
            "field_changes": field_changes,
            "flagged": {c.path for c in field_changes if editor_merge.flagged(c.path, conflicts)},
            "conflicts": [(p, editor_merge.label_of(p, labels)) for p in conflicts],
            "diff": render_text_diff,
            "names": _names(request, [revision.author_id, revision.reviewed_by]),
            "can_review": REVIEW_ENTRY.allows(user.roles, authenticated=True),
            "publish_problem": human_channel_problem(revision.data),
            **_labels(),
        },
    )


def publish(request: Request) -> Response:
    try:
        expected = int(form_str(request, "expected_revision"))
    except ValueError:
        raise ValidationFailed(_("Formulaire incomplet : rechargez la page.")) from None
    change = services.publish(
        request.state.db,
        revision_id=request.path_params["id"],
        expected_revision=expected,
        actor_id=request.state.user.id,
    )
    system = request.state.db.get(services.System, change.system_id)
    flash(request, _("La modification est publiée."))
    return redirect(urls.entry(system.slug, part="historique"), request)


def reject(request: Request) -> Response:
    services.reject(
        request.state.db,
        revision_id=request.path_params["id"],
        note=form_str(request, "note"),
        actor_id=request.state.user.id,
    )
    flash(request, _("Le brouillon est refusé ; son auteur voit votre explication."))
    return redirect("/registry/drafts", request)


def ask(request: Request) -> Response:
    slug = request.path_params["slug"]
    services.ask(
        request.state.db,
        slug=slug,
        author_id=request.state.user.id,
        body=form_str(request, "body"),
        kind=form_str(request, "kind") or "question",
        idempotency_key=form_str(request, "idempotency_key"),
    )
    flash(request, _("Votre message est publié ; le service responsable y répondra ici."))
    return redirect(urls.entry(slug, part="questions"), request)


def answer(request: Request) -> Response:
    user = request.state.user
    question = services.answer(
        request.state.db,
        question_id=request.path_params["id"],
        actor_id=user.id,
        roles=user.roles,
        body=form_str(request, "answer"),
    )
    system = request.state.db.get(services.System, question.system_id)
    flash(request, _("Votre réponse est publiée."))
    return redirect(urls.entry(system.slug, part=f"question-{question.id}"), request)


routes = [
    route("/registry", index, permission=PUBLIC, cache_seconds=5, name="registry_index"),
    route("/registry/schema.json", schema_json, permission=PUBLIC),
    route("/registry/schema", schema_page, permission=PUBLIC, cache_seconds=5),
    route("/registry/export.json", export_json, permission=PUBLIC, threaded=True, cache_seconds=5),
    route("/registry/export.csv", export_csv, permission=PUBLIC, threaded=True, cache_seconds=5),
    route(
        "/registry/export-excel.csv",
        export_csv_french,
        permission=PUBLIC,
        threaded=True,
        cache_seconds=5,
    ),
    route("/registry/feed.atom", feed, permission=PUBLIC, cache_seconds=5),
    route("/registry/programme", programme, permission=PUBLIC, cache_seconds=5),
    route("/registry/new", new_entry, methods=["GET", "POST"], permission=DRAFT_ENTRY),
    route("/registry/drafts", drafts, permission=DRAFT_ENTRY),
    route("/registry/drafts/{id:int}", draft_page, permission=DRAFT_ENTRY),
    route("/registry/drafts/{id:int}/publish", publish, methods=["POST"], permission=REVIEW_ENTRY),
    route("/registry/drafts/{id:int}/reject", reject, methods=["POST"], permission=REVIEW_ENTRY),
    route(
        "/registry/drafts/incomplete/{id:int}",
        incomplete_draft,
        methods=["GET", "POST"],
        permission=DRAFT_ENTRY,
    ),
    route(
        "/registry/drafts/incomplete/{id:int}/delete",
        discard_incomplete,
        methods=["POST"],
        permission=DRAFT_ENTRY,
    ),
    route(
        "/registry/questions/{id:int}/answer", answer, methods=["POST"], permission=ANSWER_QUESTION
    ),
    route("/registry/{slug}.json", entry_json, permission=PUBLIC, cache_seconds=5),
    route("/registry/{slug}/edit", edit_entry, methods=["GET", "POST"], permission=DRAFT_ENTRY),
    route("/registry/{slug}/questions", ask, methods=["POST"], permission=ASK_QUESTION),
    route("/registry/{slug}", entry, permission=PUBLIC, cache_seconds=5, name="registry_entry"),
]
