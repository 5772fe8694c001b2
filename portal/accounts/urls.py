"""The accounts' addresses, in one place: code builds links with these, never by hand."""

from __future__ import annotations

from urllib.parse import quote


def confirm(token: str) -> str:
    return f"/signup/confirm?token={quote(token)}"


def reset(token: str) -> str:
    return f"/password-reset/confirm?token={quote(token)}"


def confirm_email_change(token: str) -> str:
    return f"/account/email/confirm?token={quote(token)}"


def invitation(token: str) -> str:
    return f"/account/invitation?token={quote(token)}"


ACCOUNT = "/account"
RESET_REQUEST = "/password-reset"
