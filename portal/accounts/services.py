"""Accounts: sign-up, confirmation, login with throttling, sessions, password reset, roles.

The only entry point other modules use for users: `display_names()`, `get_user()`, `users_with_role()`.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col
from starlette.requests import Request

from portal import audit
from portal.accounts import urls
from portal.accounts.models import (
    AuthSession,
    LoginAttempt,
    LoginThrottle,
    OneTimeToken,
    Role,
    User,
    UserRole,
)
from portal.accounts.oidc.models import OidcIdentity
from portal.accounts.passwords import hash_password, password_problem, verify_password
from portal.accounts.permissions import ROLE_LABELS as ROLE_NAMES
from portal.clock import utcnow
from portal.core_models import AuditEvent, OutboxMail
from portal.db import read_statement, session_scope
from portal.errors import Conflict, NotFound, TooManyRequests, ValidationFailed
from portal.mail import link, queue_mail
from portal.settings import Settings
from portal.web.auth import CurrentUser
from portal.web.i18n import N_
from portal.web.i18n import gettext as _

SESSION_COOKIE = "portal_session"
LOGIN_ATTEMPTS_PER_MINUTE = 5  # failed logins on one address, from anywhere
CLIENT_FAILURES_PER_MINUTE = 10  # failed logins from one client, whatever the addresses tried
CONFIRM_TTL = timedelta(days=3)
RESET_TTL = timedelta(hours=2)
TOUCH_EVERY = timedelta(minutes=5)
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,}$")
DISPLAY_NAME_RE = re.compile(r"^[\w][\w .'\-]{1,58}[\w.]$", re.UNICODE)
ALL_ROLES = tuple(r.value for r in Role)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 320:
        raise ValidationFailed(
            _("Indiquez une adresse e-mail valide, par exemple nom@exemple.fr."), field="email"
        )
    return email


def check_display_name(name: str) -> str:
    name = re.sub(r"\s+", " ", name.strip())
    if not DISPLAY_NAME_RE.match(name):
        raise ValidationFailed(
            _(
                "Le nom affiché doit compter de 3 à 60 caractères : lettres, chiffres, espaces, "
                "points, tirets ou apostrophes."
            ),
            field="display_name",
        )
    return name


def check_password(password: str, *, email: str = "", display_name: str = "") -> None:
    problem = password_problem(password, email=email, display_name=display_name)
    if problem:
        raise ValidationFailed(problem, field="password")


# --- sign-up and confirmation -------------------------------------------------------------


@dataclass(frozen=True)
class SignupResult:
    user: User | None  # None when the address already had an account (never revealed on the page)


def signup(session: Session, *, email: str, display_name: str, password: str) -> SignupResult:
    email = check_email(email)
    display_name = check_display_name(display_name)
    check_password(password, email=email, display_name=display_name)
    # Hash before looking the address up: both answers then cost the same time, so the time the
    # form takes does not tell whether an address has an account.
    password_hash = hash_password(password)
    # The name first: names are public, and a taken name must be refused whether or not the
    # address has an account, or the answer would tell which.
    if session.scalar(select(User.id).where(func.lower(User.display_name) == display_name.lower())):
        raise ValidationFailed(
            _("Ce nom affiché est déjà pris : choisissez-en un autre."), field="display_name"
        )
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        _mail_signup_attempt(session, email=email)
        return SignupResult(None)
    user = User(email=email, display_name=display_name, password_hash=password_hash)
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        # The same address or name was taken in the same instant (the unique constraints decide,
        # on PostgreSQL as on SQLite): answer as if it had been there before.
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            _mail_signup_attempt(session, email=email)
            return SignupResult(None)
        raise ValidationFailed(
            _("Ce nom affiché est déjà pris : choisissez-en un autre."), field="display_name"
        ) from None
    session.add(UserRole(user_id=user.id, role=Role.RESIDENT.value))
    _send_confirmation(session, user)
    audit.record(
        session, actor_id=user.id, action="account.signup", object_type="user", object_id=user.id
    )
    return SignupResult(user)


def _mail_signup_attempt(session: Session, *, email: str) -> None:
    """Same page as a new sign-up, so the form cannot tell who has an account; the owner is told."""
    queue_mail(
        session,
        to=email,
        subject="Tentative d'inscription avec votre adresse",
        body=(
            "Bonjour,\n\nQuelqu'un a tenté de créer un compte sur le portail avec votre adresse, "
            "qui a déjà un compte.\nSi c'était vous, connectez-vous ou réinitialisez votre mot "
            f"de passe : {link('/password-reset')}\n\nSinon, ignorez ce message.\n"
        ),
    )


def _new_token(session: Session, user: User, purpose: str, ttl: timedelta) -> str:
    raw = secrets.token_urlsafe(32)
    session.add(
        OneTimeToken(
            token_hash=_hash(raw), user_id=user.id, purpose=purpose, expires_at=utcnow() + ttl
        )
    )
    return raw


def _send_confirmation(session: Session, user: User) -> None:
    raw = _new_token(session, user, "confirm", CONFIRM_TTL)
    queue_mail(
        session,
        to=user.email,
        subject="Confirmez votre adresse e-mail",
        body=(
            f"Bonjour {user.display_name},\n\nPour activer votre compte sur le portail de la charte "
            f"IA, ouvrez ce lien puis validez :\n{link(urls.confirm(raw))}\n\n"
            "Le lien est valable trois jours. Si vous n'avez rien demandé, ignorez ce message.\n"
        ),
    )


INVALID_LINK = N_("Ce lien n'est plus valable (déjà utilisé ou expiré). Demandez-en un nouveau.")


def _use_token(session: Session, raw: str, purpose: str) -> int:
    """Spend a one-time token and return its user's id. One conditional UPDATE does both the
    check and the spending, so the same link sent many times at once works once, on both
    databases (PostgreSQL re-checks the WHERE clause after waiting for a concurrent update)."""
    now = utcnow()
    user_id = session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.token_hash == _hash(raw or ""),
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.expires_at >= now,
        )
        .values(used_at=now)
        .returning(OneTimeToken.user_id)
        .execution_options(synchronize_session=False)
    ).scalar()
    if user_id is None:
        raise ValidationFailed(_(INVALID_LINK))
    return int(user_id)


def _end_reset_links(session: Session, *, user_id: int) -> None:
    """A new password makes every reset link asked for before it useless."""
    session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user_id,
            OneTimeToken.purpose == "reset",
            OneTimeToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def check_token(session: Session, raw: str, purpose: str) -> bool:
    token = session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == _hash(raw or ""), OneTimeToken.purpose == purpose
        )
    )
    return token is not None and token.used_at is None and token.expires_at >= utcnow()


def confirm_email(session: Session, *, token: str) -> User:
    user = get_user(session, _use_token(session, token, "confirm"))
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    audit.record(
        session, actor_id=user.id, action="account.confirm", object_type="user", object_id=user.id
    )
    return user


# --- login, sessions -------------------------------------------------------------------------


def _lock_throttle_key(session: Session, key: str) -> None:
    """Hold the key's row until the transaction ends: attempts on one key are judged one at a
    time. (SQLite ignores FOR UPDATE; its writers are already serialised by BEGIN IMMEDIATE.)"""
    for _try in range(3):
        locked = session.scalar(
            select(LoginThrottle.key).where(LoginThrottle.key == key).with_for_update()
        )
        if locked is not None:
            return
        try:
            with session.begin_nested():
                # Our new row stays invisible and locked until we commit; a concurrent insert of
                # the same key waits on the primary key, then fails and locks ours instead.
                session.execute(insert(LoginThrottle).values(key=key, created_at=utcnow()))
        except IntegrityError:
            continue
        return
    raise TooManyRequests(_("Le service est très sollicité. Réessayez dans un instant."))


def _recent_failures(session: Session, key: str, since: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(
                LoginAttempt.key == key,
                LoginAttempt.at >= since,
                LoginAttempt.success.is_(False),  # type: ignore[attr-defined]
            )
        )
        or 0
    )


def _judge_attempt(session: Session, *, account_key: str, client_key: str) -> list[LoginAttempt]:
    """Refuse the attempt if the client or the account has too many recent failures, else record
    it as a failure (the caller marks it a success when the password is right)."""
    _lock_throttle_key(session, client_key)  # always client first, then account: no deadlock
    _lock_throttle_key(session, account_key)
    since = utcnow() - timedelta(minutes=1)
    if _recent_failures(session, client_key, since) >= CLIENT_FAILURES_PER_MINUTE:
        raise TooManyRequests(
            _(
                "Trop d'échecs de connexion depuis votre réseau. "
                "Patientez une minute avant de réessayer."
            )
        )
    if _recent_failures(session, account_key, since) >= LOGIN_ATTEMPTS_PER_MINUTE:
        raise TooManyRequests(
            _(
                "Trop de tentatives de connexion pour ce compte. Patientez une minute avant de réessayer."
            )
        )
    attempts = [LoginAttempt(key=account_key), LoginAttempt(key=client_key)]
    session.add_all(attempts)
    return attempts


def _account_key(email: str) -> str:
    return _hash("login:" + normalise_email(email))


def _client_key(client: str) -> str:
    """One key per IPv4 address, and per /64 for IPv6: a single home or server is handed a whole
    /64, and could otherwise try each guess from a new address."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return _hash("client:" + (client or "unknown"))
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return _hash(f"client:{address.ipv4_mapped}")
        return _hash(f"client:{ipaddress.ip_network(f'{address}/64', strict=False)}")
    return _hash(f"client:{address}")


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    error: str | None


GENERIC_LOGIN_ERROR = "Adresse e-mail ou mot de passe incorrect."


def authenticate(session: Session, *, email: str, password: str, client: str = "") -> LoginOutcome:
    """Check credentials. After 5 failures on one address, or 10 from one client (`client` is the
    remote address), within a minute, the next attempt is refused before hashing; right
    passwords are not counted."""
    email = normalise_email(email)
    attempts = _judge_attempt(
        session, account_key=_account_key(email), client_key=_client_key(client)
    )
    user = session.scalar(select(User).where(User.email == email))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None:
        return LoginOutcome(None, GENERIC_LOGIN_ERROR)
    for attempt in attempts:
        attempt.success = True
    if not user.is_active:
        return LoginOutcome(
            None, _("Ce compte est suspendu. Contactez la mairie pour en savoir plus.")
        )
    if user.email_confirmed_at is None:
        return LoginOutcome(
            None,
            _("Votre adresse n'est pas encore confirmée : ouvrez le lien reçu par e-mail."),
        )
    return LoginOutcome(user, None)


def start_session(session: Session, *, user: User, settings: Settings, user_agent: str = "") -> str:
    """Open a new server-side session (a new id at every login) and return the cookie value."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AuthSession(
            token_hash=_hash(raw),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_absolute_hours),
            user_agent=user_agent[:300] or None,
        )
    )
    audit.record(
        session, actor_id=user.id, action="account.login", object_type="user", object_id=user.id
    )
    return raw


def end_session(session: Session, *, session_id: int) -> None:
    session.execute(
        update(AuthSession).where(AuthSession.id == session_id).values(revoked_at=utcnow())
    )


def end_all_sessions(
    session: Session, *, user_id: int, except_session_id: int | None = None
) -> None:
    """Sign the account out everywhere (but in the browser `except_session_id`, if given)."""
    stmt = update(AuthSession).where(
        AuthSession.user_id == user_id,
        AuthSession.revoked_at.is_(None),
    )
    if except_session_id is not None:
        stmt = stmt.where(AuthSession.id != except_session_id)
    session.execute(stmt.values(revoked_at=utcnow()))


def roles_of(session: Session, user_id: int) -> frozenset[str]:
    return frozenset(session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))


@functools.cache
def _session_user_statement() -> Any:
    return (
        select(
            AuthSession.id,
            AuthSession.expires_at,
            AuthSession.revoked_at,
            AuthSession.last_seen_at,
            col(User.id).label("user_id"),
            User.display_name,
            User.email,
            User.is_active,
            UserRole.role,
        )
        .join(User, col(User.id) == AuthSession.user_id)
        .outerjoin(UserRole, col(UserRole.user_id) == User.id)
        .where(AuthSession.token_hash == bindparam("token"))
    )


def user_from_request(
    session: Session, request: Request, settings: Settings
) -> tuple[CurrentUser | None, int | None]:
    """The signed-in user from the session cookie, and the session id to touch, if any."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw or len(raw) > 100:
        return None, None
    token_hash = _hash(raw)
    # One statement over plain columns (session, user, one row per role), built once: read on
    # every signed-in view, so it skips loading mapped objects and building the statement
    # (issue 18: they were most of a signed-in shared page's CPU).
    # Through `read_statement`: on a pooled connection when the session has not begun, so a
    # signed-in view of a kept shared page never opens the ORM's transaction.
    rows = read_statement(session, _session_user_statement(), {"token": token_hash})
    if not rows:
        return None, None
    auth = rows[0]
    now = utcnow()
    idle_limit = auth.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    if (
        auth.revoked_at is not None
        or auth.expires_at < now
        or idle_limit < now
        or not auth.is_active
    ):
        return None, None
    current = CurrentUser(
        id=auth.user_id,
        display_name=auth.display_name,
        email=auth.email,
        roles=frozenset(r.role for r in rows if r.role is not None),
        session_id=auth.id,
        session_hash=token_hash,
    )
    touch = auth.id if now - auth.last_seen_at > TOUCH_EVERY else None
    return current, touch


def touch_session(engine: Engine, session_id: int) -> None:
    """Idle time-out bookkeeping, in its own short write so reads never upgrade to writes."""
    with session_scope(engine) as session:
        session.execute(
            update(AuthSession).where(AuthSession.id == session_id).values(last_seen_at=utcnow())
        )


# --- password reset ---------------------------------------------------------------------------


def request_password_reset(session: Session, *, email: str) -> None:
    """Mail a reset link if the account exists; the page says the same either way."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        return
    raw = _new_token(session, user, "reset", RESET_TTL)
    queue_mail(
        session,
        to=user.email,
        subject="Réinitialisation de votre mot de passe",
        body=(
            f"Bonjour {user.display_name},\n\nPour choisir un nouveau mot de passe, ouvrez ce lien "
            f"(valable deux heures) :\n{link(urls.reset(raw))}\n\n"
            "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n"
        ),
    )


def reset_password(session: Session, *, token: str, password: str) -> User:
    """Set a new password from a mailed link: the link is spent, every other reset link of the
    account stops working and every browser signed in to it is signed out."""
    token_row = session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == _hash(token or ""), OneTimeToken.purpose == "reset"
        )
    )
    if token_row is None or token_row.used_at is not None or token_row.expires_at < utcnow():
        raise ValidationFailed(_(INVALID_LINK))
    user = get_user(session, token_row.user_id)
    check_password(password, email=user.email, display_name=user.display_name)
    _use_token(session, token, "reset")  # atomic: of many parallel posts, one gets past here
    user.password_hash = hash_password(password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()  # the mail reached them: the address is theirs
    _end_reset_links(session, user_id=user.id)
    end_all_sessions(session, user_id=user.id)
    _mail_password_changed(session, user)
    audit.record(
        session,
        actor_id=user.id,
        action="account.password_reset",
        object_type="user",
        object_id=user.id,
    )
    return user


def _mail_password_changed(session: Session, user: User) -> None:
    """Tell the owner at once: if it was not them, the mail is how they find out."""
    queue_mail(
        session,
        to=user.email,
        subject="Votre mot de passe a été changé",
        body=(
            f"Bonjour {user.display_name},\n\nLe mot de passe de votre compte sur le portail vient "
            "d'être changé, et les autres appareils connectés ont été déconnectés.\n\n"
            "Si ce n'était pas vous, choisissez-en un nouveau tout de suite :\n"
            f"{link('/password-reset')}\npuis prévenez la mairie.\n"
        ),
    )


def change_password(
    session: Session,
    *,
    user_id: int,
    current_password: str,
    new_password: str,
    session_id: int,
    client: str = "",
) -> User:
    """Change a password from the account page. The current one is asked (and throttled like a
    login, so a borrowed session cannot guess it); every reset link of the account stops
    working and every other browser signed in to it is signed out."""
    user = get_user(session, user_id)
    attempts = _judge_attempt(
        session, account_key=_account_key(user.email), client_key=_client_key(client)
    )
    if not verify_password(user.password_hash, current_password):
        raise ValidationFailed(
            _("Le mot de passe actuel n'est pas le bon."), field="current_password"
        )
    for attempt in attempts:
        attempt.success = True
    check_password(new_password, email=user.email, display_name=user.display_name)
    user.password_hash = hash_password(new_password)
    _end_reset_links(session, user_id=user_id)
    end_all_sessions(session, user_id=user_id, except_session_id=session_id)
    _mail_password_changed(session, user)
    audit.record(
        session,
        actor_id=user_id,
        action="account.password_change",
        object_type="user",
        object_id=user_id,
    )
    return user


# --- one's own account: name, e-mail address -------------------------------------------------

EMAIL_CHANGE_TTL = timedelta(hours=24)


def change_display_name(session: Session, *, user_id: int, display_name: str) -> User:
    """Rename one's account; names are public and unique without case."""
    user = get_user(session, user_id)
    name = check_display_name(display_name)
    if name == user.display_name:
        return user
    taken = session.scalar(
        select(User.id).where(func.lower(User.display_name) == name.lower(), User.id != user_id)
    )
    if taken is not None:
        raise ValidationFailed(
            _("Ce nom affiché est déjà pris : choisissez-en un autre."), field="display_name"
        )
    before = user.display_name
    try:
        with session.begin_nested():  # taken by someone else in the same instant
            user.display_name = name
            session.add(user)
    except IntegrityError:
        raise ValidationFailed(
            _("Ce nom affiché est déjà pris : choisissez-en un autre."), field="display_name"
        ) from None
    audit.record(
        session, actor_id=user_id, action="account.rename", object_type="user", object_id=user_id,
        detail={"before": before, "after": name},
    )  # fmt: skip
    return user


def request_email_change(
    session: Session, *, user_id: int, new_email: str, password: str, client: str = ""
) -> str:
    """Mail a confirmation link to the new address; nothing changes until it is opened. The
    password is asked (and throttled like a login): a borrowed session cannot move the account
    to another mailbox. Whether the new address already has an account is never told: its owner
    gets a notice instead of a link. Returns the new address, normalised."""
    user = get_user(session, user_id)
    attempts = _judge_attempt(
        session, account_key=_account_key(user.email), client_key=_client_key(client)
    )
    if not verify_password(user.password_hash, password):
        raise ValidationFailed(_("Le mot de passe n'est pas le bon."), field="password")
    for attempt in attempts:
        attempt.success = True
    email = check_email(new_email)
    if email == user.email:
        raise ValidationFailed(_("C'est déjà l'adresse de votre compte."), field="email")
    _end_email_changes(session, user_id=user_id)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        queue_mail(
            session,
            to=email,
            subject=_("Tentative d'utiliser votre adresse sur le portail"),
            body=_(
                "Bonjour,\n\nLe titulaire d'un autre compte du portail a demandé à prendre "
                "votre adresse, qui a déjà un compte. Rien n'a changé pour vous.\n\nSi "
                "vous avez oublié votre mot de passe : %(url)s\n",
                url=link(urls.RESET_REQUEST),
            ),
        )
    else:
        raw = secrets.token_urlsafe(32)
        session.add(
            OneTimeToken(
                token_hash=_hash(raw), user_id=user_id, purpose="email", new_email=email,
                expires_at=utcnow() + EMAIL_CHANGE_TTL,
            )
        )  # fmt: skip
        queue_mail(
            session,
            to=email,
            subject=_("Confirmez votre nouvelle adresse e-mail"),
            body=_(
                "Bonjour %(name)s,\n\nPour que cette adresse devienne celle de votre compte "
                "sur le portail, ouvrez ce lien puis validez (il est valable 24 heures) :\n"
                "%(url)s\n\nSi vous n'avez rien demandé, ignorez ce message : rien ne "
                "changera.\n",
                name=user.display_name,
                url=link(urls.confirm_email_change(raw)),
            ),
        )
    queue_mail(
        session,
        to=user.email,
        subject=_("Changement d'adresse e-mail demandé"),
        body=_(
            "Bonjour %(name)s,\n\nUn changement de l'adresse de votre compte vers %(new)s a été "
            "demandé. Elle ne changera que si le lien envoyé à cette adresse est ouvert.\n\n"
            "Si ce n'était pas vous, changez votre mot de passe tout de suite : %(url)s\n",
            name=user.display_name,
            new=email,
            url=link(urls.RESET_REQUEST),
        ),
    )
    audit.record(
        session, actor_id=user_id, action="account.email_change_request", object_type="user",
        object_id=user_id,
    )  # fmt: skip
    return email


def _end_email_changes(session: Session, *, user_id: int) -> None:
    """A new request (or a done change) makes the links of earlier requests useless."""
    session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user_id,
            OneTimeToken.purpose == "email",
            OneTimeToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def pending_email_change(session: Session, *, user_id: int) -> str | None:
    """The address waiting for its confirmation, if any."""
    return session.scalar(
        select(OneTimeToken.new_email)
        .where(
            OneTimeToken.user_id == user_id,
            OneTimeToken.purpose == "email",
            OneTimeToken.used_at.is_(None),
            OneTimeToken.expires_at >= utcnow(),
        )
        .order_by(OneTimeToken.id.desc())
        .limit(1)
    )


def confirm_email_change(session: Session, *, token: str) -> User:
    """Open the link mailed to the new address: the account takes it, the old address is told."""
    row = session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == _hash(token or ""), OneTimeToken.purpose == "email"
        )
    )
    if row is None or not row.new_email:
        raise ValidationFailed(_(INVALID_LINK))
    new_email = row.new_email
    user_id = _use_token(session, token, "email")  # atomic: of many parallel posts, one passes
    user = get_user(session, user_id)
    if not user.is_active:
        raise ValidationFailed(_(INVALID_LINK))
    if session.scalar(select(User.id).where(User.email == new_email)) is not None:
        raise Conflict(_("Cette adresse est désormais celle d'un autre compte : rien n'a changé."))
    old_email = user.email
    try:
        with session.begin_nested():
            user.email = new_email
            user.email_confirmed_at = user.email_confirmed_at or utcnow()
            session.add(user)
    except IntegrityError:
        raise Conflict(
            _("Cette adresse est désormais celle d'un autre compte : rien n'a changé.")
        ) from None
    _end_email_changes(session, user_id=user_id)
    _end_reset_links(session, user_id=user_id)  # they were mailed to the old address
    queue_mail(
        session,
        to=old_email,
        subject=_("L'adresse e-mail de votre compte a changé"),
        body=_(
            "Bonjour %(name)s,\n\nVotre compte sur le portail utilise désormais l'adresse "
            "%(new)s ; celle-ci ne recevra plus ses messages.\n\nSi ce n'était pas vous, "
            "prévenez la mairie sans attendre.\n",
            name=user.display_name,
            new=new_email,
        ),
    )
    audit.record(
        session, actor_id=user_id, action="account.email_change", object_type="user",
        object_id=user_id,
    )  # fmt: skip
    return user


def personal_data(session: Session, *, user_id: int) -> dict[str, object]:
    """What the accounts package holds about a person (RGPD art. 15 and 20), as plain JSON
    values: the account, its roles, its signed-in browsers, the mails sent to it and what it
    did (the audit trail of its own actions)."""
    user = get_user(session, user_id)
    roles = session.execute(
        select(UserRole.role, UserRole.granted_at).where(UserRole.user_id == user_id)
    )
    sessions = session.scalars(
        select(AuthSession).where(AuthSession.user_id == user_id).order_by(AuthSession.id)
    )
    mails = session.scalars(
        select(OutboxMail).where(OutboxMail.to_address == user.email).order_by(OutboxMail.id)
    )
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == user_id).order_by(AuditEvent.id)
    )

    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "account": {
            "id": user.id,
            "display_name": user.display_name,
            "email": user.email,
            "created_at": when(user.created_at),
            "email_confirmed_at": when(user.email_confirmed_at),
            "active": user.is_active,
            "language": user.language,
            "pending_email_change": pending_email_change(session, user_id=user_id),
        },
        "roles": [{"role": r, "granted_at": when(at)} for r, at in roles],
        "sessions": [
            {
                "created_at": when(a.created_at),
                "last_seen_at": when(a.last_seen_at),
                "expires_at": when(a.expires_at),
                "ended_at": when(a.revoked_at),
                "browser": a.user_agent,
            }
            for a in sessions
        ],
        "mails": [
            {"created_at": when(m.created_at), "subject": m.subject, "sent_at": when(m.sent_at)}
            for m in mails
        ],
        "actions": [
            {
                "at": when(e.at),
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
            }
            for e in events
        ],
    }


# --- staff and roles --------------------------------------------------------------------------


def create_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    password: str,
    roles: Iterable[str],
    actor_id: int | None,
    confirmed: bool = True,
) -> User:
    """Create an account directly (admin UI, CLI, demo): staff accounts are confirmed at once."""
    email = check_email(email)
    display_name = check_display_name(display_name)
    check_password(password, email=email, display_name=display_name)
    wanted = _check_roles(roles)
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(_("Un compte existe déjà avec cette adresse e-mail."))
    if session.scalar(select(User.id).where(func.lower(User.display_name) == display_name.lower())):
        raise Conflict(_("Ce nom affiché est déjà pris."))
    user = User(
        email=email,
        display_name=display_name,
        password_hash=hash_password(password),
        email_confirmed_at=utcnow() if confirmed else None,
    )
    try:
        with session.begin_nested():  # two admins creating the same account at once
            session.add(user)
    except IntegrityError:
        if session.scalar(select(User.id).where(User.email == email)):
            raise Conflict(_("Un compte existe déjà avec cette adresse e-mail.")) from None
        raise Conflict(_("Ce nom affiché est déjà pris.")) from None
    for role in sorted(wanted | {Role.RESIDENT.value}):
        session.add(UserRole(user_id=user.id, role=role, granted_by=actor_id))
    audit.record(
        session, actor_id=actor_id, action="account.create", object_type="user", object_id=user.id,
        detail={"roles": sorted(wanted)},
    )  # fmt: skip
    return user


INVITE_TTL = timedelta(days=7)  # never-confirmed accounts are purged after 7 days as well


def invite_staff(
    session: Session, *, email: str, display_name: str, roles: Iterable[str], actor_id: int
) -> User:
    """The admin invites a staff member: the account exists with its roles but no password (no
    password matches "!"); a link mailed to the address lets its owner choose one. The admin
    never knows it."""
    email = check_email(email)
    display_name = check_display_name(display_name)
    wanted = _check_roles(roles)
    if not wanted:
        raise ValidationFailed(
            _("Cochez au moins un rôle : une invitation est faite pour le personnel."),
            field="roles",
        )
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(_("Un compte existe déjà avec cette adresse e-mail."))
    if session.scalar(select(User.id).where(func.lower(User.display_name) == display_name.lower())):
        raise Conflict(_("Ce nom affiché est déjà pris."))
    user = User(email=email, display_name=display_name, password_hash="!")  # noqa: S106
    try:
        with session.begin_nested():  # two admins inviting the same person at once
            session.add(user)
    except IntegrityError:
        raise Conflict(_("Un compte existe déjà avec cette adresse ou ce nom.")) from None
    for role in sorted(wanted | {Role.RESIDENT.value}):
        session.add(UserRole(user_id=user.id, role=role, granted_by=actor_id))
    _send_invitation(session, user, inviter=get_user(session, actor_id).display_name)
    audit.record(
        session, actor_id=actor_id, action="account.invite", object_type="user", object_id=user.id,
        detail={"roles": sorted(wanted)},
    )  # fmt: skip
    return user


def _send_invitation(session: Session, user: User, *, inviter: str) -> None:
    raw = _new_token(session, user, "invite", INVITE_TTL)
    queue_mail(
        session,
        to=user.email,
        subject=_("Invitation à rejoindre le portail de la Ville"),
        body=_(
            "Bonjour %(name)s,\n\n%(inviter)s vous a ouvert un compte sur le portail, avec "
            "le ou les rôles suivants : %(roles)s.\n\nPour l'activer, choisissez votre mot de "
            "passe en ouvrant ce lien (valable sept jours) :\n%(url)s\n\nPersonne d'autre "
            "que vous ne connaîtra ce mot de passe. Si vous n'attendiez pas ce message, "
            "ignorez-le : le compte sera supprimé sans suite.\n",
            name=user.display_name,
            inviter=inviter,
            roles=", ".join(
                _(ROLE_NAMES[r]) for r in sorted(roles_of(session, user.id or 0)) if r in ROLE_NAMES
            ),
            url=link(urls.invitation(raw)),
        ),
    )


def resend_invitation(session: Session, *, user_id: int, actor_id: int) -> User:
    """A new link for an invitation not yet accepted; the earlier links stop working."""
    user = get_user(session, user_id)
    if user.email_confirmed_at is not None or user.password_hash != "!":  # noqa: S105
        raise Conflict(_("Ce compte est déjà activé : il n'y a plus d'invitation à renvoyer."))
    session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user_id,
            OneTimeToken.purpose == "invite",
            OneTimeToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    user.created_at = utcnow()  # the purge of unconfirmed accounts counts from the last link
    _send_invitation(session, user, inviter=get_user(session, actor_id).display_name)
    audit.record(
        session, actor_id=actor_id, action="account.invite", object_type="user",
        object_id=user_id, detail={"resent": True},
    )  # fmt: skip
    return user


def accept_invitation(session: Session, *, token: str, password: str) -> User:
    """The invited person chooses a password from the mailed link: the account is active."""
    row = session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == _hash(token or ""), OneTimeToken.purpose == "invite"
        )
    )
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        raise ValidationFailed(_(INVALID_LINK))
    user = get_user(session, row.user_id)
    check_password(password, email=user.email, display_name=user.display_name)
    _use_token(session, token, "invite")  # atomic: of many parallel posts, one gets past here
    user.password_hash = hash_password(password)
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    audit.record(
        session, actor_id=user.id, action="account.invitation_accept", object_type="user",
        object_id=user.id,
    )  # fmt: skip
    return user


def _check_roles(roles: Iterable[str]) -> set[str]:
    wanted = {r.strip() for r in roles if r.strip()}
    unknown = wanted - set(ALL_ROLES)
    if unknown:
        raise ValidationFailed(
            _(
                "Rôle inconnu : %(unknown)s. Rôles possibles : %(known)s.",
                unknown=", ".join(sorted(unknown)),
                known=", ".join(ALL_ROLES),
            )
        )
    return wanted


def set_roles(
    session: Session, *, user_id: int, roles: Iterable[str], actor_id: int | None
) -> User:
    """Replace a user's roles (resident is always kept); the change is logged."""
    user = get_user(session, user_id)
    wanted = _check_roles(roles) | {Role.RESIDENT.value}
    before = set(roles_of(session, user_id))
    if actor_id == user_id and "admin" in before and "admin" not in wanted:
        raise ValidationFailed(
            _("Vous ne pouvez pas retirer vous-même votre rôle d'administrateur.")
        )
    for role in before - wanted:
        session.execute(delete(UserRole).where(UserRole.user_id == user_id, UserRole.role == role))
    for role in wanted - before:
        try:
            with session.begin_nested():  # granted by another admin in the same instant: kept
                session.add(UserRole(user_id=user_id, role=role, granted_by=actor_id))
        except IntegrityError:
            pass
    if before != wanted:
        audit.record(
            session, actor_id=actor_id, action="account.roles", object_type="user", object_id=user_id,
            detail={"before": sorted(before), "after": sorted(wanted)},
        )  # fmt: skip
    return user


def set_active(
    session: Session, *, user_id: int, active: bool, actor_id: int | None, reason: str = ""
) -> User:
    user = get_user(session, user_id)
    if actor_id == user_id and not active:
        raise ValidationFailed(_("Vous ne pouvez pas suspendre votre propre compte."))
    user.is_active = active
    user.blocked_reason = None if active else (reason.strip()[:500] or None)
    if not active:
        end_all_sessions(session, user_id=user_id)
    audit.record(
        session, actor_id=actor_id, action="account.enable" if active else "account.disable",
        object_type="user", object_id=user_id, detail={"reason": reason[:500]},
    )  # fmt: skip
    return user


# A deleted account keeps its row (its public contributions name "Compte supprimé <id>") with an
# address in this reserved domain (RFC 2606), which no one can sign up with.
DELETED_EMAIL_DOMAIN = "invalid.invalid"


def deleted_user_ids(session: Session, user_ids: Iterable[int]) -> set[int]:
    """Which of `user_ids` are deleted accounts, in one query: the packages that keep something
    of a person for that person alone (follows, followed searches) forget it for these."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return set()
    rows = session.execute(
        select(User.id, User.email).where(col(User.id).in_(ids), col(User.is_active).is_(False))
    )
    return {int(i) for i, email in rows if email == deleted_email(int(i))}


def deleted_email(user_id: int) -> str:
    return f"supprime-{user_id}@{DELETED_EMAIL_DOMAIN}"


def delete_account(session: Session, *, user_id: int, actor_id: int | None) -> None:
    """Erase personal data but keep the public contributions under a neutral name."""
    user = get_user(session, user_id)
    user.email = deleted_email(user_id)
    user.display_name = f"Compte supprimé {user_id}"
    user.password_hash = "!"  # noqa: S105 - not a hash: no password matches it
    user.is_active = False
    end_all_sessions(session, user_id=user_id)
    # The link to a FranceConnect/ProConnect identity holds the provider's `sub` and the address:
    # erased too, so a later sign-in there offers a new account instead of a suspended one.
    session.execute(delete(OidcIdentity).where(OidcIdentity.user_id == user_id))
    # The account row stays (soft delete), so no ON DELETE CASCADE fires: each package's
    # manifest says what of the person's own data it erases at once (e.g. kept drafts).
    from portal.manifest import erase_account
    from portal.modules import MODULES  # here: portal.modules imports portal.accounts

    erase_account(session, user_id, MODULES)
    audit.record(
        session, actor_id=actor_id, action="account.delete", object_type="user", object_id=user_id
    )


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("Ce compte n'existe pas."))
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def display_names(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """Public names for a set of users, in one query (other modules never read emails)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {int(i): str(n) for i, n in rows}


def users_with_role(session: Session, role: str) -> list[User]:
    stmt = select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role)
    return list(session.scalars(stmt.order_by(User.id)))


def email_of(session: Session, user_id: int) -> str | None:
    """For mail only (notifications): never shown on a page."""
    user = session.get(User, user_id)
    return user.email if user and user.is_active else None


def emails_of(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """For mail only, in one query: the addresses of the active accounts among `user_ids`."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(
        select(User.id, User.email).where(User.id.in_(ids), User.is_active.is_(True))  # type: ignore[attr-defined]
    )
    return {int(i): str(e) for i, e in rows}


@dataclass(frozen=True)
class UserRow:
    id: int
    email: str
    display_name: str
    roles: frozenset[str]
    is_active: bool
    confirmed: bool
    invited: bool = False  # invited and not yet activated: the invitation can be sent again


def list_users(
    session: Session, *, query: str = "", page: int = 1, per_page: int = 50
) -> tuple[list[UserRow], int]:
    stmt = select(User)
    count_stmt = select(func.count()).select_from(User)
    if query:
        like = f"%{query.strip().lower()}%"
        cond = func.lower(User.email).like(like) | func.lower(User.display_name).like(like)
        stmt = stmt.where(cond)
        count_stmt = count_stmt.where(cond)
    total = int(session.scalar(count_stmt) or 0)
    users = list(
        session.scalars(stmt.order_by(User.id).offset((page - 1) * per_page).limit(per_page))
    )
    role_rows = session.execute(
        select(UserRole.user_id, UserRole.role).where(UserRole.user_id.in_([u.id for u in users]))  # type: ignore[attr-defined]
    )
    roles: dict[int, set[str]] = {}
    for uid, role in role_rows:
        roles.setdefault(uid, set()).add(role)
    rows = [
        UserRow(
            u.id,
            u.email,
            u.display_name,
            frozenset(roles.get(u.id, set())),
            u.is_active,
            u.email_confirmed_at is not None,
            u.email_confirmed_at is None and u.password_hash == "!",  # noqa: S105
        )
        for u in users
    ]
    return rows, total


def purge_expired(
    session: Session, *, unconfirmed_after: timedelta = timedelta(days=7)
) -> dict[str, int]:
    """Job: drop ended sessions, used or stale tokens, old login attempts, never-confirmed accounts."""
    now = utcnow()
    result: dict[str, int] = {}
    r = session.execute(
        delete(AuthSession).where(
            (AuthSession.expires_at < now) | (AuthSession.revoked_at.is_not(None))
        )
    )
    result["sessions"] = r.rowcount or 0  # type: ignore[attr-defined]
    r = session.execute(delete(OneTimeToken).where(OneTimeToken.expires_at < now))
    result["tokens"] = r.rowcount or 0  # type: ignore[attr-defined]
    r = session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(hours=1)))
    result["login_attempts"] = r.rowcount or 0  # type: ignore[attr-defined]
    r = session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.created_at < now - timedelta(hours=1),
            ~select(LoginAttempt.id).where(LoginAttempt.key == LoginThrottle.key).exists(),
        )
    )
    result["login_throttle_keys"] = r.rowcount or 0  # type: ignore[attr-defined]
    stale = list(
        session.scalars(
            select(User.id).where(
                User.email_confirmed_at.is_(None),
                User.created_at < now - unconfirmed_after,
            )
        )
    )
    if stale:
        session.execute(delete(OneTimeToken).where(OneTimeToken.user_id.in_(stale)))  # type: ignore[attr-defined]
        session.execute(delete(UserRole).where(UserRole.user_id.in_(stale)))  # type: ignore[attr-defined]
        session.execute(delete(AuthSession).where(AuthSession.user_id.in_(stale)))  # type: ignore[attr-defined]
        session.execute(
            update(AuditEvent).where(AuditEvent.actor_id.in_(stale)).values(actor_id=None)
        )
        session.execute(delete(User).where(User.id.in_(stale)))
    result["unconfirmed_accounts"] = len(stale)
    return result
