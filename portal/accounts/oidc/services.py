"""Signing in with FranceConnect and ProConnect, on the database's side.

A sign-in is one `OidcLogin` row: `begin` makes it (random state, nonce and PKCE verifier, the
browser it starts in); `take_return` spends its state once, in the browser that started it; then
the route has Authlib verify the provider's answer, and `finish` links the verified identity:
a known one signs in at once, a first one waits (`pending`) until the person `confirm`s a new
account or the link to the account holding the same verified address. Every step is written in
the audit trail; a refused step creates nothing but its audit row.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal import audit
from portal.accounts import services as accounts
from portal.accounts.models import AuthSession, LoginAttempt, Role, User, UserRole
from portal.accounts.oidc.models import OidcIdentity, OidcLogin
from portal.clock import utcnow
from portal.core_models import AuditEvent
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.settings import OidcProvider, Settings
from portal.web.i18n import N_
from portal.web.i18n import gettext as _

LOGIN_TTL = timedelta(
    minutes=10
)  # from the redirect to the provider until it sends the person back
CONFIRM_TTL = timedelta(minutes=15)  # from the return until a first sign-in is confirmed
KEEP_UNFINISHED = timedelta(days=1)
UNUSABLE_PASSWORD = "!"  # noqa: S105 - not an argon2 hash: no password ever matches it (passwords.py)
LABELS = {"franceconnect": "FranceConnect", "proconnect": "ProConnect"}
# What is kept of the provider's answer until the confirmation (data minimisation: no birth
# date nor birthplace, whatever scopes a city asks for).
KEPT_CLAIMS = ("sub", "email", "email_verified", "given_name", "family_name", "usual_name",
               "siret", "organizational_unit", "acr")  # fmt: skip


class SignInFailed(DomainError):
    """A sign-in through a provider was refused; `reason` names why in the audit trail."""

    status_code = 400
    title = N_("Connexion impossible")

    def __init__(self, message: str, *, reason: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.reason = reason
        self.status_code = status_code


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def label(provider: str) -> str:
    return LABELS.get(provider, provider)


def provider_named(settings: Settings, name: str) -> OidcProvider:
    for provider in settings.oidc_providers:
        if provider.name == name:
            return provider
    raise NotFound(_("Ce moyen de connexion n'est pas proposé sur ce portail."))


def new_browser_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Started:
    login: OidcLogin
    state: str


STARTS_PER_MINUTE = 30  # sign-ins started from one client address (an IPv6 /64), any provider


def _throttle_starts(session: Session, *, client: str) -> None:
    """Each start stores a row: one address cannot store them without end. The count lives in
    the accounts' login attempts (purged after an hour), under a key of its own."""
    key = _hash("oidc-start:" + accounts._client_key(client))
    recent = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.key == key, LoginAttempt.at >= utcnow() - timedelta(minutes=1))
    )
    if (recent or 0) >= STARTS_PER_MINUTE:
        raise SignInFailed(
            _("Trop de connexions commencées depuis votre réseau. Patientez une minute."),
            reason="throttled",
            status_code=429,
        )
    session.add(LoginAttempt(key=key, success=True))


def begin(
    session: Session, *, provider: str, browser_secret: str, next_url: str, client: str = ""
) -> Started:
    """A new sign-in through `provider` from this browser: state and nonce of 43 characters
    (256 random bits each), a PKCE verifier of 64."""
    _throttle_starts(session, client=client)
    now = utcnow()
    session.execute(
        delete(OidcLogin).where(
            OidcLogin.expires_at < now - KEEP_UNFINISHED, OidcLogin.auth_session_id.is_(None)
        )
    )
    state = secrets.token_urlsafe(32)
    login = OidcLogin(
        provider=provider,
        state_hash=_hash(state),
        browser_hash=_hash(browser_secret),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(48),
        next_url=next_url[:500],
        created_at=now,
        expires_at=now + LOGIN_TTL,
    )
    session.add(login)
    session.flush()
    audit.record(session, actor_id=None, action="account.oidc.start", object_type="oidc_login",
                 object_id=login.id, detail={"provider": provider})  # fmt: skip
    return Started(login, state)


STATE_REFUSED = N_(
    "Cette réponse de connexion n'est pas valable : elle ne correspond à aucune demande faite "
    "depuis ce navigateur, ou elle a déjà servi. Par sécurité, vous n'êtes pas connecté."
)


def fail(
    session: Session,
    *,
    reason: str,
    message: str,
    provider: str = "",
    login_id: int | None = None,
    status_code: int = 400,
    detail: dict[str, object] | None = None,
) -> SignInFailed:
    """Record a refused sign-in in the audit trail and return the error to raise."""
    audit.record(
        session,
        actor_id=None,
        action="account.oidc.refused",
        object_type="oidc_login",
        object_id=login_id or "-",
        detail={"provider": provider, "reason": reason, **(detail or {})},
    )
    return SignInFailed(message, reason=reason, status_code=status_code)


def take_return(session: Session, *, provider: str, state: str, browser_secret: str) -> OidcLogin:
    """The sign-in this state belongs to, spent: only once, only in the browser that began it,
    only before it expires. Anything else (a forged or replayed state) is refused."""
    login = session.scalar(select(OidcLogin).where(OidcLogin.state_hash == _hash(state or "")))
    if (
        login is None
        or not browser_secret
        or login.browser_hash != _hash(browser_secret)
        or login.provider != provider
    ):
        raise fail(session, reason="state", message=_(STATE_REFUSED), provider=provider,
                   login_id=login.id if login else None)  # fmt: skip
    now = utcnow()
    # One conditional UPDATE checks and spends: of two returns at once, one passes.
    spent = session.execute(
        update(OidcLogin)
        .where(OidcLogin.id == login.id, OidcLogin.returned_at.is_(None))
        .values(returned_at=now)
        .returning(OidcLogin.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    if spent is None:
        raise fail(session, reason="replay", message=_(STATE_REFUSED), provider=provider,
                   login_id=login.id)  # fmt: skip
    if login.expires_at < now:
        raise fail(
            session,
            reason="expired",
            message=_("La demande de connexion a expiré (plus de 10 minutes). Recommencez."),
            provider=provider,
            login_id=login.id,
        )
    login.returned_at = now
    return login


def _first_name(claims: dict[str, object]) -> str:
    return str(claims.get("given_name") or "").split(" ")[0].strip()


def _family_name(claims: dict[str, object]) -> str:
    return str(claims.get("family_name") or claims.get("usual_name") or "").strip()


def suggested_display_name(claims: dict[str, object]) -> str:
    """ "Claire M.": the first given name and an initial (the display name is public)."""
    first, family = _first_name(claims), _family_name(claims)
    name = f"{first} {family[:1]}." if first and family else first
    return name if accounts.DISPLAY_NAME_RE.match(name) else ""


def full_name(claims: dict[str, object]) -> str:
    return " ".join(x for x in (str(claims.get("given_name") or ""), _family_name(claims)) if x)


def _verified_email(session: Session, provider: OidcProvider, login: OidcLogin,
                    claims: dict[str, object]) -> str:  # fmt: skip
    email = accounts.normalise_email(str(claims.get("email") or ""))
    if not email or not accounts.EMAIL_RE.match(email):
        raise fail(
            session,
            reason="no_email",
            message=_(
                "%(provider)s n'a pas transmis d'adresse e-mail : sans elle, le portail ne peut "
                "pas vous créer de compte.",
                provider=label(provider.name),
            ),
            provider=provider.name,
            login_id=login.id,
        )
    if claims.get("email_verified") is not True and not provider.email_verified_by_provider:
        raise fail(
            session,
            reason="unverified_email",
            message=_(
                "%(provider)s indique que votre adresse e-mail n'a pas été vérifiée. Par "
                "sécurité, le portail ne crée ni ne relie aucun compte avec une adresse non "
                "vérifiée.",
                provider=label(provider.name),
            ),
            provider=provider.name,
            login_id=login.id,
        )
    return email


@dataclass(frozen=True)
class Finished:
    """After the return: signed in (`user`, `session_token`), or waiting for confirmation."""

    user: User | None
    session_token: str | None
    agent_granted: bool = False


def finish(
    session: Session,
    *,
    provider: OidcProvider,
    login: OidcLogin,
    issuer: str,
    subject: str,
    claims: dict[str, object],
    id_token: str,
    settings: Settings,
    user_agent: str = "",
) -> Finished:
    """Keep what the provider vouched for; sign a known identity in at once."""
    email = _verified_email(session, provider, login, claims)
    login.issuer, login.subject, login.id_token = issuer, subject, id_token
    login.claims = {k: claims[k] for k in KEPT_CLAIMS if k in claims} | {"email": email}
    session.add(login)
    identity = session.scalar(
        select(OidcIdentity).where(OidcIdentity.issuer == issuer, OidcIdentity.subject == subject)
    )
    audit.record(session, actor_id=identity.user_id if identity else None,
                 action="account.oidc.return", object_type="oidc_login", object_id=login.id,
                 detail={"provider": provider.name, "known": identity is not None})  # fmt: skip
    if identity is None:
        return Finished(None, None)
    user = accounts.get_user(session, identity.user_id)
    return _sign_in(session, provider=provider, login=login, user=user, identity=identity,
                    settings=settings, user_agent=user_agent)  # fmt: skip


def pending(session: Session, *, browser_secret: str) -> OidcLogin | None:
    """The verified first sign-in of this browser waiting for the person's confirmation."""
    if not browser_secret:
        return None
    return session.scalar(
        select(OidcLogin)
        .where(
            OidcLogin.browser_hash == _hash(browser_secret),
            OidcLogin.subject.is_not(None),
            OidcLogin.finished_at.is_(None),
            col(OidcLogin.returned_at) >= utcnow() - CONFIRM_TTL,
        )
        .order_by(OidcLogin.returned_at.desc(), OidcLogin.id.desc())
        .limit(1)
    )


def account_for_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def agent_allowed(provider: OidcProvider, claims: dict[str, object]) -> bool:
    return provider.name == "proconnect" and str(claims.get("siret") or "") in (
        provider.allowed_sirets
    )


NO_PENDING = N_(
    "Aucune connexion n'attend votre confirmation dans ce navigateur (elle a expiré ou a déjà "
    "été confirmée). Recommencez depuis la page de connexion."
)


def confirm(
    session: Session,
    *,
    provider: OidcProvider,
    login: OidcLogin,
    display_name: str,
    settings: Settings,
    user_agent: str = "",
) -> Finished:
    """The person agreed: link the identity to the account holding the verified address, or
    create one (with no password: a password reset can give one later), then sign in."""
    email = str(login.claims["email"])
    issuer, subject = str(login.issuer), str(login.subject)
    identity = session.scalar(
        select(OidcIdentity).where(OidcIdentity.issuer == issuer, OidcIdentity.subject == subject)
    )
    name = ""
    existing = None
    if identity is None:
        existing = account_for_email(session, email)
        if existing is not None:
            _refuse_suspended(session, provider=provider, login=login, user=existing)
        else:
            name = _available_display_name(session, display_name)
    _spend_pending(session, login=login)
    if identity is not None:  # linked meanwhile by another sign-in of the same person
        user = accounts.get_user(session, identity.user_id)
    else:
        user = existing or _create_account(
            session, provider=provider, login=login, email=email, display_name=name
        )
        identity = _link(session, provider=provider, login=login, user=user, email=email)
    return _sign_in(session, provider=provider, login=login, user=user, identity=identity,
                    settings=settings, user_agent=user_agent)  # fmt: skip


def _spend_pending(session: Session, *, login: OidcLogin) -> None:
    """A confirmation counts once: of two sent at once (a double click, two tabs), one passes
    (one conditional UPDATE, which PostgreSQL re-checks after waiting for the other)."""
    spent = session.execute(
        update(OidcLogin)
        .where(OidcLogin.id == login.id, OidcLogin.finished_at.is_(None))
        .values(finished_at=utcnow())
        .returning(OidcLogin.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    if spent is None:
        raise SignInFailed(_(NO_PENDING), reason="no_pending")


NAME_TAKEN = N_("Ce nom affiché est déjà pris : choisissez-en un autre.")


def _available_display_name(session: Session, display_name: str) -> str:
    name = accounts.check_display_name(display_name)
    if session.scalar(select(User.id).where(func.lower(User.display_name) == name.lower())):
        raise ValidationFailed(_(NAME_TAKEN), field="display_name")
    return name


def _create_account(
    session: Session, *, provider: OidcProvider, login: OidcLogin, email: str, display_name: str
) -> User:
    user = User(
        email=email,
        display_name=display_name,
        password_hash=UNUSABLE_PASSWORD,
        email_confirmed_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        # The name was taken in the same instant: the confirmation stays pending, to try again.
        session.execute(update(OidcLogin).where(OidcLogin.id == login.id).values(finished_at=None))
        raise ValidationFailed(_(NAME_TAKEN), field="display_name") from None
    session.add(UserRole(user_id=user.id, role=Role.RESIDENT.value))
    audit.record(session, actor_id=user.id, action="account.signup", object_type="user",
                 object_id=user.id, detail={"via": provider.name})  # fmt: skip
    return user


def _link(
    session: Session, *, provider: OidcProvider, login: OidcLogin, user: User, email: str
) -> OidcIdentity:
    if user.email_confirmed_at is None:
        # Whoever signed up with this address never proved it; the provider just did for this
        # person. The password chosen at that sign-up must not open the account now linked.
        user.password_hash = UNUSABLE_PASSWORD
        user.email_confirmed_at = utcnow()
        accounts.end_all_sessions(session, user_id=user.id)
        session.add(user)
    identity = OidcIdentity(
        provider=provider.name,
        issuer=str(login.issuer),
        subject=str(login.subject),
        user_id=user.id,
        email=email,
    )
    session.add(identity)
    session.flush()
    audit.record(session, actor_id=user.id, action="account.oidc.link", object_type="user",
                 object_id=user.id, detail={"provider": provider.name, "issuer": identity.issuer,
                                            "identity": identity.id})  # fmt: skip
    return identity


def _sign_in(
    session: Session,
    *,
    provider: OidcProvider,
    login: OidcLogin,
    user: User,
    identity: OidcIdentity,
    settings: Settings,
    user_agent: str,
) -> Finished:
    _refuse_suspended(session, provider=provider, login=login, user=user)
    granted = _grant_agent_role(session, provider=provider, login=login, user=user)
    token = accounts.start_session(session, user=user, settings=settings, user_agent=user_agent)
    auth_session_id = session.scalar(
        select(AuthSession.id).where(AuthSession.token_hash == _hash(token))
    )
    identity.last_login_at = utcnow()
    session.add(identity)
    login.finished_at = utcnow()
    login.auth_session_id = auth_session_id
    login.claims = {}  # used: what the provider sent is not kept beyond the sign-in
    session.add(login)
    audit.record(session, actor_id=user.id, action="account.oidc.login", object_type="user",
                 object_id=user.id, detail={"provider": provider.name})  # fmt: skip
    return Finished(user, token, granted)


def _refuse_suspended(
    session: Session, *, provider: OidcProvider, login: OidcLogin, user: User
) -> None:
    if not user.is_active:
        raise fail(
            session,
            reason="suspended",
            message=_("Ce compte est suspendu. Contactez la mairie pour en savoir plus."),
            provider=provider.name,
            login_id=login.id,
            status_code=403,
        )


def _grant_agent_role(
    session: Session, *, provider: OidcProvider, login: OidcLogin, user: User
) -> bool:
    """An agent signing in with ProConnect is an agent of the city only when the organisation
    (`siret`) is one the settings list; the role is granted once and logged. When the
    organisation is no longer listed (or the agent moved to another one), the role that an
    earlier ProConnect sign-in granted is taken back at this sign-in, and logged; a role an
    administrator gave stays theirs to take back."""
    if provider.name != "proconnect":
        return False
    siret = str(login.claims.get("siret") or "")
    if not agent_allowed(provider, login.claims):
        audit.record(session, actor_id=user.id, action="account.oidc.agent_refused",
                     object_type="user", object_id=user.id,
                     detail={"provider": provider.name, "siret": siret})  # fmt: skip
        if _agent_role_from(session, provider=provider, user_id=int(user.id or 0)):
            session.execute(delete(UserRole).where(
                UserRole.user_id == user.id, UserRole.role == Role.AGENT.value
            ))  # fmt: skip
            audit.record(session, actor_id=user.id, action="account.role_change",
                         object_type="user", object_id=user.id,
                         detail={"removed": [Role.AGENT.value], "via": provider.name,
                                 "siret": siret})  # fmt: skip
        return False
    if Role.AGENT.value in accounts.roles_of(session, user.id):
        return True
    session.add(UserRole(user_id=user.id, role=Role.AGENT.value, granted_by=None))
    audit.record(session, actor_id=user.id, action="account.role_change", object_type="user",
                 object_id=user.id, detail={"added": [Role.AGENT.value], "via": provider.name,
                                            "siret": siret})  # fmt: skip
    return True


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _agent_role_from(session: Session, *, provider: OidcProvider, user_id: int) -> bool:
    """Whether the person holds the agent role and the last change of it was this provider's
    grant at a sign-in (not an administrator's, whose `granted_by` names them)."""
    role = session.scalar(
        select(UserRole).where(UserRole.user_id == user_id, UserRole.role == Role.AGENT.value)
    )
    if role is None or role.granted_by is not None:
        return False
    changes = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "user", AuditEvent.object_id == str(user_id),
               col(AuditEvent.action).in_(("account.role_change", "account.roles")))
        .order_by(col(AuditEvent.id).desc())
    )  # fmt: skip
    for change in changes:
        detail = change.detail or {}
        if detail.get("via") == provider.name:
            return Role.AGENT.value in _strings(detail.get("added"))
        before, after = _strings(detail.get("before")), _strings(detail.get("after"))
        if (Role.AGENT.value in before) != (Role.AGENT.value in after):
            return False  # granted by hand since (the command line, an administrator)
    return False


def cancel(session: Session, *, login: OidcLogin) -> None:
    login.finished_at = utcnow()
    login.claims = {}
    session.add(login)
    audit.record(session, actor_id=None, action="account.oidc.cancel", object_type="oidc_login",
                 object_id=login.id, detail={"provider": login.provider})  # fmt: skip


def signed_in_through(session: Session, *, auth_session_id: int) -> OidcLogin | None:
    """The provider sign-in that opened this session (its ID token is the logout's hint)."""
    return session.scalar(select(OidcLogin).where(OidcLogin.auth_session_id == auth_session_id))
