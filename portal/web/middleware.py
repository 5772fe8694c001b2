"""Outer ASGI middleware: locale, anonymous id for CSRF, security headers on every response."""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.settings import Settings
from portal.web import i18n
from portal.web.csrf import ANON_COOKIE, anon_cookie_header, new_anon_cookie, read_anon_cookie

# htmx is loaded from /static and configured by a <meta> tag, so no inline script or style is needed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "cross-origin-opener-policy": "same-origin",
}


def _cookie_values(header: str, name: str) -> list[str]:
    """Every value the Cookie header gives `name` (browsers may send one name several times)."""
    values = []
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            values.append(value.strip().strip('"'))
    return values


class PortalMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookies: SimpleCookie = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:  # noqa: BLE001 - a malformed cookie header is the client's problem
            cookies = SimpleCookie()
        lang_cookie = cookies[i18n.LANG_COOKIE].value if i18n.LANG_COOKIE in cookies else None
        locale = i18n.choose_locale(
            lang_cookie, headers.get("accept-language"), self.settings.language
        )
        token = i18n.current_locale.set(locale)
        # The anonymous id is ours only if we signed it: a planted or unsigned one is replaced.
        # A cookie planted from a sibling domain is sent beside ours under the same name, so
        # every value is tried, not just the one a cookie parser happens to keep.
        anon = next(
            (
                found
                for value in _cookie_values(headers.get("cookie", ""), ANON_COOKIE)
                if (found := read_anon_cookie(value, self.settings.secret_key))
            ),
            None,
        )
        new_anon = None
        if anon is None:
            anon, new_anon = new_anon_cookie(self.settings.secret_key)
        scope.setdefault("state", {})["anon_id"] = anon
        secure = self.settings.secure_cookies

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in out:
                        out[name] = value
                if secure:
                    out["strict-transport-security"] = "max-age=31536000; includeSubDomains"
                out["content-language"] = locale
                rotated = any(
                    c.startswith(ANON_COOKIE + "=") for c in out.getlist("set-cookie")
                )  # the route gave a new id (login, logout): that one wins
                if new_anon and not rotated:
                    out.append("set-cookie", anon_cookie_header(new_anon, secure=secure))
            await send(message)

        started = False
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.settings.max_body_bytes:
            # Refuse before reading a byte; the streaming case is caught by the body-limit middleware.
            from starlette.requests import Request

            from portal.web.errors import error_response

            try:
                response = error_response(Request(scope, receive), 413)
                await response(scope, receive, send_wrapper)
            finally:
                i18n.current_locale.reset(token)
            return

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send_wrapper(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as exc:
            # Render the 500 page here, inside this middleware, so it gets the security
            # headers and the visitor's language like every other page.
            if started:
                raise
            from starlette.requests import Request

            from portal.web.errors import server_error

            response = await server_error(Request(scope, receive), exc)
            await response(scope, receive, send_wrapper)
        finally:
            i18n.current_locale.reset(token)
