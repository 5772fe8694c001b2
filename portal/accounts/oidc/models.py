"""Identities held at an OpenID provider (FranceConnect, ProConnect) and sign-ins through them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.clock import utcnow


class OidcIdentity(SQLModel, table=True):
    """A person as a provider knows them (`sub` is unique per issuer), linked to one account."""

    __tablename__ = "accounts_oidc_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=30)
    issuer: str = Field(max_length=300)
    subject: str = Field(max_length=255)
    user_id: int = Field(foreign_key="accounts_user.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=320)
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime = Field(default_factory=utcnow)


class OidcLogin(SQLModel, table=True):
    """One sign-in through a provider, from the redirect to it until the session it opened.

    The `state` travels to the provider and back; only its SHA-256 is kept, with the SHA-256 of a
    random value in a cookie of the browser that left (`browser_hash`): a state brought back by
    another browser, or a second time, matches nothing. Once back, the verified claims wait here
    for the person to confirm a first sign-in; the ID token stays for the logout (`id_token_hint`).
    """

    __tablename__ = "accounts_oidc_login"

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=30)
    state_hash: str = Field(max_length=64, unique=True)
    browser_hash: str = Field(max_length=64, index=True)
    nonce: str = Field(max_length=128)
    code_verifier: str = Field(max_length=128)
    next_url: str = Field(default="/", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    returned_at: datetime | None = None
    issuer: str | None = Field(default=None, max_length=300)
    subject: str | None = Field(default=None, max_length=255)
    claims: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    id_token: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    finished_at: datetime | None = None
    auth_session_id: int | None = Field(
        default=None, foreign_key="accounts_session.id", index=True, ondelete="CASCADE"
    )
