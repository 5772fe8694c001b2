"""Accounts: sign-up, confirmation, login with throttling, sessions, password reset, roles.

The only entry point other modules use for users: `display_names()`, `get_user()`, `users_with_role()`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.requests import Request

from portal import audit
from portal.accounts.models import (
    AuthSession,
    LoginAttempt,
    OneTimeToken,
    Role,
    User,
    UserRole,
)
from portal.accounts.passwords import hash_password, password_problem, verify_password
from portal.db import session_scope, utcnow
from portal.errors import Conflict, NotFound, TooManyRequests, ValidationFailed
from portal.mail import queue_mail
from portal.settings import Settings
from portal.web.i18n import gettext as _
from portal.web.routing import CurrentUser

SESSION_COOKIE = "portal_session"
LOGIN_ATTEMPTS_PER_MINUTE = 5
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


def signup(
    session: Session, *, email: str, display_name: str, password: str, settings: Settings
) -> SignupResult:
    email = check_email(email)
    display_name = check_display_name(display_name)
    check_password(password, email=email, display_name=display_name)
    existing = session.scalar(select(User).where(User.email == email))
    if existing is not None:
        # Same page as a new sign-up, so the form cannot tell who has an account; the owner is told.
        queue_mail(
            session,
            to=email,
            subject="Tentative d'inscription avec votre adresse",
            body=(
                "Bonjour,\n\nQuelqu'un a tenté de créer un compte sur le portail avec votre adresse, "
                "qui a déjà un compte.\nSi c'était vous, connectez-vous ou réinitialisez votre mot "
                f"de passe : {settings.base_url}/password-reset\n\nSinon, ignorez ce message.\n"
            ),
        )
        return SignupResult(None)
    if session.scalar(select(User.id).where(func.lower(User.display_name) == display_name.lower())):
        raise ValidationFailed(
            _("Ce nom affiché est déjà pris : choisissez-en un autre."), field="display_name"
        )
    user = User(email=email, display_name=display_name, password_hash=hash_password(password))
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(_("Ce nom affiché ou cette adresse vient d'être pris.")) from exc
    session.add(UserRole(user_id=user.id, role=Role.RESIDENT.value))
    _send_confirmation(session, user, settings)
    audit.record(
        session, actor_id=user.id, action="account.signup", object_type="user", object_id=user.id
    )
    return SignupResult(user)


def _new_token(session: Session, user: User, purpose: str, ttl: timedelta) -> str:
    raw = secrets.token_urlsafe(32)
    session.add(
        OneTimeToken(
            token_hash=_hash(raw), user_id=user.id, purpose=purpose, expires_at=utcnow() + ttl
        )
    )
    return raw


def _send_confirmation(session: Session, user: User, settings: Settings) -> None:
    raw = _new_token(session, user, "confirm", CONFIRM_TTL)
    queue_mail(
        session,
        to=user.email,
        subject="Confirmez votre adresse e-mail",
        body=(
            f"Bonjour {user.display_name},\n\nPour activer votre compte sur le portail de la charte "
            f"IA, ouvrez ce lien puis validez :\n{settings.base_url}/signup/confirm?token={raw}\n\n"
            "Le lien est valable trois jours. Si vous n'avez rien demandé, ignorez ce message.\n"
        ),
    )


def _use_token(session: Session, raw: str, purpose: str) -> OneTimeToken:
    token = session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == _hash(raw or ""), OneTimeToken.purpose == purpose
        )
    )
    if token is None or token.used_at is not None or token.expires_at < utcnow():
        raise ValidationFailed(
            _("Ce lien n'est plus valable (déjà utilisé ou expiré). Demandez-en un nouveau.")
        )
    token.used_at = utcnow()
    return token


def check_token(session: Session, raw: str, purpose: str) -> bool:
    token = session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == _hash(raw or ""), OneTimeToken.purpose == purpose
        )
    )
    return token is not None and token.used_at is None and token.expires_at >= utcnow()


def confirm_email(session: Session, *, token: str) -> User:
    used = _use_token(session, token, "confirm")
    user = session.get(User, used.user_id)
    assert user is not None
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    audit.record(
        session, actor_id=user.id, action="account.confirm", object_type="user", object_id=user.id
    )
    return user


# --- login, sessions -------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    error: str | None


GENERIC_LOGIN_ERROR = "Adresse e-mail ou mot de passe incorrect."


def authenticate(session: Session, *, email: str, password: str) -> LoginOutcome:
    """Check credentials. The 6th attempt on one address within a minute is refused before hashing."""
    email = normalise_email(email)
    key = _hash("login:" + email)
    since = utcnow() - timedelta(minutes=1)
    recent = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.key == key, LoginAttempt.at >= since)
    )
    if (recent or 0) >= LOGIN_ATTEMPTS_PER_MINUTE:
        raise TooManyRequests(
            _(
                "Trop de tentatives de connexion pour ce compte. Patientez une minute avant de réessayer."
            )
        )
    attempt = LoginAttempt(key=key)
    session.add(attempt)
    user = session.scalar(select(User).where(User.email == email))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None:
        return LoginOutcome(None, GENERIC_LOGIN_ERROR)
    if not user.is_active:
        return LoginOutcome(
            None, _("Ce compte est suspendu. Contactez la mairie pour en savoir plus.")
        )
    if user.email_confirmed_at is None:
        return LoginOutcome(
            None,
            _("Votre adresse n'est pas encore confirmée : ouvrez le lien reçu par e-mail."),
        )
    attempt.success = True
    return LoginOutcome(user, None)


def start_session(session: Session, *, user: User, settings: Settings, user_agent: str = "") -> str:
    """Open a new server-side session (a new id at every login) and return the cookie value."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AuthSession(
            token_hash=_hash(raw),
            user_id=user.id,  # type: ignore[arg-type]
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


def end_all_sessions(session: Session, *, user_id: int) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))  # type: ignore[union-attr]
        .values(revoked_at=utcnow())
    )


def roles_of(session: Session, user_id: int) -> frozenset[str]:
    return frozenset(session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))


def user_from_request(
    session: Session, request: Request, settings: Settings
) -> tuple[CurrentUser | None, int | None]:
    """The signed-in user from the session cookie, and the session id to touch, if any."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw or len(raw) > 100:
        return None, None
    token_hash = _hash(raw)
    row = session.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)  # type: ignore[arg-type]
        .where(AuthSession.token_hash == token_hash)
    ).first()
    if row is None:
        return None, None
    auth, user = row
    now = utcnow()
    idle_limit = auth.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    if (
        auth.revoked_at is not None
        or auth.expires_at < now
        or idle_limit < now
        or not user.is_active
    ):
        return None, None
    current = CurrentUser(
        id=user.id,  # type: ignore[arg-type]
        display_name=user.display_name,
        email=user.email,
        roles=roles_of(session, user.id),  # type: ignore[arg-type]
        session_id=auth.id,  # type: ignore[arg-type]
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


def request_password_reset(session: Session, *, email: str, settings: Settings) -> None:
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
            f"(valable deux heures) :\n{settings.base_url}/password-reset/confirm?token={raw}\n\n"
            "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n"
        ),
    )


def reset_password(session: Session, *, token: str, password: str) -> User:
    if not check_token(session, token, "reset"):
        raise ValidationFailed(
            _("Ce lien n'est plus valable (déjà utilisé ou expiré). Demandez-en un nouveau.")
        )
    token_row = session.scalar(select(OneTimeToken).where(OneTimeToken.token_hash == _hash(token)))
    assert token_row is not None
    user = session.get(User, token_row.user_id)
    assert user is not None
    check_password(password, email=user.email, display_name=user.display_name)
    _use_token(session, token, "reset")
    user.password_hash = hash_password(password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()  # the mail reached them: the address is theirs
    end_all_sessions(session, user_id=user.id)  # type: ignore[arg-type]
    audit.record(
        session,
        actor_id=user.id,
        action="account.password_reset",
        object_type="user",
        object_id=user.id,
    )
    return user


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
    session.add(user)
    session.flush()
    for role in sorted(wanted | {Role.RESIDENT.value}):
        session.add(UserRole(user_id=user.id, role=role, granted_by=actor_id))
    audit.record(
        session, actor_id=actor_id, action="account.create", object_type="user", object_id=user.id,
        detail={"roles": sorted(wanted)},
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
        session.add(UserRole(user_id=user_id, role=role, granted_by=actor_id))
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


def delete_account(session: Session, *, user_id: int, actor_id: int | None) -> None:
    """Erase personal data but keep the public contributions under a neutral name."""
    user = get_user(session, user_id)
    user.email = f"supprime-{user_id}@invalid.invalid"
    user.display_name = f"Compte supprimé {user_id}"
    user.password_hash = "!"  # noqa: S105 - not a hash: no password matches it
    user.is_active = False
    end_all_sessions(session, user_id=user_id)
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
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))  # type: ignore[union-attr]
    return {int(i): str(n) for i, n in rows}


def users_with_role(session: Session, role: str) -> list[User]:
    stmt = select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role)  # type: ignore[arg-type]
    return list(session.scalars(stmt.order_by(User.id)))  # type: ignore[arg-type]


def email_of(session: Session, user_id: int) -> str | None:
    """For mail only (notifications): never shown on a page."""
    user = session.get(User, user_id)
    return user.email if user and user.is_active else None


@dataclass(frozen=True)
class UserRow:
    id: int
    email: str
    display_name: str
    roles: frozenset[str]
    is_active: bool
    confirmed: bool


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
    )  # type: ignore[arg-type]
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
        )  # type: ignore[arg-type]
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
        )  # type: ignore[union-attr]
    )
    result["sessions"] = r.rowcount or 0  # type: ignore[attr-defined]
    r = session.execute(delete(OneTimeToken).where(OneTimeToken.expires_at < now))
    result["tokens"] = r.rowcount or 0  # type: ignore[attr-defined]
    r = session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(hours=1)))
    result["login_attempts"] = r.rowcount or 0  # type: ignore[attr-defined]
    stale = list(
        session.scalars(
            select(User.id).where(
                User.email_confirmed_at.is_(None),  # type: ignore[union-attr]
                User.created_at < now - unconfirmed_after,
            )
        )
    )
    if stale:
        session.execute(delete(OneTimeToken).where(OneTimeToken.user_id.in_(stale)))  # type: ignore[attr-defined]
        session.execute(delete(UserRole).where(UserRole.user_id.in_(stale)))  # type: ignore[attr-defined]
        session.execute(delete(AuthSession).where(AuthSession.user_id.in_(stale)))  # type: ignore[attr-defined]
        from portal.core_models import AuditEvent

        session.execute(
            update(AuditEvent).where(AuditEvent.actor_id.in_(stale)).values(actor_id=None)
        )  # type: ignore[union-attr]
        session.execute(delete(User).where(User.id.in_(stale)))  # type: ignore[union-attr]
    result["unconfirmed_accounts"] = len(stale)
    return result
