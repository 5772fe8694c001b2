"""`route()`: path, methods and permission declared together; the wrapper runs each request.

A request's life: the body is parsed on the event loop; then one database session is opened, the
user loaded from the session cookie, CSRF checked on unsafe methods, the permission checked, the
handler called, and the session committed once (rolled back on any error).

Handlers are plain functions `handler(request) -> Response`. Writes (and any route declared
`threaded=True`, for slow reads such as search) run in a worker thread, so SQLite's busy wait never
stalls the event loop. Other reads run inline: they are a few indexed queries, and skipping the
thread hop roughly halves the cost of a page. The session "last seen" write of a read always goes
to a thread. A CPU-bound page (`cpu_bound=True`) is first tried inline too: its handler raises
`NeedsThread` before any work worth a thread when it cannot answer from what is kept (a shared
page of the current generation), and is then run again in its threads.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import json
import re
import string
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import anyio
import anyio.to_thread
from sqlalchemy.exc import DataError
from starlette.concurrency import run_in_threadpool
from starlette.convertors import IntegerConvertor, register_url_convertor
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.db import session_scope
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.text import decoded_variants, has_url_tricks, normalise_input
from portal.web import csrf, i18n
from portal.web.cache import CachedPage, new_marker, request_target, split_at_marker
from portal.web.i18n import N_
from portal.web.i18n import gettext as _
from portal.web.permissions import Permission

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FLASH_COOKIE = "portal_flash"
SESSION_COOKIE = "portal_session"

Handler = Callable[[Request], Response]


class LoginRequired(DomainError):
    status_code = 401
    title = N_("Connexion nécessaire")


class NeedsThread(Exception):
    """Raised by a CPU-bound page's handler tried on the event loop (`on_event_loop`) when its
    answer takes more than reading what is kept: the request is handled again in a thread."""


def on_event_loop(request: Request) -> bool:
    """Whether this handler runs on the event loop, where it may only answer quickly."""
    return bool(getattr(request.state, "on_event_loop", False))


class PortalRoute(Route):
    """A Starlette route that remembers the permission it was declared with."""

    permission: Permission
    csrf_exempt: bool


def cpu_bound_threads(app: Any) -> int:
    """Settings cpu_bound_threads, or its default: none (0: on the event loop itself)."""
    threads: int | None = app.state.settings.cpu_bound_threads
    return 0 if threads is None else threads


def _cpu_bound_limiter(app: Any) -> anyio.CapacityLimiter | None:
    """The threads of this process's CPU-bound pages (settings cpu_bound_threads; by default
    none), one limiter per event loop (a test client runs its own)."""
    threads = cpu_bound_threads(app)
    loop = asyncio.get_running_loop()
    kept = getattr(app.state, "cpu_bound_limiter", None)
    if kept is None or kept[0] is not loop:
        kept = (loop, anyio.CapacityLimiter(threads))
        app.state.cpu_bound_limiter = kept
    limiter: anyio.CapacityLimiter = kept[1]
    return limiter


async def _in_thread(
    request: Request, handler: Handler, permission: Permission
) -> tuple[Response, int | None]:
    """`_handle_guarded` in the process's CPU-bound threads (or the thread pool; with none, on
    the event loop)."""
    if cpu_bound_threads(request.app) == 0:
        return _handle_guarded(request, handler, permission)
    limiter = _cpu_bound_limiter(request.app)
    if limiter is None:
        return await run_in_threadpool(_handle_guarded, request, handler, permission)
    return await anyio.to_thread.run_sync(
        functools.partial(_handle_guarded, request, handler, permission), limiter=limiter
    )


def route(
    path: str,
    handler: Handler,
    *,
    permission: Permission,
    methods: Sequence[str] = ("GET",),
    name: str | None = None,
    threaded: bool = False,
    cpu_bound: bool = False,
    inline_first: bool = False,
    cache_seconds: float = 0,
    csrf_exempt: bool = False,
) -> PortalRoute:
    """Declare a route. `cache_seconds` lets anonymous visitors share a rendered page that long
    (see portal/web/cache.py); use it for public pages that are the same for every visitor.

    `csrf_exempt` is only for a POST whose authority is an unguessable token in its own URL and
    that a program, not a page of ours, sends: the one-click unsubscribe of mail clients (RFC 8058).

    `threaded` runs a GET in the thread pool (a page too slow for the event loop); with
    `cpu_bound` too, in the process's few threads for pages whose time is Python's own (settings
    cpu_bound_threads): many threads on them contend for the interpreter (with none, the
    default on SQLite, on the event loop). Only for pages that read: a write waiting for a lock
    would hold one of those few threads. `inline_first` (with `cpu_bound`, when there are such
    threads): the handler is tried on the event loop first, and raises `NeedsThread` there
    (see `on_event_loop`) unless it answers from what is kept.
    """

    async def endpoint(request: Request) -> Response:
        request.state.form = FormData()
        request.state.csrf_exempt = csrf_exempt
        # The raw query string is still percent-encoded: a NUL arrives as %00.
        _refuse_nul(request.scope["path"], request_target(request.scope)[1].replace("%00", "\x00"))
        _refuse_bad_bytes(request.scope.get("raw_path") or b"", request.scope["query_string"])
        _refuse_huge_numbers(request)
        cache_key = _cache_key(request) if cache_seconds else None
        if cache_key is not None:
            cached = request.app.state.page_cache.get(cache_key)
            if cached is not None:
                return _from_cache(request, cached)
            request.state.caching = True
        if request.method not in SAFE_METHODS:
            content_type = request.headers.get("content-type", "")
            if content_type.startswith("application/x-www-form-urlencoded"):
                # Read whole (and checked) here: a form that would be cut off mid-body makes the
                # server close the connection while the browser is still sending (a reset).
                body = await _read_form_body(request)
                _refuse_bad_bytes(body)
                request._body = body  # what request.form() parses below
            if content_type.startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                try:
                    request.state.form = await request.form(max_files=10, max_fields=300)
                except Exception as exc:
                    if getattr(exc, "status_code", None) == 413:
                        raise
                    raise ValidationFailed(_("Le formulaire envoyé est illisible.")) from exc
                _refuse_nul(*(v for v in request.state.form.values() if isinstance(v, str)))
                request.state.form = _normalised(request.state.form)
            response, touch = await run_in_threadpool(_handle_guarded, request, handler, permission)
        elif cpu_bound and inline_first and cpu_bound_threads(request.app) > 0:
            # Inline first: a page the handler can serve from what is kept (a shared page of the
            # current generation) costs no thread hop; otherwise it says so before working.
            request.state.on_event_loop = True
            try:
                response, touch = _handle_guarded(request, handler, permission)
            except NeedsThread:
                request.state.on_event_loop = False
                response, touch = await _in_thread(request, handler, permission)
            finally:
                request.state.on_event_loop = False
        elif cpu_bound:
            response, touch = await _in_thread(request, handler, permission)
        elif threaded:
            response, touch = await run_in_threadpool(_handle_guarded, request, handler, permission)
        else:
            response, touch = _handle_guarded(request, handler, permission)
        if touch is not None:
            authenticator = request.app.state.authenticator
            await run_in_threadpool(authenticator.touch, request.app.state.engine, touch)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            request.app.state.page_cache.clear()
        if cache_key is not None:
            return _store_in_cache(request, cache_key, response, cache_seconds)
        return response

    r = PortalRoute(path, endpoint, methods=list(methods), name=name or handler.__name__)
    r.permission = permission
    r.csrf_exempt = csrf_exempt
    return r


class BoundedIntConvertor(IntegerConvertor):
    """`{id:int}` matches 1 to 19 digits: a longer number is no page of ours (404), and never
    reaches int(), which refuses strings beyond 4,300 digits with an error (a 500)."""

    regex = "[0-9]{1,19}"


# For every route declared after this module is imported, which is all of them (route() is here).
register_url_convertor("int", BoundedIntConvertor())


class BadRequest(DomainError):
    status_code = 400
    title = N_("Demande invalide")


class BodyTooLarge(DomainError):
    status_code = 413
    title = N_("Envoi trop volumineux")


# A form of the portal is text typed by a person (an entry of the register is the longest, a few
# dozen kB); files come as multipart and keep the larger limit of the settings (max_body_bytes).
MAX_FORM_BYTES = 1024 * 1024
# Every id, page and version number the portal stores fits in a signed 64-bit integer.
MAX_NUMBER = 2**63 - 1
_DIGITS = re.compile(r"[+-]?[0-9]+")


async def _read_form_body(request: Request) -> bytes:
    """The url-encoded body, or BodyTooLarge after reading it to its end (answering before the
    browser has sent everything makes the connection reset instead of showing the 413 page);
    the body-limit middleware still stops anything beyond the settings' max_body_bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= MAX_FORM_BYTES:
            chunks.append(chunk)
    if size > MAX_FORM_BYTES:
        raise BodyTooLarge(_("Le formulaire envoyé dépasse la taille permise (1 Mo)."))
    return b"".join(chunks)


def _refuse_bad_bytes(*raw: bytes) -> None:
    """A path, query or url-encoded form whose bytes, once percent-decoded, are not UTF-8 (%FF,
    overlong forms such as %C0%AF, encoded surrogates such as %ED%A0%80) is refused: decoding
    would turn them silently into other characters."""
    for value in raw:
        try:
            unquote_to_bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest(
                _("La demande contient des octets qui ne sont pas du texte UTF-8 valide.")
            ) from None


def _refuse_huge_numbers(request: Request) -> None:
    """A number no row can have (an id, a page, a version beyond 64 bits) in the path is a page
    that does not exist; in the query it is a bad request. Both databases would otherwise fail
    on it differently (an overflow in SQLite, an out-of-range error in PostgreSQL)."""
    for value in request.path_params.values():
        if isinstance(value, int) and not -MAX_NUMBER <= value <= MAX_NUMBER:
            raise NotFound(_("La page demandée n'existe pas."))
    if not request.scope["query_string"]:
        return  # no query to parse (most views of most pages)
    for value in request.query_params.values():
        number = value.strip()
        digits = number.lstrip("+-0")
        # 19 digits at least to go past 2**63 - 1; int() only on a short string (int() of a
        # very long one is itself slow, and refused beyond 4,300 digits).
        if (
            _DIGITS.fullmatch(number)
            and len(digits) >= 19
            and (len(digits) > 19 or int(digits) > MAX_NUMBER)
        ):
            raise BadRequest(_("Un nombre de la demande dépasse les valeurs possibles."))


def _handle_guarded(
    request: Request, handler: Handler, permission: Permission
) -> tuple[Response, int | None]:
    """`_handle`, with a number too large for the database (one computed from a page number,
    say) answered as a bad request rather than a server error."""
    try:
        return _handle(request, handler, permission)
    except (OverflowError, DataError) as exc:
        if isinstance(exc, DataError) and "out of range" not in str(exc.orig):
            raise
        raise BadRequest(_("Un nombre de la demande dépasse les valeurs possibles.")) from exc


# Fields whose value is a secret or a token, compared as sent: never normalised.
_VERBATIM = re.compile(r"password|(^|_)token$")


def _normalised(form: FormData) -> FormData:
    """Every text field of a form as `portal.text.normalise_input` makes it (CRLF to LF, NFC, no
    trailing spaces or control characters), so no handler or service sees a browser's line ends.
    Files, passwords and tokens are left as they came."""
    return FormData(
        [
            (
                name,
                normalise_input(value)
                if isinstance(value, str) and not _VERBATIM.search(name)
                else value,
            )
            for name, value in form.multi_items()
        ]
    )


def _refuse_nul(*values: str) -> None:
    """No text with a NUL character gets in: PostgreSQL refuses it, and no person types one."""
    if any("\x00" in v for v in values):
        raise ValidationFailed(_("La demande contient un caractère invalide (caractère nul)."))


def _handle(
    request: Request, handler: Handler, permission: Permission
) -> tuple[Response, int | None]:
    app_state = request.app.state
    settings = app_state.settings
    unsafe = request.method not in SAFE_METHODS
    touch: int | None = None
    with session_scope(app_state.engine, write=unsafe) as db:
        request.state.db = db
        user, touch = app_state.authenticator.user_for(db, request, settings)
        request.state.user = user
        if getattr(request.state, "caching", False) and user is None:
            # A render that may be shared: the token is a per-render secret marker (cache.py).
            request.state.csrf_marker = request.state.csrf_token = new_marker()
        else:
            request.state.csrf_token = csrf.token_for(request, settings.secret_key)
        request.state.flashes = read_flashes(request, settings.secret_key)
        request.state.new_flashes = []
        if unsafe and not request.state.csrf_exempt:
            submitted = request.state.form.get(csrf.FIELD) or request.headers.get(csrf.HEADER)
            csrf.verify(request, settings.secret_key, settings.base_url, submitted)
        if not permission.allows(user.roles if user else frozenset(), authenticated=bool(user)):
            if user is None:
                raise LoginRequired(_("Connectez-vous pour accéder à cette page."))
            raise Forbidden(_("Votre compte n'a pas le droit de faire cette action."))
        try:
            response = handler(request)
        except Exception:
            # The error page is never shared: it gets the visitor's own token, not the marker.
            request.state.csrf_token = csrf.token_for(request, settings.secret_key)
            request.state.csrf_marker = None
            raise
    finish_response(request, response)
    return response, touch


def _cache_key(request: Request) -> tuple[str, str, str] | None:
    if request.method != "GET":
        return None
    cookies = request.cookies
    if SESSION_COOKIE in cookies or FLASH_COOKIE in cookies or request.headers.get("HX-Request"):
        return None
    return (*request_target(request.scope), i18n.current_locale.get())


def _from_cache(request: Request, page: CachedPage) -> Response:
    token = csrf.token_for(request, request.app.state.settings.secret_key)
    response = Response(page.body_for(token), page.status, media_type=page.media_type)
    response.raw_headers.extend(page.headers)
    return response


def _store_in_cache(
    request: Request, key: tuple[str, str, str], response: Response, seconds: float
) -> Response:
    marker: str | None = getattr(request.state, "csrf_marker", None)
    if marker is None or not hasattr(response, "body"):
        # Signed in (the real token was rendered), or a streamed export (no form in it).
        return response
    page = CachedPage(
        expires_at=time.monotonic() + seconds,
        status=response.status_code,
        segments=split_at_marker(bytes(response.body), marker),
        media_type=response.media_type or "text/html",
        headers=tuple(
            (k, v) for k, v in response.raw_headers if k not in {b"content-length", b"content-type"}
        ),
    )
    if response.status_code != 200 or "set-cookie" in response.headers:
        # Not shared (an error page, a cookie set), yet rendered with the marker all the same.
        token = csrf.token_for(request, request.app.state.settings.secret_key)
        response.body = page.body_for(token)
        response.headers["content-length"] = str(len(response.body))
        return response
    request.app.state.page_cache.put(key, page)
    return _from_cache(request, page)


# Pages hold a per-visitor CSRF token and change with the session cookie and the language: no
# shared proxy may store them (`private`), a browser revalidates anonymous ones (`no-cache`), and
# nothing rendered for a signed-in person is written to any disk (`no-store`).
ANONYMOUS_CACHE_CONTROL = "private, no-cache"
PERSONAL_CACHE_CONTROL = "private, no-store"
VARY = ("Cookie", "Accept-Language")


_CACHE_CONTROL_RAW = {
    True: (b"cache-control", PERSONAL_CACHE_CONTROL.encode()),
    False: (b"cache-control", ANONYMOUS_CACHE_CONTROL.encode()),
}
_VARY_RAW = (b"vary", ", ".join(VARY).encode())


def set_cache_headers(response: Response, *, personal: bool) -> None:
    """Cache-Control and Vary of every page, error pages included (see errors.py)."""
    raw = response.raw_headers
    if not any(k == b"cache-control" or k == b"vary" for k, _v in raw):
        # The usual case, on the raw pairs (names are lower-case bytes): the same two headers
        # the general case below writes, without building MutableHeaders four times.
        raw.append(_CACHE_CONTROL_RAW[personal])
        raw.append(_VARY_RAW)
        return
    if personal:
        response.headers["Cache-Control"] = PERSONAL_CACHE_CONTROL
    elif "cache-control" not in response.headers:
        response.headers["Cache-Control"] = ANONYMOUS_CACHE_CONTROL
    vary = [v.strip() for v in response.headers.get("vary", "").split(",") if v.strip()]
    vary += [v for v in VARY if v.lower() not in {x.lower() for x in vary}]
    response.headers["Vary"] = ", ".join(vary)


def finish_response(request: Request, response: Response) -> None:
    settings = request.app.state.settings
    set_cache_headers(response, personal=getattr(request.state, "user", None) is not None)
    new = getattr(request.state, "new_flashes", [])
    if new:
        response.set_cookie(
            FLASH_COOKIE,
            _sign_flashes(new, settings.secret_key),
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
        )
    elif getattr(request.state, "flashes", None) and response.status_code < 300:
        response.delete_cookie(FLASH_COOKIE)


def flash(request: Request, message: str, kind: str = "success") -> None:
    """Show `message` on the next page this browser sees (works across a redirect, no JS)."""
    request.state.new_flashes.append({"kind": kind, "message": message})


def _sign_flashes(flashes: list[dict[str, str]], secret: str) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(flashes).encode()).decode()
    sig = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{payload}.{sig}"


def read_flashes(request: Request, secret: str) -> list[dict[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or "." not in raw:
        return []
    payload, sig = raw.rsplit(".", 1)
    expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(sig, expected):
        return []
    try:
        data: Any = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except ValueError:
        return []
    return [f for f in data if isinstance(f, dict)][:5] if isinstance(data, list) else []


def redirect(url: str, request: Request | None = None) -> Response:
    """303 after a POST; an htmx request gets HX-Redirect so the whole page follows.

    Every redirect of the portal goes to a path of this site: `url` passes through `safe_next`
    here, so neither header (Location, HX-Redirect) can ever point elsewhere or carry a control
    character (which would break the response)."""
    target = safe_next(url)
    if request is not None and request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?next=" + quote(target, safe="")


def form_str(request: Request, name: str, default: str = "") -> str:
    value = request.state.form.get(name, default)
    return value.strip() if isinstance(value, str) else default


# Characters left as they are in a redirect target; anything else (non-ASCII) is percent-encoded
# so that the header stays plain ASCII.
_URL_SAFE_CHARS = "".join(c for c in string.punctuation if c != "%") + "%"
MAX_NEXT_CHARS = 2000


def is_local_path(url: str) -> bool:
    """True only for a path of this site: "/" then not a second "/" or "\\", with no control
    character, whitespace or backslash anywhere, and none of those written percent-encoded in
    the path either ("/%2F", "/%5C", "/%09", double-encoded forms too; a query may hold "%20").
    Invalid percent-encoding is refused."""
    if not url or len(url) > MAX_NEXT_CHARS or not url.startswith("/") or has_url_tricks(url):
        return False
    path = re.split(r"[?#]", url, maxsplit=1)[0]
    try:
        path_variants = decoded_variants(path)
        decoded_variants(url)  # bytes that are not UTF-8 anywhere ("%FF"): refused
    except UnicodeDecodeError:
        return False
    return not any(has_url_tricks(v) or v.startswith("//") for v in path_variants)


def safe_next(url: str | None, default: str = "/") -> str:
    """The one check of a redirect target (`next=`, Location, HX-Redirect): `url` when it is a
    local path (`is_local_path`), else `default`; never an open redirect."""
    if url is None or not is_local_path(url):
        return default
    return quote(url, safe=_URL_SAFE_CHARS)
