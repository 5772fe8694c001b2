"""X-Forwarded-For and X-Forwarded-Proto are believed only from PORTAL_TRUSTED_PROXIES: a visitor
who forges them escapes no throttle and passes no origin check; the proxy's own are honoured."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.app import create_app
from portal.settings import Settings, SettingsError, load_settings
from tests.factories import email_of
from tests.helpers import SECRET, csrf_token, mails_to

PROXY = "10.0.0.2"
VISITOR = "203.0.113.7"


@pytest.fixture
def clients(settings: Settings, engine: Engine) -> Iterator[Any]:
    """`clients(address, **settings changes)`: a browser connecting from `address` to a portal
    that trusts only the proxy 10.0.0.2."""
    opened: list[TestClient] = []

    def factory(address: str, **changes: Any) -> TestClient:
        app = create_app(settings.with_(trusted_proxies=(PROXY,), **changes), engine=engine)
        client = TestClient(app, base_url="http://testserver", client=(address, 40000))
        client.__enter__()
        opened.append(client)
        return client

    yield factory
    for client in opened:
        client.__exit__(None, None, None)


def _fail_login(client: TestClient, email: str, forwarded_for: str) -> int:
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={"email": email, "password": "pas le bon mot de passe", "csrf_token": token},
        headers={"X-Forwarded-For": forwarded_for},
        follow_redirects=False,
    )
    return response.status_code


def test_a_forged_forwarded_for_does_not_escape_the_login_throttle(clients: Any) -> None:
    """A visitor sending a new X-Forwarded-For on each try is still one client: the 11th failed
    login within a minute is refused (429) whatever address it claims."""
    client = clients(VISITOR)
    codes = [_fail_login(client, f"p{n}@exemple.fr", f"198.51.100.{n}") for n in range(10)]
    assert codes == [400] * 10
    assert _fail_login(client, "p99@exemple.fr", "198.51.100.99") == 429


def test_the_proxy_forwarded_for_tells_visitors_apart(
    clients: Any, make_user: Any, engine: Engine
) -> None:
    """Behind the trusted proxy, ten failures from one visitor throttle that visitor only:
    another visitor coming through the same proxy signs in."""
    client = clients(PROXY)
    assert [_fail_login(client, f"q{n}@exemple.fr", VISITOR) for n in range(10)] == [400] * 10
    assert _fail_login(client, "q99@exemple.fr", VISITOR) == 429
    email = email_of(engine, make_user())
    other = clients(PROXY)
    token = csrf_token(other, "/login")
    response = other.post(
        "/login",
        data={"email": email, "password": "une phrase de passe de test", "csrf_token": token},
        headers={"X-Forwarded-For": f"{VISITOR.rsplit('.', 1)[0]}.8, {PROXY}"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def _login_from_https_origin(client: TestClient, proto: str) -> int:
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={"email": "x@exemple.fr", "password": "mauvais mot de passe", "csrf_token": token},
        headers={"Origin": "https://testserver", "X-Forwarded-Proto": proto},
        follow_redirects=False,
    )
    return response.status_code


def test_the_scheme_comes_from_the_proxy_only(clients: Any) -> None:
    """A form posted from https://testserver passes the origin check when the trusted proxy
    says the visitor used https; the same forged header from a visitor is ignored (403)."""
    assert _login_from_https_origin(clients(PROXY), "https") == 400  # a wrong password, not CSRF
    assert _login_from_https_origin(clients(VISITOR), "https") == 403


def test_plain_http_reported_by_the_proxy_is_sent_to_https(clients: Any) -> None:
    """On an https site, the proxy reporting a plain-http visit gets a 308 to the same address
    on PORTAL_BASE_URL; a visitor's forged header changes nothing; https pages carry HSTS."""
    secure = {"base_url": "https://ia.ville.example"}
    proxied = clients(PROXY, **secure)
    response = proxied.get(
        "/registry?page=2", headers={"X-Forwarded-Proto": "http"}, follow_redirects=False
    )
    assert response.status_code == 308
    assert response.headers["location"] == "https://ia.ville.example/registry?page=2"
    page = proxied.get("/registry", headers={"X-Forwarded-Proto": "https"})
    assert page.status_code == 200
    assert page.headers["strict-transport-security"].startswith("max-age=31536000")
    visitor = clients(VISITOR, **secure)
    forged = visitor.get("/registry", headers={"X-Forwarded-Proto": "http"}, follow_redirects=False)
    assert forged.status_code == 200


def test_links_in_mail_never_come_from_request_headers(
    clients: Any, make_user: Any, engine: Engine
) -> None:
    """A password-reset mail asked through the proxy with a forged X-Forwarded-Host and -Proto
    links to PORTAL_BASE_URL, never to the host the request named."""
    email = email_of(engine, make_user())
    client = clients(PROXY)
    token = csrf_token(client, "/password-reset")
    client.post(
        "/password-reset",
        data={"email": email, "csrf_token": token},
        headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
    )
    (mail,) = mails_to(engine, email)
    assert "http://testserver/password-reset/confirm?token=" in mail.body
    assert "evil.example" not in mail.body


def test_trusted_proxies_setting() -> None:
    """PORTAL_TRUSTED_PROXIES takes addresses and networks; empty trusts nobody; unset trusts
    the local machine; anything else is refused at start with the faulty entry named."""
    base = {"PORTAL_SECRET_KEY": SECRET, "PORTAL_DATA_DIR": "/tmp/portal-proxy-test"}
    assert load_settings(base).trusted_proxies == ("127.0.0.1", "::1")
    assert load_settings({**base, "PORTAL_TRUSTED_PROXIES": ""}).trusted_proxies == ()
    both = load_settings({**base, "PORTAL_TRUSTED_PROXIES": "10.0.0.0/8, fd00::1"})
    assert both.trusted_proxies == ("10.0.0.0/8", "fd00::1")
    with pytest.raises(SettingsError, match=r"'proxy\.local' is not an IP address"):
        load_settings({**base, "PORTAL_TRUSTED_PROXIES": "10.0.0.1,proxy.local"})
