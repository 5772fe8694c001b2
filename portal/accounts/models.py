"""Users, roles, server-side sessions, one-time tokens and login attempts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint, column, func
from sqlmodel import Field, SQLModel

from portal.clock import utcnow


class Role(StrEnum):
    RESIDENT = "resident"
    AGENT = "agent"
    OFFICIAL = "official"
    MODERATOR = "moderator"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.AGENT, Role.OFFICIAL, Role.MODERATOR, Role.ADMIN})


class User(SQLModel, table=True):
    __tablename__ = "accounts_user"
    # Display names are told apart without case ("Claire" is "claire"): the database enforces it,
    # so two sign-ups at the same instant cannot both take one (migration 0007).
    __table_args__ = (
        Index(
            "uq_accounts_user_display_name_lower", func.lower(column("display_name")), unique=True
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    display_name: str = Field(max_length=60, unique=True)
    password_hash: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    email_confirmed_at: datetime | None = None
    is_active: bool = True
    blocked_reason: str | None = Field(default=None, max_length=500)
    language: str | None = Field(default=None, max_length=5)


class UserRole(SQLModel, table=True):
    __tablename__ = "accounts_user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="accounts_user.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=20)
    granted_at: datetime = Field(default_factory=utcnow)
    granted_by: int | None = Field(default=None, foreign_key="accounts_user.id")


class AuthSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "accounts_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="accounts_user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    revoked_at: datetime | None = None
    user_agent: str | None = Field(default=None, max_length=300)


class OneTimeToken(SQLModel, table=True):
    """E-mail confirmation and password reset links."""

    __tablename__ = "accounts_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="accounts_user.id", index=True, ondelete="CASCADE")
    purpose: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    # An e-mail change ("email"): the address that replaces the account's once the link mailed
    # to it is opened (migration 0013).
    new_email: str | None = Field(default=None, max_length=320)


class LoginAttempt(SQLModel, table=True):
    """Shared by every worker so that throttling holds whatever process answers."""

    __tablename__ = "accounts_login_attempt"
    __table_args__ = (Index("ix_accounts_login_attempt_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow)
    success: bool = False  # the password was right: not counted against the limits


class LoginThrottle(SQLModel, table=True):
    """One row per throttled key (an address, a client), locked while an attempt on it is judged.

    Counting the recent failures and recording a new one must be one step: PostgreSQL (READ
    COMMITTED) would otherwise let parallel attempts all count the same past and all be judged.
    """

    __tablename__ = "accounts_login_throttle"

    key: str = Field(primary_key=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
