"""Outer ASGI middleware: the client behind a trusted proxy, locale, anonymous id for CSRF,
security headers on every response, and the https redirect a proxy asks for."""

from __future__ import annotations

import ipaddress

from starlette.datastructures import Headers
from starlette.responses import RedirectResponse
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
# The same as raw ASGI header pairs, encoded once (every response gets them).
_SECURITY_RAW = tuple((name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items())
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
_ANON_PREFIX = ANON_COOKIE.encode() + b"="
_OURS = frozenset({b"content-language"})
_OURS_SECURE = _OURS | {_HSTS[0]}


class TrustedProxies:
    """The addresses and networks (PORTAL_TRUSTED_PROXIES) whose X-Forwarded-For and
    X-Forwarded-Proto are believed. From any other client those headers are ignored: a visitor
    who forges them changes neither the address the login throttle counts, nor the scheme the
    CSRF origin check and the https redirect read."""

    def __init__(self, entries: tuple[str, ...]) -> None:
        self.networks = [ipaddress.ip_network(e, strict=False) for e in entries]
        # Parsing an address costs more than the rest of this middleware: each client address
        # is looked at once (a bounded memo; the networks never change in a running process).
        self._known: dict[str, bool] = {}

    def __contains__(self, host: object) -> bool:
        key = str(host)
        found = self._known.get(key)
        if found is None:
            found = self._check(key)
            if len(self._known) >= 4096:
                self._known.clear()
            self._known[key] = found
        return found

    def _check(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)


def _header_values(headers: Headers, name: str) -> list[str]:
    """Every comma-separated value of every `name` header, in order (proxies append)."""
    return [v.strip() for raw in headers.getlist(name) for v in raw.split(",") if v.strip()]


def apply_forwarded(scope: Scope, trusted: TrustedProxies) -> bool:
    """Rewrite the scope's client and scheme from X-Forwarded-For/-Proto when the connection
    comes from a trusted proxy; return whether it did. The client is the right-most address
    that is not itself a trusted proxy (the left-most entries are whatever the visitor sent)."""
    client = scope.get("client")
    if not client or client[0] not in trusted:
        return False
    headers = Headers(scope=scope)
    protos = _header_values(headers, "x-forwarded-proto")
    if protos and protos[-1].lower() in {"http", "https"}:
        proto = protos[-1].lower()
        if scope["type"] == "websocket":
            proto = "wss" if proto == "https" else "ws"
        scope["scheme"] = proto
    hops = _header_values(headers, "x-forwarded-for")
    if hops:
        chosen = next((hop for hop in reversed(hops) if hop not in trusted), hops[0])
        scope["client"] = (chosen, 0)
    return True


def _cookie_values(header: str, name: str) -> list[str]:
    """Every value the Cookie header gives `name` (browsers may send one name several times)."""
    values = []
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            values.append(value.strip().strip('"'))
    return values


def _https_redirect(scope: Scope, base_url: str) -> ASGIApp:
    path = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
    query = scope.get("query_string", b"").decode("latin-1")
    target = base_url.rstrip("/") + path + (f"?{query}" if query else "")
    return RedirectResponse(target, status_code=308)


class PortalMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.trusted = TrustedProxies(settings.trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        proxied = apply_forwarded(scope, self.trusted)
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if proxied and scope["scheme"] == "http" and self.settings.secure_cookies:
            # The proxy says the visitor came over plain http to an https site: send them to
            # the https address (a forged header from anyone else never gets here).
            await _https_redirect(scope, self.settings.base_url)(scope, receive, send)
            return
        cookie_header = headers.get("cookie", "")
        # The last value sent under the name wins, as with http.cookies (which costs more than
        # all the rest of this middleware); choose_locale accepts only a language we have.
        lang_values = _cookie_values(cookie_header, i18n.LANG_COOKIE)
        lang_cookie = lang_values[-1] if lang_values else None
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
                for value in _cookie_values(cookie_header, ANON_COOKIE)
                if (found := read_anon_cookie(value, self.settings.secret_key))
            ),
            None,
        )
        new_anon = None
        if anon is None:
            anon, new_anon = new_anon_cookie(self.settings.secret_key)
        scope.setdefault("state", {})["anon_id"] = anon
        secure = self.settings.secure_cookies

        language = locale.encode()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                # On the raw header pairs (names are lower-case bytes in ASGI): a route's own
                # value of a security header is kept; Content-Language (and HSTS on https) ours.
                ours = _OURS_SECURE if secure else _OURS
                raw = [
                    (name, bytes(v))
                    for k, v in message.get("headers", ())
                    if (name := bytes(k).lower()) not in ours
                ]
                present = {k for k, _v in raw}
                raw += [pair for pair in _SECURITY_RAW if pair[0] not in present]
                if secure:
                    raw.append(_HSTS)
                raw.append((b"content-language", language))
                rotated = any(
                    k == b"set-cookie" and v.startswith(_ANON_PREFIX) for k, v in raw
                )  # the route gave a new id (login, logout): that one wins
                if new_anon and not rotated:
                    raw.append(
                        (b"set-cookie", anon_cookie_header(new_anon, secure=secure).encode())
                    )
                message["headers"] = raw
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
