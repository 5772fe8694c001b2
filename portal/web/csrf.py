"""CSRF: a token bound to the browser's session (or anonymous id), plus Origin/Sec-Fetch-Site checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlsplit

from starlette.requests import Request

from portal.errors import Forbidden
from portal.web.i18n import N_
from portal.web.i18n import gettext as _

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


class CsrfFailed(Forbidden):
    title = N_("Formulaire expiré ou invalide")


def _binding(request: Request) -> str:
    user = getattr(request.state, "user", None)
    if user is not None:
        return f"session:{user.session_hash}"
    return f"anon:{request.scope.get('state', {}).get('anon_id', '')}"


def token_for(request: Request, secret_key: str) -> str:
    digest = hmac.new(secret_key.encode(), _binding(request).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def verify(request: Request, secret_key: str, base_url: str, submitted: str | None) -> None:
    """Raise CsrfFailed unless the request comes from our own pages with a valid token."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site and fetch_site not in {"same-origin", "none"}:
        raise CsrfFailed(_("Cette demande vient d'un autre site : elle a été refusée."))
    origin = request.headers.get("origin")
    if origin and origin != "null":
        own = {_origin(str(request.base_url)), _origin(base_url)}
        if origin.lower() not in own:
            raise CsrfFailed(_("Cette demande vient d'un autre site : elle a été refusée."))
    expected = token_for(request, secret_key)
    if not submitted or not hmac.compare_digest(submitted, expected):
        raise CsrfFailed(
            _(
                "Le formulaire a expiré ou n'a pas été envoyé depuis ce site. "
                "Rechargez la page et recommencez : rien n'a été enregistré."
            )
        )
