"""The search parameters of a request (French names in the query string), read once for the
pages and the API alike."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request

from portal.council import facets, services
from portal.council.search import OUTCOMES
from portal.errors import ValidationFailed
from portal.web.i18n import gettext as _


def _optional_date(request: Request, name: str) -> date | None:
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(
            _("Date invalide (%(name)s) : utilisez le format AAAA-MM-JJ.", name=name), field=name
        ) from exc


def filters_from(request: Request) -> services.Filters:
    """The search filters of the query string (French names, shared by the pages and the API)."""
    outcome = request.query_params.get("issue", "").strip() or None
    if outcome is not None and outcome not in OUTCOMES:
        raise ValidationFailed(
            _("Issue du vote inconnue : adopted, unanimous ou rejected."), field="issue"
        )
    texts = {}
    for name, size in (("theme", 80), ("personne", 200)):
        value = request.query_params.get(name, "").strip()[:size]
        if "\x00" in value:  # PostgreSQL refuses NUL in text; it is never a valid filter
            raise ValidationFailed(_("Filtre invalide : %(name)s.", name=name), field=name)
        texts[name] = value or None
    return services.Filters(
        date_from=_optional_date(request, "du"),
        date_to=_optional_date(request, "au"),
        meeting=_optional_date(request, "seance"),
        topic=texts["theme"],
        person=texts["personne"],
        outcome=outcome,
    )


def entity_filters_from(request: Request) -> facets.EntityFilters:
    """The filters on what passages name: lieu, organisation, montant, annee, mois."""
    return facets.filters_from(request.query_params.items())
