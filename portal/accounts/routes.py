"""Sign-up, confirmation, login, logout, password reset, my account, and the admin's user desk."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal.accounts import pages, services, urls
from portal.accounts.permissions import MANAGE_USERS, READ_AUDIT, READ_OUTBOX
from portal.accounts.services import SESSION_COOKIE
from portal.errors import DomainError, ValidationFailed
from portal.mail import as_read, outbox
from portal.web import csrf
from portal.web.forms import attempt
from portal.web.i18n import gettext as _
from portal.web.pagination import page_count, past_the_end
from portal.web.permissions import PUBLIC, SIGNED_IN
from portal.web.routing import flash, form_str, redirect, route, safe_next
from portal.web.templating import render


def _client(request: Request) -> str:
    """The remote address (uvicorn puts the proxy's X-Forwarded-For here when it trusts it)."""
    return request.client.host if request.client else ""


def _form_error(request: Request, template: str, exc: DomainError, **context: object) -> Response:
    return render(
        request,
        template,
        {"error": exc.message, "field": exc.field, **context},
        status_code=exc.status_code,
    )


def signup_page(request: Request) -> Response:
    return render(request, "accounts/signup.html", {"values": {}})


def signup_submit(request: Request) -> Response:
    values = {
        "email": form_str(request, "email"),
        "display_name": form_str(request, "display_name"),
    }
    try:
        services.signup(
            request.state.db,
            email=values["email"],
            display_name=values["display_name"],
            password=str(request.state.form.get("password", "")),
        )
    except ValidationFailed as exc:
        return _form_error(request, "accounts/signup.html", exc, values=values)
    return render(
        request, "accounts/signup_sent.html", {"email": services.normalise_email(values["email"])}
    )


def confirm_page(request: Request) -> Response:
    token = request.query_params.get("token", "")
    valid = services.check_token(request.state.db, token, "confirm")
    return render(
        request,
        "accounts/confirm.html",
        {"token": token, "valid": valid},
        status_code=200 if valid else 400,
    )


def confirm_submit(request: Request) -> Response:
    try:
        services.confirm_email(request.state.db, token=form_str(request, "token"))
    except ValidationFailed as exc:
        return _form_error(request, "accounts/confirm.html", exc, token="", valid=False)
    flash(request, _("Votre adresse est confirmée. Vous pouvez maintenant vous connecter."))
    return redirect("/login", request)


def login_page(request: Request) -> Response:
    if request.state.user is not None:
        return redirect(safe_next(request.query_params.get("next")), request)
    return render(
        request,
        "accounts/login.html",
        {"values": {}, "next": safe_next(request.query_params.get("next"))},
    )


def login_submit(request: Request) -> Response:
    settings = request.app.state.settings
    email = form_str(request, "email")
    next_url = safe_next(form_str(request, "next"))
    outcome = services.authenticate(
        request.state.db,
        email=email,
        password=str(request.state.form.get("password", "")),
        client=_client(request),
    )
    if outcome.user is None:
        return render(
            request,
            "accounts/login.html",
            {"values": {"email": email}, "next": next_url, "error": outcome.error},
            status_code=400,
        )
    if request.state.user is not None:
        services.end_session(request.state.db, session_id=request.state.user.session_id)
    raw = services.start_session(
        request.state.db,
        user=outcome.user,
        settings=settings,
        user_agent=request.headers.get("user-agent", ""),
    )
    response = redirect(next_url, request)
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        max_age=settings.session_absolute_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    csrf.rotate_anon_id(request, response, settings.secret_key, secure=settings.secure_cookies)
    flash(request, _("Bienvenue, %(name)s.", name=outcome.user.display_name))
    return response


def logout(request: Request) -> Response:
    settings = request.app.state.settings
    services.end_session(request.state.db, session_id=request.state.user.session_id)
    response = redirect("/", request)
    response.delete_cookie(SESSION_COOKIE)
    csrf.rotate_anon_id(request, response, settings.secret_key, secure=settings.secure_cookies)
    flash(request, _("Vous êtes déconnecté."))
    request.state.user = None
    return response


def reset_page(request: Request) -> Response:
    return render(request, "accounts/reset_request.html", {})


def reset_submit(request: Request) -> Response:
    services.request_password_reset(request.state.db, email=form_str(request, "email"))
    return render(request, "accounts/reset_sent.html", {})


def _token_page(request: Request, *, purpose: str, template: str) -> Response:
    """The page a mailed link opens (password reset, invitation): its form, or 400 when the
    link's token is unknown, used or expired."""
    token = request.query_params.get("token", "")
    valid = services.check_token(request.state.db, token, purpose)
    return render(
        request, template, {"token": token, "valid": valid}, status_code=200 if valid else 400
    )


def _password_from_token(
    request: Request,
    *,
    purpose: str,
    template: str,
    set_password: Callable[..., object],
    done: str,
    sign_out: bool = False,
) -> Response:
    """That form sent: the password is set through the token (`set_password(db, token=,
    password=)`), or the form comes back with the error, and a link gone bad is no longer
    offered; done, to the sign-in page (`sign_out`: without this browser's session cookie)."""
    token = form_str(request, "token")
    try:
        set_password(
            request.state.db, token=token, password=str(request.state.form.get("password", ""))
        )
    except ValidationFailed as exc:
        valid = services.check_token(request.state.db, token, purpose)
        return _form_error(request, template, exc, token=token if valid else "", valid=valid)
    flash(request, done)
    response = redirect("/login", request)
    if sign_out:
        response.delete_cookie(SESSION_COOKIE)
    return response


def reset_confirm_page(request: Request) -> Response:
    return _token_page(request, purpose="reset", template="accounts/reset_confirm.html")


def reset_confirm_submit(request: Request) -> Response:
    return _password_from_token(
        request,
        purpose="reset",
        template="accounts/reset_confirm.html",
        set_password=services.reset_password,
        done=_("Votre mot de passe a été changé. Connectez-vous avec le nouveau."),
        sign_out=True,
    )


def _account(
    request: Request, *, error: DomainError | None = None, values: dict[str, str] | None = None
) -> Response:
    page = pages.account_page(
        request.state.db, user_id=request.state.user.id, error=error, values=values
    )
    return render(
        request,
        "accounts/account.html",
        page,
        status_code=error.status_code if error else 200,
    )


def account_page(request: Request) -> Response:
    return _account(request)


def account_name(request: Request) -> Response:
    name = form_str(request, "display_name")
    result = attempt(
        request,
        lambda: services.change_display_name(
            request.state.db, user_id=request.state.user.id, display_name=name
        ),
    )
    if isinstance(result, DomainError):
        return _account(request, error=result, values={"display_name": name})
    flash(request, _("Votre nom affiché est désormais « %(name)s ».", name=result.display_name))
    return redirect(urls.ACCOUNT, request)


def account_email(request: Request) -> Response:
    new_email = form_str(request, "email")
    try:
        # Not in a savepoint: a wrong password is committed and counts against the limit.
        address = services.request_email_change(
            request.state.db,
            user_id=request.state.user.id,
            new_email=new_email,
            password=str(request.state.form.get("password", "")),
            client=_client(request),
        )
    except DomainError as exc:
        return _account(request, error=exc, values={"email": new_email})
    flash(
        request,
        _(
            "Un lien de confirmation a été envoyé à %(email)s. Votre adresse changera quand vous "
            "l'ouvrirez (il est valable 24 heures).",
            email=address,
        ),
    )
    return redirect(urls.ACCOUNT, request)


def email_confirm_page(request: Request) -> Response:
    token = request.query_params.get("token", "")
    valid = services.check_token(request.state.db, token, "email")
    return render(
        request,
        "accounts/email_confirm.html",
        {"token": token, "valid": valid},
        status_code=200 if valid else 400,
    )


def email_confirm_submit(request: Request) -> Response:
    try:
        user = services.confirm_email_change(request.state.db, token=form_str(request, "token"))
    except DomainError as exc:
        return _form_error(request, "accounts/email_confirm.html", exc, token="", valid=False)
    flash(request, _("Votre compte utilise désormais l'adresse %(email)s.", email=user.email))
    return redirect(urls.ACCOUNT if request.state.user else "/login", request)


def account_data(request: Request) -> Response:
    """Everything the accounts package holds about the person, as a JSON download."""
    data = services.personal_data(request.state.db, user_id=request.state.user.id)
    return JSONResponse(
        data,
        headers={
            "Content-Disposition": 'attachment; filename="mon-compte.json"',
        },
    )


def account_password(request: Request) -> Response:
    user = request.state.user
    try:
        services.change_password(
            request.state.db,
            user_id=user.id,
            current_password=str(request.state.form.get("current_password", "")),
            new_password=str(request.state.form.get("new_password", "")),
            session_id=user.session_id,
            client=_client(request),
        )
    except ValidationFailed as exc:
        # Rendered, not raised: the failed attempt is committed and counts against the limit.
        return _account(request, error=exc)
    flash(
        request,
        _(
            "Votre mot de passe a été changé. Vos autres appareils ont été déconnectés et les "
            "liens de réinitialisation déjà envoyés ne fonctionnent plus."
        ),
    )
    return redirect("/account", request)


def account_delete(request: Request) -> Response:
    user = request.state.user
    if form_str(request, "confirm") != "SUPPRIMER":
        raise ValidationFailed(
            _("Pour supprimer votre compte, tapez SUPPRIMER dans la case prévue.")
        )
    services.delete_account(request.state.db, user_id=user.id, actor_id=user.id)
    response = redirect("/", request)
    response.delete_cookie(SESSION_COOKIE)
    flash(request, _("Votre compte a été supprimé. Vos contributions restent, sous un nom neutre."))
    return response


PER_PAGE = 50


def _page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def admin_users(
    request: Request, *, error: DomainError | None = None, values: dict[str, str] | None = None
) -> Response:
    query = request.query_params.get("q", "").strip()
    page = _page_number(request)
    rows, total = services.list_users(request.state.db, query=query, page=page, per_page=PER_PAGE)
    past_the_end(request, page, page_count(total, PER_PAGE))
    context = {
        "rows": rows,
        "total": total,
        "q": query,
        "page": page,
        "pages": page_count(total, PER_PAGE),
        "all_roles": services.ALL_ROLES,
        "values": values or {},
        "error": error.message if error else None,
    }
    return render(
        request,
        "accounts/admin_users.html",
        context,
        status_code=error.status_code if error else 200,
    )


def admin_users_page(request: Request) -> Response:
    return admin_users(request)


def admin_invite(request: Request) -> Response:
    values = {
        "email": form_str(request, "email"),
        "display_name": form_str(request, "display_name"),
    }
    roles = [str(r) for r in request.state.form.getlist("roles")]
    result = attempt(
        request,
        lambda: services.invite_staff(
            request.state.db,
            email=values["email"],
            display_name=values["display_name"],
            roles=roles,
            actor_id=request.state.user.id,
        ),
    )
    if isinstance(result, DomainError):
        return admin_users(request, error=result, values=values)
    flash(
        request,
        _(
            "Invitation envoyée à %(email)s : « %(name)s » choisira son mot de passe avec le "
            "lien reçu.",
            email=result.email,
            name=result.display_name,
        ),
    )
    return redirect("/admin/users", request)


def admin_resend_invitation(request: Request) -> Response:
    user = services.resend_invitation(
        request.state.db,
        user_id=int(request.path_params["user_id"]),
        actor_id=request.state.user.id,
    )
    flash(request, _("Nouvelle invitation envoyée à %(email)s.", email=user.email))
    return redirect("/admin/users", request)


def invitation_page(request: Request) -> Response:
    return _token_page(request, purpose="invite", template="accounts/invitation.html")


def invitation_submit(request: Request) -> Response:
    return _password_from_token(
        request,
        purpose="invite",
        template="accounts/invitation.html",
        set_password=services.accept_invitation,
        done=_("Votre compte est activé. Connectez-vous avec votre adresse et ce mot de passe."),
    )


def admin_audit(request: Request) -> Response:
    kind = request.query_params.get("kind", "")
    page = pages.audit_page(request.state.db, kind=kind, page=_page_number(request))
    return render(request, "accounts/audit.html", page)


def admin_set_roles(request: Request) -> Response:
    user_id = int(request.path_params["user_id"])
    roles = [str(r) for r in request.state.form.getlist("roles")]
    user = services.set_roles(
        request.state.db, user_id=user_id, roles=roles, actor_id=request.state.user.id
    )
    flash(request, _("Rôles de « %(name)s » enregistrés.", name=user.display_name))
    return redirect("/admin/users", request)


def admin_set_active(request: Request) -> Response:
    user_id = int(request.path_params["user_id"])
    active = form_str(request, "active") == "1"
    user = services.set_active(
        request.state.db,
        user_id=user_id,
        active=active,
        actor_id=request.state.user.id,
        reason=form_str(request, "reason"),
    )
    flash(
        request,
        _("Compte « %(name)s » réactivé.", name=user.display_name)
        if active
        else _("Compte « %(name)s » suspendu.", name=user.display_name),
    )
    return redirect("/admin/users", request)


def admin_outbox(request: Request) -> Response:
    base_url = request.app.state.settings.base_url
    found = outbox(request.state.db, to=request.query_params.get("to") or None, limit=100)
    mails = [as_read(mail, base_url) for mail in found]
    return render(
        request, "accounts/outbox.html", {"mails": mails, "to": request.query_params.get("to", "")}
    )


routes = [
    route("/signup", signup_page, permission=PUBLIC),
    route("/signup", signup_submit, methods=["POST"], permission=PUBLIC),
    route("/signup/confirm", confirm_page, permission=PUBLIC),
    route("/signup/confirm", confirm_submit, methods=["POST"], permission=PUBLIC),
    route("/login", login_page, permission=PUBLIC),
    route("/login", login_submit, methods=["POST"], permission=PUBLIC),
    route("/logout", logout, methods=["POST"], permission=SIGNED_IN),
    route("/password-reset", reset_page, permission=PUBLIC),
    route("/password-reset", reset_submit, methods=["POST"], permission=PUBLIC),
    route("/password-reset/confirm", reset_confirm_page, permission=PUBLIC),
    route("/password-reset/confirm", reset_confirm_submit, methods=["POST"], permission=PUBLIC),
    route("/account", account_page, permission=SIGNED_IN),
    route("/account/name", account_name, methods=["POST"], permission=SIGNED_IN),
    route("/account/email", account_email, methods=["POST"], permission=SIGNED_IN),
    route("/account/email/confirm", email_confirm_page, permission=PUBLIC),
    route("/account/email/confirm", email_confirm_submit, methods=["POST"], permission=PUBLIC),
    route("/account/data.json", account_data, permission=SIGNED_IN),
    route("/account/password", account_password, methods=["POST"], permission=SIGNED_IN),
    route("/account/delete", account_delete, methods=["POST"], permission=SIGNED_IN),
    route("/admin/users", admin_users_page, permission=MANAGE_USERS),
    route("/admin/users", admin_invite, methods=["POST"], permission=MANAGE_USERS),
    route(
        "/admin/users/{user_id:int}/invitation",
        admin_resend_invitation,
        methods=["POST"],
        permission=MANAGE_USERS,
    ),
    route("/admin/audit", admin_audit, permission=READ_AUDIT),
    route("/account/invitation", invitation_page, permission=PUBLIC),
    route("/account/invitation", invitation_submit, methods=["POST"], permission=PUBLIC),
    route(
        "/admin/users/{user_id:int}/roles",
        admin_set_roles,
        methods=["POST"],
        permission=MANAGE_USERS,
    ),
    route(
        "/admin/users/{user_id:int}/active",
        admin_set_active,
        methods=["POST"],
        permission=MANAGE_USERS,
    ),
    route("/admin/outbox", admin_outbox, permission=READ_OUTBOX),
]
