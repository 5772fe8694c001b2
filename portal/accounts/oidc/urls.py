"""The addresses of signing in with a provider, in one place."""

from __future__ import annotations

from urllib.parse import urlencode

PREFIX = "/login/oidc"
CONFIRM = f"{PREFIX}/confirm"
LOGOUT = f"{PREFIX}/logout"
LOGGED_OUT = f"{PREFIX}/logged-out"


def start(provider: str, next_url: str = "/") -> str:
    query = f"?{urlencode({'next': next_url})}" if next_url and next_url != "/" else ""
    return f"{PREFIX}/{provider}{query}"


def callback(provider: str) -> str:
    return f"{PREFIX}/{provider}/callback"
