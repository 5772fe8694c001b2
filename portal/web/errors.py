"""Map domain and HTTP errors to a status and a French page, or JSON under /api/."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from portal.errors import DomainError
from portal.web.i18n import N_
from portal.web.i18n import gettext as _
from portal.web.routing import LoginRequired, login_url, redirect, set_cache_headers
from portal.web.templating import render_string

log = logging.getLogger("portal.errors")

MESSAGES: dict[int, tuple[str, str]] = {
    400: (N_("Demande invalide"), N_("La demande envoyée n'a pas pu être comprise.")),
    401: (N_("Connexion nécessaire"), N_("Connectez-vous pour accéder à cette page.")),
    403: (
        N_("Accès refusé"),
        N_("Vous n'avez pas le droit d'accéder à cette page ou de faire cette action."),
    ),
    404: (N_("Page introuvable"), N_("La page demandée n'existe pas ou a été déplacée.")),
    405: (N_("Action non permise"), N_("Cette adresse ne permet pas cette action.")),
    409: (
        N_("Modification concurrente"),
        N_("Quelqu'un a modifié la même chose juste avant vous."),
    ),
    413: (
        N_("Envoi trop volumineux"),
        N_("Le fichier ou le texte envoyé dépasse la taille permise."),
    ),
    422: (N_("Saisie à corriger"), N_("Certaines valeurs envoyées ne sont pas valides.")),
    429: (
        N_("Trop de tentatives"),
        N_("Trop de tentatives en peu de temps. Patientez une minute."),
    ),
    500: (
        N_("Erreur du serveur"),
        N_("Une erreur inattendue s'est produite. Elle a été enregistrée."),
    ),
}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def error_response(
    request: Request,
    status: int,
    title: str | None = None,
    detail: str | None = None,
    links: tuple[tuple[str, str], ...] = (),
) -> Response:
    default_title, default_detail = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    title = _(title or default_title)
    detail = _(detail or default_detail)
    if wants_json(request):
        answer = JSONResponse(
            {"error": {"status": status, "title": title, "detail": detail}}, status
        )
        set_cache_headers(answer, personal=True)
        return answer
    try:
        html = render_string(
            request,
            "errors/error.html",
            {"status": status, "title": title, "detail": detail, "links": links},
        )
    except Exception:
        log.exception("error page failed to render")
        html = f"<!doctype html><html lang=fr><title>{status}</title><h1>{title}</h1>"
    response = HTMLResponse(html, status)
    # An error page is never stored anywhere: it may be shown to a signed-in person before the
    # route ran (an unknown path, a body too large), when nothing yet says who is asking.
    set_cache_headers(response, personal=True)
    return response


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) and status not in MESSAGES else None
    headers: dict[str, Any] = dict(exc.headers or {})
    response = error_response(request, status, None, detail)
    for name, value in headers.items():
        response.headers[name] = value
    return response


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, LoginRequired) and not wants_json(request):
        response = redirect(login_url(request), request)
        set_cache_headers(response, personal=True)
        return response
    return error_response(request, exc.status_code, exc.title, exc.message, exc.links)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, 500)


EXCEPTION_HANDLERS = {
    HTTPException: http_exception,
    DomainError: domain_error,
}
