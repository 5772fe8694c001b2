"""The portal's ASGI layer: the client behind a trusted proxy, locale, anonymous id for CSRF,
allowed hosts, body limit, exception handlers, security headers on every response, and the
https redirect a proxy asks for; `PortalApp` puts it alone between Starlette's
ServerErrorMiddleware and the router."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from starlette._utils import parse_host_header
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.nlp import french
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


def _header_values(raw_values: list[bytes]) -> list[str]:
    """Every comma-separated value of every header given, in order (proxies append)."""
    return [v.strip() for raw in raw_values for v in raw.decode("latin-1").split(",") if v.strip()]


def apply_forwarded(scope: Scope, trusted: TrustedProxies) -> bool:
    """Rewrite the scope's client and scheme from X-Forwarded-For/-Proto when the connection
    comes from a trusted proxy; return whether it did. The client is the right-most address
    that is not itself a trusted proxy (the left-most entries are whatever the visitor sent)."""
    client = scope.get("client")
    if not client or client[0] not in trusted:
        return False
    forwarded_proto: list[bytes] = []
    forwarded_for: list[bytes] = []
    for name, value in scope["headers"]:
        if name == b"x-forwarded-proto":
            forwarded_proto.append(value)
        elif name == b"x-forwarded-for":
            forwarded_for.append(value)
    protos = _header_values(forwarded_proto)
    if protos and protos[-1].lower() in {"http", "https"}:
        proto = protos[-1].lower()
        if scope["type"] == "websocket":
            proto = "wss" if proto == "https" else "ws"
        scope["scheme"] = proto
    hops = _header_values(forwarded_for)
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


# Security headers every response gets, as raw pairs, by name (a route's own value is kept).
_SECURITY_NAMES = frozenset(name for name, _value in _SECURITY_RAW)
# Request headers this layer reads, found in one pass over the raw pairs.
_WANTED = frozenset(
    {b"host", b"cookie", b"accept-language", b"content-length", b"transfer-encoding"}
)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MEMO_ENTRIES = 256


def _first_headers(scope: Scope) -> dict[bytes, bytes]:
    """The first value of each header this layer reads (as `Headers.get` gives it)."""
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        if name in _WANTED and name not in found:
            found[name] = value
    return found


def _lookup_handler(handlers: dict[Any, Any], exc: Exception) -> Any:
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None


class PortalMiddleware:
    """The portal's one ASGI layer around the router (Starlette's ServerErrorMiddleware stays
    outside it): the client and scheme from a trusted proxy, the https redirect, the visitor's
    language and anonymous id, the allowed hosts (as Starlette's TrustedHostMiddleware), the body
    size limit (as RequestBodyLimitMiddleware), the exception handlers (as ExceptionMiddleware),
    the 500 page, and the security headers of every response.

    One layer instead of five (each an ASGI wrapper with its own `send` wrapper, parsing the
    headers again): about a quarter of an anonymous shared page's CPU went to them (issue 18).
    Whatever is unusual is handed to Starlette's own middleware, so it behaves as before: a host
    not seen allowed goes through TrustedHostMiddleware (400, or the www. redirect), a request
    that can carry a body through RequestBodyLimitMiddleware."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        exception_handlers: dict[Any, Any] | None = None,
    ) -> None:
        self.app = app
        self.settings = settings
        self.trusted = TrustedProxies(settings.trusted_proxies)
        handlers = dict(exception_handlers or {})
        # What ExceptionMiddleware puts in the scope for the routes (request_response), and
        # uses itself for what fails outside a route (an unknown path, a wrong method).
        self._exception_handlers = {
            HTTPException: _plain_http_exception,
            **{k: v for k, v in handlers.items() if not isinstance(k, int)},
        }
        self._status_handlers = {k: v for k, v in handlers.items() if isinstance(k, int)}
        self._handlers_scope = (self._exception_handlers, self._status_handlers)
        # Requests that can carry a body get Starlette's own limit; the rest cannot exceed it.
        self._limited = RequestBodyLimitMiddleware(app, max_body_size=settings.max_body_bytes)
        hosts = list(settings.allowed_hosts)
        # A host not known to be allowed goes through Starlette's check, which answers it.
        self._host_check = TrustedHostMiddleware(self._limited, allowed_hosts=hosts)
        # Websockets (the portal has none) take the whole former stack.
        self._other = TrustedHostMiddleware(
            RequestBodyLimitMiddleware(
                ExceptionMiddleware(app, handlers=handlers), max_body_size=settings.max_body_bytes
            ),
            allowed_hosts=hosts,
        )
        self._allowed_patterns = [pattern.lower() for pattern in hosts]
        self._allow_any = "*" in hosts
        self._hosts_seen: dict[bytes | None, bool] = {}
        self._anon_seen: dict[str, str] = {}
        self._secure = settings.secure_cookies
        self._language_default = settings.language
        self._locales_seen: dict[tuple[str | None, str | None], str] = {}

    def _host_allowed(self, raw: bytes | None) -> bool:
        """TrustedHostMiddleware's rule, remembered per Host value (a bounded memo)."""
        found = self._hosts_seen.get(raw)
        if found is None:
            if self._allow_any:
                found = True
            else:
                parsed = parse_host_header(raw.decode("latin-1") if raw is not None else None)
                host = parsed.host.lower() if parsed is not None else None
                found = host is not None and any(
                    host == p or (p.startswith("*") and host.endswith(p[1:]))
                    for p in self._allowed_patterns
                )
            if len(self._hosts_seen) >= _MEMO_ENTRIES:
                self._hosts_seen.clear()
            self._hosts_seen[raw] = found
        return found

    def _locale(self, cookie: str | None, accept_language: str | None) -> str:
        key = (cookie, accept_language)
        found = self._locales_seen.get(key)
        if found is None:
            found = i18n.choose_locale(cookie, accept_language, self._language_default)
            if len(accept_language or "") > 256:
                return found  # what browsers send is short; a made-up header is not kept
            if len(self._locales_seen) >= _MEMO_ENTRIES:
                self._locales_seen.clear()
            self._locales_seen[key] = found
        return found

    def _anon_id(self, cookie_header: str) -> str | None:
        """The anonymous id of a cookie we signed (each value checked once per process: a
        bounded memo of the values whose signature held)."""
        for value in _cookie_values(cookie_header, ANON_COOKIE):
            found = self._anon_seen.get(value)
            if found is None:
                found = read_anon_cookie(value, self.settings.secret_key)
                if found is None:
                    continue
                if len(self._anon_seen) >= 4096:
                    self._anon_seen.clear()
                self._anon_seen[value] = found
            return found
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http":
            if kind == "websocket":
                apply_forwarded(scope, self.trusted)
                await self._other(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        proxied = apply_forwarded(scope, self.trusted)
        if proxied and scope["scheme"] == "http" and self._secure:
            # The proxy says the visitor came over plain http to an https site: send them to
            # the https address (a forged header from anyone else never gets here).
            await _https_redirect(scope, self.settings.base_url)(scope, receive, send)
            return
        headers = _first_headers(scope)
        raw_cookie = headers.get(b"cookie")
        cookie_header = raw_cookie.decode("latin-1") if raw_cookie else ""
        # The last value sent under the name wins, as with http.cookies (which costs more than
        # all the rest of this middleware); choose_locale accepts only a language we have.
        lang_values = _cookie_values(cookie_header, i18n.LANG_COOKIE) if cookie_header else []
        raw_accept = headers.get(b"accept-language")
        locale = self._locale(
            lang_values[-1] if lang_values else None,
            raw_accept.decode("latin-1") if raw_accept is not None else None,
        )
        token = i18n.current_locale.set(locale)
        thesaurus_scope = french.request_scope()
        # The anonymous id is ours only if we signed it: a planted or unsigned one is replaced.
        # A cookie planted from a sibling domain is sent beside ours under the same name, so
        # every value is tried, not just the one a cookie parser happens to keep.
        anon = self._anon_id(cookie_header) if cookie_header else None
        new_anon = None
        if anon is None:
            anon, new_anon = new_anon_cookie(self.settings.secret_key)
        scope.setdefault("state", {})["anon_id"] = anon
        secure = self._secure
        ours = _OURS_SECURE if secure else _OURS
        language = (b"content-language", locale.encode())
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                # On the raw header pairs (names are lower-case bytes in ASGI): a route's own
                # value of a security header is kept; Content-Language (and HSTS on https) ours.
                raw = []
                present = set()
                rotated = False  # the route gave a new id (login, logout): that one wins
                for k, v in message.get("headers", ()):
                    name = bytes(k).lower()
                    if name in ours:
                        continue
                    value = bytes(v)
                    if name in _SECURITY_NAMES:
                        present.add(name)
                    elif name == b"set-cookie" and value.startswith(_ANON_PREFIX):
                        rotated = True
                    raw.append((name, value))
                if present:
                    raw += [pair for pair in _SECURITY_RAW if pair[0] not in present]
                else:
                    raw += _SECURITY_RAW
                if secure:
                    raw.append(_HSTS)
                raw.append(language)
                if new_anon and not rotated:
                    raw.append(
                        (b"set-cookie", anon_cookie_header(new_anon, secure=secure).encode())
                    )
                message["headers"] = raw
            await send(message)

        try:
            declared = headers.get(b"content-length", b"")
            if declared.isdigit() and int(declared) > self.settings.max_body_bytes:
                # Refuse before reading a byte; a streamed body is limited below.
                from portal.web.errors import error_response

                response = error_response(Request(scope, receive), 413)
                await response(scope, receive, send_wrapper)
                return
            if not self._host_allowed(headers.get(b"host")):
                app: ASGIApp = self._host_check
            elif (
                scope["method"] in _SAFE_METHODS
                and b"content-length" not in headers
                and b"transfer-encoding" not in headers
            ):
                app = self.app  # no body can come: nothing to limit
            else:
                app = self._limited
            scope["starlette.exception_handlers"] = self._handlers_scope
            await self._run(app, scope, receive, send_wrapper, lambda: started)
        finally:
            i18n.current_locale.reset(token)
            french.end_request_scope(thesaurus_scope)

    async def _run(
        self,
        app: ASGIApp,
        scope: Scope,
        receive: Receive,
        send: Send,
        started: Callable[[], bool],
    ) -> None:
        try:
            await app(scope, receive, send)
        except Exception as exc:
            handler = None
            if isinstance(exc, HTTPException):
                handler = self._status_handlers.get(exc.status_code)
            if handler is None:
                handler = _lookup_handler(self._exception_handlers, exc)
            if started():
                if handler is not None:
                    raise RuntimeError(
                        "Caught handled exception, but response already started."
                    ) from exc
                raise
            request = Request(scope, receive)
            if handler is not None:
                # What ExceptionMiddleware did for errors outside a route (404, 405).
                response = await handler(request, exc)
                exc.__traceback__ = None
            else:
                # Render the 500 page here, inside this middleware, so it gets the security
                # headers and the visitor's language like every other page.
                from portal.web.errors import server_error

                response = await server_error(request, exc)
            if response is not None:
                await response(scope, receive, send)


async def _plain_http_exception(request: Request, exc: Exception) -> Response:
    """ExceptionMiddleware's own answer to an HTTPException, when no handler is given."""
    assert isinstance(exc, HTTPException)
    if exc.status_code in {204, 304}:
        return Response(status_code=exc.status_code, headers=exc.headers)
    return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)


class PortalApp(Starlette):
    """Starlette with one middleware layer of ours: ServerErrorMiddleware, then PortalMiddleware
    (given the app's exception handlers), then the router. Starlette's own stack would add
    ExceptionMiddleware, and each user middleware is a layer of its own."""

    def __init__(self, *, settings: Settings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portal_settings = settings

    def build_middleware_stack(self) -> ASGIApp:
        handlers = {k: v for k, v in self.exception_handlers.items() if k not in (500, Exception)}
        error_handler = self.exception_handlers.get(500) or self.exception_handlers.get(Exception)
        app: ASGIApp = PortalMiddleware(
            self.router, self.portal_settings, exception_handlers=handlers
        )
        for cls, args, kwargs in reversed(self.user_middleware):
            app = cls(app, *args, **kwargs)
        return ServerErrorMiddleware(app, handler=error_handler, debug=self.debug)
