"""The pages of signing in with a provider: the first sign-in's confirmation, the error page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from portal.accounts.oidc import services, urls
from portal.accounts.oidc.models import OidcLogin
from portal.settings import OidcProvider


@dataclass(frozen=True)
class ConfirmPage:
    provider: str
    label: str
    full_name: str
    email: str
    siret: str
    organisation: str
    is_proconnect: bool
    agent_allowed: bool
    existing_name: str | None  # the account holding the address, linked on confirmation
    display_name: str
    error: str | None = None
    field: str | None = None


def confirm_page(
    session: Session,
    *,
    provider: OidcProvider,
    login: OidcLogin,
    display_name: str | None = None,
    error: str | None = None,
    field: str | None = None,
) -> ConfirmPage:
    claims = login.claims
    existing = services.account_for_email(session, str(claims["email"]))
    return ConfirmPage(
        provider=provider.name,
        label=services.label(provider.name),
        full_name=services.full_name(claims),
        email=str(claims["email"]),
        siret=str(claims.get("siret") or ""),
        organisation=str(claims.get("organizational_unit") or ""),
        is_proconnect=provider.name == "proconnect",
        agent_allowed=services.agent_allowed(provider, claims),
        existing_name=existing.display_name if existing else None,
        display_name=services.suggested_display_name(claims)
        if display_name is None
        else display_name,
        error=error,
        field=field,
    )


@dataclass(frozen=True)
class ErrorPage:
    message: str
    label: str | None  # the provider to try again with, if it is offered here
    retry_url: str | None
    login_url: str


def error_page(message: str, *, provider: OidcProvider | None) -> ErrorPage:
    return ErrorPage(
        message=message,
        label=services.label(provider.name) if provider else None,
        retry_url=urls.start(provider.name) if provider else None,
        login_url="/login",
    )
