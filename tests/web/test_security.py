"""Security baseline: headers, CSRF, cookies, session time-outs, error pages, body limit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.testclient import TestClient

from portal.accounts.models import AuthSession, User
from portal.app import create_app
from portal.clock import utcnow
from portal.db import session_scope
from portal.settings import Settings
from portal.web.permissions import PUBLIC
from portal.web.routing import route
from tests.helpers import csrf_token, login


def test_security_headers_on_pages_api_and_errors(client: TestClient) -> None:
    """Every response carries a strict CSP, nosniff, a referrer policy and no framing."""
    for path in ("/", "/api/status", "/nowhere", "/api/nowhere", "/login"):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_no_inline_script_or_style_in_pages(client: TestClient) -> None:
    """Pages need no inline script or style, so the CSP can forbid them."""
    for path in ("/", "/login", "/signup", "/charter", "/registry", "/council"):
        html = client.get(path).text
        assert "<script>" not in html and "<style" not in html and " style=" not in html
        assert " onclick=" not in html


def test_authenticated_pages_are_not_cached(login_as: Any, client: TestClient) -> None:
    """Pages seen signed in are `no-store`; anonymous pages are not forced to."""
    assert login_as().get("/").headers["cache-control"] == "private, no-store"
    assert "no-store" not in client.get("/").headers.get("cache-control", "")


def test_missing_csrf_token_is_refused_and_nothing_stored(
    client: TestClient, engine: Engine
) -> None:
    """A sign-up without a CSRF token gets a French 403 page and creates no account."""
    response = client.post(
        "/signup",
        data={
            "email": "a@exemple.fr",
            "display_name": "Anne",
            "password": "une phrase assez longue",
        },
    )
    assert response.status_code == 403
    assert "Le formulaire a expiré" in response.text
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


def test_csrf_token_of_another_browser_is_refused(make_client: Any) -> None:
    """A token taken from one browser does not work in another (it is tied to the session)."""
    first, second = make_client(), make_client()
    token = csrf_token(first, "/signup")
    second.get("/signup")
    response = second.post("/password-reset", data={"email": "x@exemple.fr", "csrf_token": token})
    assert response.status_code == 403


def test_cross_site_requests_are_refused_even_with_token(client: TestClient) -> None:
    """Sec-Fetch-Site: cross-site or a foreign Origin is refused."""
    token = csrf_token(client, "/password-reset")
    data = {"email": "x@exemple.fr", "csrf_token": token}
    assert (
        client.post(
            "/password-reset", data=data, headers={"Sec-Fetch-Site": "cross-site"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/password-reset", data=data, headers={"Origin": "https://evil.example"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/password-reset", data=data, headers={"Origin": "http://testserver"}
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/password-reset", data=data, headers={"Sec-Fetch-Site": "same-origin"}
        ).status_code
        == 200
    )


def test_htmx_requests_carry_the_token_in_a_header(client: TestClient) -> None:
    """The token set on <body hx-headers> is accepted from the X-CSRF-Token header."""
    page = client.get("/").text
    assert 'hx-headers=\'{"X-CSRF-Token": "' in page
    token = csrf_token(client, "/password-reset")
    response = client.post(
        "/password-reset",
        data={"email": "x@exemple.fr"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert response.status_code == 200


def test_session_cookie_flags(make_user: Any, client: TestClient) -> None:
    """The session cookie is HttpOnly and SameSite=Lax (Secure is tested with an https base URL)."""
    make_user(email="c@exemple.fr")
    token = csrf_token(client)
    from tests.helpers import PASSWORD

    response = client.post(
        "/login",
        data={"email": "c@exemple.fr", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = next(
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and v.startswith("portal_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie


def test_secure_cookie_over_https(settings: Settings, engine: Engine, make_user: Any) -> None:
    """Served over https, cookies get the Secure flag and HSTS is sent."""
    from tests.helpers import PASSWORD

    make_user(email="h@exemple.fr")
    app = create_app(settings.with_(base_url="https://testserver"), engine=engine)
    with TestClient(app, base_url="https://testserver") as c:
        token = csrf_token(c)
        response = c.post(
            "/login",
            data={"email": "h@exemple.fr", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
        assert all("Secure" in v for v in cookies)
        assert "max-age" in response.headers["strict-transport-security"]


def test_idle_and_absolute_timeouts_end_sessions(
    make_user: Any, make_client: Any, engine: Engine
) -> None:
    """A session idle too long, or older than its absolute limit, is no longer signed in."""
    make_user(email="t@exemple.fr")
    for column in ("last_seen_at", "expires_at"):
        c = make_client()
        login(c, "t@exemple.fr")
        assert 'href="/account"' in c.get("/").text
        with session_scope(engine) as session:
            past = (
                utcnow() - timedelta(days=1)
                if column == "last_seen_at"
                else utcnow() - timedelta(seconds=1)
            )
            session.execute(
                update(AuthSession).where(AuthSession.revoked_at.is_(None)).values({column: past})
            )  # type: ignore[union-attr]
        assert 'href="/account"' not in c.get("/").text


def _app_with_crash(settings: Settings, engine: Engine) -> Starlette:
    app = create_app(settings, engine=engine)

    def boom(request: Request) -> Response:
        raise RuntimeError("secret internal detail")

    app.router.routes.insert(0, route("/boom", boom, permission=PUBLIC))
    app.router.routes.insert(0, route("/api/boom", boom, permission=PUBLIC))
    return app


def test_500_page_is_french_without_trace(settings: Settings, engine: Engine) -> None:
    """An unexpected error shows a French page (JSON under /api/) with no stack trace."""
    app = _app_with_crash(settings, engine)
    with TestClient(app, raise_server_exceptions=False) as c:
        page = c.get("/boom")
        assert page.status_code == 500
        assert "Erreur du serveur" in page.text
        assert "secret internal detail" not in page.text and "Traceback" not in page.text
        assert "content-security-policy" in page.headers
        api = c.get("/api/boom")
        assert api.status_code == 500
        assert api.json()["error"]["status"] == 500
        assert "secret" not in api.text


def test_404_and_405_pages(client: TestClient) -> None:
    """Unknown pages get a French 404, unknown API paths a JSON 404, wrong methods a 405."""
    page = client.get("/page/qui/n/existe/pas")
    assert page.status_code == 404
    assert "Page introuvable" in page.text
    api = client.get("/api/rien")
    assert api.status_code == 404
    assert api.json() == {
        "error": {
            "status": 404,
            "title": "Page introuvable",
            "detail": "La page demandée n'existe pas ou a été déplacée.",
        }
    }
    assert client.delete("/login").status_code == 405


def test_413_for_oversized_bodies(settings: Settings, engine: Engine) -> None:
    """A body over the limit gets a French 413 page and nothing is read further."""
    app = create_app(settings.with_(max_body_bytes=10_000), engine=engine)
    with TestClient(app) as c:
        token = csrf_token(c, "/signup")
        response = c.post("/signup", data={"email": "x" * 20_000, "csrf_token": token})
        assert response.status_code == 413
        assert "Envoi trop volumineux" in response.text


def test_400_for_unreadable_form(client: TestClient) -> None:
    """A malformed multipart body gets a French 400 page."""
    response = client.post(
        "/login",
        content=b"--x\r\nbroken",
        headers={"content-type": "multipart/form-data; boundary=zzz"},
    )
    assert response.status_code == 400
    assert "illisible" in response.text


def test_unknown_host_is_refused(client: TestClient) -> None:
    """A Host header outside the allowed list is refused (no host-header poisoning of links)."""
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400


def test_get_never_changes_state(client: TestClient, engine: Engine, make_user: Any) -> None:
    """Opening a confirmation link (GET) does not confirm: only the button (POST) does."""
    from portal.accounts import services

    with session_scope(engine) as session:
        result = services.signup(
            session, email="g@exemple.fr", display_name="Gaston", password="une phrase assez longue"
        )
        user_id = result.user.id  # type: ignore[union-attr]
    from tests.helpers import outbox_link

    link = outbox_link(engine, "g@exemple.fr", "/signup/confirm").replace("http://testserver", "")
    assert client.get(link).status_code == 200
    with session_scope(engine, write=False) as session:
        assert session.get(User, user_id).email_confirmed_at is None  # type: ignore[union-attr]


def test_413_for_streamed_bodies_without_length(settings: Settings, engine: Engine) -> None:
    """A chunked body that grows past the limit is cut with the same French 413 page."""
    app = create_app(settings.with_(max_body_bytes=10_000), engine=engine)
    with TestClient(app) as c:
        token = csrf_token(c, "/signup")

        def chunks() -> Any:
            yield f"csrf_token={token}&email=".encode()
            for _ in range(50):
                yield b"x" * 1000

        response = c.post(
            "/signup",
            content=chunks(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 413
        assert "Envoi trop volumineux" in response.text


def test_nul_characters_are_refused_with_a_clear_message(
    client: TestClient, engine: Engine
) -> None:
    """A NUL character in a path, a query or a form gets a 400 (JSON under /api/), nothing stored."""
    page = client.get("/registry?q=chat%00bot")
    assert page.status_code == 400 and "caractère invalide" in page.text
    api = client.get("/api/registry/systems?service=%00")
    assert api.status_code == 400 and api.headers["content-type"].startswith("application/json")
    assert client.get("/registry/a%00b").status_code == 400
    assert client.get("/registry?q=100%25").status_code == 200  # a typed "%" is fine

    def users() -> int:
        with session_scope(engine, write=False) as session:
            return int(session.scalar(select(func.count()).select_from(User)) or 0)

    before = users()
    refused = client.post(
        "/signup",
        data={"email": "nul@exemple.fr", "display_name": "Nul\x00", "password": "x" * 14,
              "csrf_token": csrf_token(client, "/signup")},
    )  # fmt: skip
    assert refused.status_code == 400 and "caractère invalide" in refused.text
    assert users() == before
