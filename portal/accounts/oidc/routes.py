"""Sign in with FranceConnect (residents) and ProConnect (agents): the redirect to the provider,
its return, the first sign-in's confirmation, and the logout at the provider.

The start and the return are GET requests (the provider sends the browser back with a GET), run
in a worker thread: each talks to the provider first, over the network, and only then writes in
its own short write transaction, so no database lock is held while a provider is slow or down.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.accounts import services as accounts
from portal.accounts.oidc import client, pages, services, urls
from portal.accounts.oidc.models import OidcLogin
from portal.accounts.oidc.services import SignInFailed
from portal.db import session_scope
from portal.errors import ValidationFailed
from portal.settings import OidcProvider, Settings
from portal.web import csrf
from portal.web.i18n import current_locale
from portal.web.i18n import gettext as _
from portal.web.permissions import PUBLIC, SIGNED_IN
from portal.web.routing import flash, form_str, redirect, route, safe_next
from portal.web.templating import render

# Binds a sign-in to the browser that started it: a random value, only its hash is stored.
BROWSER_COOKIE = "portal_oidc"
BROWSER_COOKIE_SECONDS = 3600


def _relying_party(request: Request, provider: OidcProvider) -> client.RelyingParty:
    """One Authlib client per provider and app: the discovery document and keys are fetched once
    (the keys again when the provider signs with a new one)."""
    cache: dict[str, client.RelyingParty] | None = getattr(request.app.state, "oidc_clients", None)
    if cache is None:
        cache = request.app.state.oidc_clients = {}
    rp = cache.get(provider.name)
    if rp is None:
        rp = cache[provider.name] = client.relying_party(provider)
    return rp


def _error(request: Request, exc: SignInFailed, provider: OidcProvider | None = None) -> Response:
    # The browser's binding cookie stays: a forged answer sent to this browser must not break
    # the sign-in it has under way.
    return render(
        request,
        "accounts/oidc/error.html",
        pages.error_page(exc.message, provider=provider),
        status_code=exc.status_code,
    )


def _provider_error(request: Request, provider: OidcProvider, exc: client.ProviderError,
                    login_id: int | None) -> Response:  # fmt: skip
    name = services.label(provider.name)
    if exc.kind == "unavailable":
        message = _(
            "%(provider)s ne répond pas pour le moment. Réessayez dans quelques minutes, ou "
            "connectez-vous avec votre adresse e-mail et votre mot de passe.",
            provider=name,
        )
        status = 503
    elif exc.kind == "refused":
        message = _(
            "%(provider)s n'a pas validé la connexion : le code de connexion a expiré ou a déjà "
            "servi. Recommencez.",
            provider=name,
        )
        status = 400
    else:
        message = _(
            "La réponse de %(provider)s n'a pas pu être vérifiée. Par sécurité, vous n'êtes pas "
            "connecté.",
            provider=name,
        )
        status = 400
    with session_scope(request.app.state.engine) as db:
        failed = services.fail(db, reason=exc.kind, message=message, provider=provider.name,
                               login_id=login_id, status_code=status,
                               detail={"error": exc.detail[:300]})  # fmt: skip
    return _error(request, failed, provider)


def _signed_in(request: Request, finished: services.Finished, next_url: str) -> Response:
    """The session cookie, as the password login sets it, and the welcome."""
    settings: Settings = request.app.state.settings
    assert finished.user is not None and finished.session_token is not None
    response = redirect(next_url, request)
    response.set_cookie(
        accounts.SESSION_COOKIE,
        finished.session_token,
        max_age=settings.session_absolute_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    response.delete_cookie(BROWSER_COOKIE, path=urls.PREFIX)
    csrf.rotate_anon_id(request, response, settings.secret_key, secure=settings.secure_cookies)
    flash(request, _("Bienvenue, %(name)s.", name=finished.user.display_name))
    return response


def _end_previous_session(request: Request, db: Any) -> None:
    if request.state.user is not None:
        accounts.end_session(db, session_id=request.state.user.session_id)


def start(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    provider = services.provider_named(settings, request.path_params["provider"])
    next_url = safe_next(request.query_params.get("next"))
    rp = _relying_party(request, provider)
    try:
        client.discover(rp, provider)  # before anything is written: a provider down leaves nothing
    except client.ProviderError as exc:
        return _provider_error(request, provider, exc, None)
    browser_secret = request.cookies.get(BROWSER_COOKIE) or services.new_browser_secret()
    try:
        with session_scope(request.app.state.engine) as db:
            started = services.begin(
                db,
                provider=provider.name,
                browser_secret=browser_secret,
                next_url=next_url,
                client=request.client.host if request.client else "",
            )
            nonce, verifier = started.login.nonce, started.login.code_verifier
    except SignInFailed as exc:  # too many starts: nothing stored
        return _error(request, exc, provider)
    url = client.authorization_url(
        rp,
        provider,
        redirect_uri=settings.base_url + urls.callback(provider.name),
        state=started.state,
        nonce=nonce,
        code_verifier=verifier,
        locale=current_locale.get(),
    )
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        BROWSER_COOKIE,
        browser_secret,
        max_age=BROWSER_COOKIE_SECONDS,
        path=urls.PREFIX,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return response


def callback(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    provider = services.provider_named(settings, request.path_params["provider"])
    params = request.query_params
    engine = request.app.state.engine
    failed: SignInFailed | None = None
    finished: services.Finished | None = None
    next_url = "/"
    with session_scope(engine) as db:
        try:
            login = services.take_return(
                db,
                provider=provider.name,
                state=params.get("state", ""),
                browser_secret=request.cookies.get(BROWSER_COOKIE, ""),
            )
            if params.get("error"):
                raise services.fail(
                    db,
                    reason="provider_error",
                    message=_(
                        "La connexion avec %(provider)s a été annulée ou refusée. Vous pouvez "
                        "recommencer, ou vous connecter avec votre adresse e-mail.",
                        provider=services.label(provider.name),
                    ),
                    provider=provider.name,
                    login_id=login.id,
                    detail={"error": params.get("error", "")[:100]},
                )
            if params.get("iss") and params.get("iss") != provider.issuer:
                # RFC 9207: an answer sent by another provider than the one asked (mix-up).
                raise services.fail(db, reason="issuer", message=_(services.STATE_REFUSED),
                                    provider=provider.name, login_id=login.id)  # fmt: skip
            nonce, verifier, login_id = login.nonce, login.code_verifier, login.id
        except SignInFailed as exc:
            failed = exc  # committed: the audit row, and the state stays spent
    if failed is not None:
        return _error(request, failed, provider)
    try:
        verified = client.complete(
            _relying_party(request, provider),
            provider,
            code=params.get("code", ""),
            redirect_uri=settings.base_url + urls.callback(provider.name),
            nonce=nonce,
            code_verifier=verifier,
        )
    except client.ProviderError as exc:
        return _provider_error(request, provider, exc, login_id)
    with session_scope(engine) as db:
        try:
            returned = db.get(OidcLogin, login_id)
            assert returned is not None
            finished = services.finish(
                db,
                provider=provider,
                login=returned,
                issuer=verified.issuer,
                subject=verified.subject,
                claims=verified.claims,
                id_token=verified.id_token,
                settings=settings,
                user_agent=request.headers.get("user-agent", ""),
            )
            if finished.user is not None:
                _end_previous_session(request, db)
            next_url = returned.next_url
        except SignInFailed as exc:
            failed = exc
    if failed is not None or finished is None:
        assert failed is not None
        return _error(request, failed, provider)
    if finished.user is None:
        return redirect(urls.CONFIRM, request)
    return _signed_in(request, finished, next_url)


def _pending(request: Request) -> tuple[OidcProvider, OidcLogin]:
    secret = request.cookies.get(BROWSER_COOKIE, "")
    login = services.pending(request.state.db, browser_secret=secret)
    if login is None:
        raise SignInFailed(_(services.NO_PENDING), reason="no_pending")
    provider = services.provider_named(request.app.state.settings, login.provider)
    return provider, login


def confirm_page(request: Request) -> Response:
    try:
        provider, login = _pending(request)
    except SignInFailed as exc:
        return _error(request, exc)
    return render(
        request,
        "accounts/oidc/confirm.html",
        pages.confirm_page(request.state.db, provider=provider, login=login),
    )


def confirm_submit(request: Request) -> Response:
    db = request.state.db
    try:
        provider, login = _pending(request)
    except SignInFailed as exc:
        return _error(request, exc)
    if form_str(request, "action") == "cancel":
        services.cancel(db, login=login)
        response = redirect("/login", request)
        response.delete_cookie(BROWSER_COOKIE, path=urls.PREFIX)
        flash(request, _("Connexion annulée : aucun compte n'a été créé ni relié."))
        return response
    display_name = form_str(request, "display_name")
    try:
        finished = services.confirm(
            db,
            provider=provider,
            login=login,
            display_name=display_name,
            settings=request.app.state.settings,
            user_agent=request.headers.get("user-agent", ""),
        )
    except SignInFailed as exc:
        return _error(request, exc, provider)
    except ValidationFailed as exc:
        return render(
            request,
            "accounts/oidc/confirm.html",
            pages.confirm_page(
                db,
                provider=provider,
                login=login,
                display_name=display_name,
                error=exc.message,
                field=exc.field,
            ),
            status_code=exc.status_code,
        )
    _end_previous_session(request, db)
    return _signed_in(request, finished, login.next_url)


def logout(request: Request) -> Response:
    """Sign out here, then at the provider that signed the person in (with the ID token as
    `id_token_hint`, as FranceConnect and ProConnect ask); a password session just signs out."""
    settings: Settings = request.app.state.settings
    db = request.state.db
    login = services.signed_in_through(db, auth_session_id=request.state.user.session_id)
    accounts.end_session(db, session_id=request.state.user.session_id)
    target: str | None = None
    if login is not None and login.id_token:
        provider = next((p for p in settings.oidc_providers if p.name == login.provider), None)
        if provider is not None:
            target = client.logout_url(
                _relying_party(request, provider),
                provider,
                id_token=login.id_token,
                post_logout_redirect_uri=settings.base_url + urls.LOGGED_OUT,
                state=secrets.token_urlsafe(32),
            )
    response: Response = (
        RedirectResponse(target, status_code=303) if target else redirect("/", request)
    )
    response.delete_cookie(accounts.SESSION_COOKIE)
    csrf.rotate_anon_id(request, response, settings.secret_key, secure=settings.secure_cookies)
    flash(request, _("Vous êtes déconnecté."))
    request.state.user = None
    return response


def logged_out(request: Request) -> Response:
    return redirect("/", request)


routes = [
    route(urls.CONFIRM, confirm_page, permission=PUBLIC),
    route(urls.CONFIRM, confirm_submit, methods=["POST"], permission=PUBLIC),
    route(urls.LOGOUT, logout, methods=["POST"], permission=SIGNED_IN),
    route(urls.LOGGED_OUT, logged_out, permission=PUBLIC),
    route(urls.PREFIX + "/{provider}", start, permission=PUBLIC, threaded=True),
    route(urls.PREFIX + "/{provider}/callback", callback, permission=PUBLIC, threaded=True),
]
