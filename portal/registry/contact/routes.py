"""Routes of reaching a person: /contact (the city's channels and the form) and the monthly
handover figures of a system, entered by its owner."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal.clock import utcnow
from portal.errors import DomainError, Forbidden, NotFound
from portal.registry import services as registry
from portal.registry import urls
from portal.registry.contact import pages, services
from portal.registry.fielderrors import FieldErrors
from portal.registry.permissions import DRAFT_ENTRY
from portal.web.forms import attempt
from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC
from portal.web.routing import flash, form_str, redirect, route
from portal.web.templating import render

CONTACT_FIELDS = ("system", "name", "email", "body")
HANDOVER_FIELDS = ("month", "conversations", "handovers", "median_minutes")


def _city(request: Request) -> services.CityContact:
    return services.city_contact(request.app.state.settings.content_dir)


def _errors(result: DomainError) -> tuple[dict[str, str], str | None]:
    if isinstance(result, FieldErrors):
        return result.errors, result.message
    return {}, result.message


def contact(request: Request) -> Response:
    db, city = request.state.db, _city(request)
    if request.method == "GET":
        slug = request.query_params.get("system", "").strip()[:80]
        system = services.contactable_system(db, slug) if slug else None
        if slug and system is None:
            raise NotFound(_("Aucun système « %(slug)s » dans le registre.", slug=slug))
        return render(request, "registry/contact.html", pages.contact_page(db, city, system=system))
    typed = {name: form_str(request, name) for name in CONTACT_FIELDS}
    user = request.state.user
    result = attempt(
        request,
        lambda: services.send_message(
            db, city=city, slug=typed["system"], name=typed["name"], email=typed["email"],
            body=typed["body"], sender_id=user.id if user is not None else None,
        ),
    )  # fmt: skip
    if isinstance(result, DomainError):
        errors, message = _errors(result)
        system = services.contactable_system(db, typed["system"]) if typed["system"] else None
        page = pages.contact_page(
            db, city, system=system, values=typed, errors=errors, error=message
        )
        return render(request, "registry/contact.html", page, status_code=result.status_code)
    flash(
        request,
        _("Votre message est transmis à : %(service)s. Un accusé de réception vous est envoyé "
          "par courriel ; la réponse viendra au plus tard le jour ouvré suivant.",
          service=result.service),
    )  # fmt: skip
    return redirect(urls.contact(typed["system"] or None), request)


def handover(request: Request) -> Response:
    db, city, user = request.state.db, _city(request), request.state.user
    system = registry.get_published(db, request.path_params["slug"])
    if not services.can_enter_figures(user.roles, user.id, system):
        raise Forbidden(_("Seul le service responsable de ce système saisit ses chiffres."))
    today = utcnow().date()
    if request.method == "GET":
        page = pages.handover_page(db, city, system, today=today)
        return render(request, "registry/handover.html", page)
    typed = {name: form_str(request, name) for name in HANDOVER_FIELDS}
    result = attempt(
        request,
        lambda: services.record_handover(
            db, system=system, actor_id=user.id, roles=user.roles, today=today, **typed
        ),
    )
    if isinstance(result, DomainError):
        errors, message = _errors(result)
        page = pages.handover_page(
            db, city, system, today=today, values=typed, errors=errors, error=message
        )
        return render(request, "registry/handover.html", page, status_code=result.status_code)
    flash(
        request,
        _("Les chiffres de %(m)s sont enregistrés et publiés sur la fiche.", m=result.month),
    )
    return redirect(urls.handover(system.slug), request)


routes = [
    route("/contact", contact, methods=["GET", "POST"], permission=PUBLIC, name="contact"),
    route("/registry/{slug}/handover", handover, methods=["GET", "POST"], permission=DRAFT_ENTRY),
]
