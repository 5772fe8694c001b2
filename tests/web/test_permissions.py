"""Every route declares who may call it, and each (route, role) pair behaves as declared."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.routing import Mount

from portal.app import collect_routes
from portal.web.routing import PortalRoute
from tests.helpers import ROLES, as_role, assert_statuses, csrf_token, post


def test_every_route_declares_a_permission() -> None:
    """A route without a declared policy fails this test (static files excepted)."""
    undeclared = []
    for r in collect_routes():
        if isinstance(r, Mount):
            continue
        if not isinstance(r, PortalRoute) or getattr(r, "permission", None) is None:
            undeclared.append(getattr(r, "path", repr(r)))
    assert undeclared == []


# (method, path, expected status per role in helpers.ROLES order); 303 = sent to the login page.
FOUNDATION_TABLE = [
    ("GET", "/", [200, 200, 200, 200, 200, 200]),
    ("GET", "/accessibilite", [200, 200, 200, 200, 200, 200]),
    ("GET", "/healthz", [200, 200, 200, 200, 200, 200]),
    ("GET", "/api/status", [200, 200, 200, 200, 200, 200]),
    ("GET", "/api/openapi.json", [200, 200, 200, 200, 200, 200]),
    ("GET", "/signup", [200, 200, 200, 200, 200, 200]),
    ("GET", "/login", [200, 303, 303, 303, 303, 303]),
    ("GET", "/password-reset", [200, 200, 200, 200, 200, 200]),
    ("GET", "/signup/confirm?token=x", [400, 400, 400, 400, 400, 400]),
    ("GET", "/password-reset/confirm?token=x", [400, 400, 400, 400, 400, 400]),
    ("GET", "/account", [303, 200, 200, 200, 200, 200]),
    ("GET", "/admin/users", [303, 403, 403, 403, 403, 200]),
    ("GET", "/admin/outbox", [303, 403, 403, 403, 403, 200]),
    ("POST", "/admin/users", [303, 403, 403, 403, 403, 400]),
    ("POST", "/admin/users/{target}/roles", [303, 403, 403, 403, 403, 303]),
    ("POST", "/admin/users/{target}/active", [303, 403, 403, 403, 403, 303]),
    ("POST", "/lang", [303, 303, 303, 303, 303, 303]),
    ("POST", "/account/delete", [303, 400, 400, 400, 400, 400]),
    ("POST", "/signup", [400, 400, 400, 400, 400, 400]),
    ("POST", "/login", [400, 400, 400, 400, 400, 400]),
    ("POST", "/password-reset", [200, 200, 200, 200, 200, 200]),
    ("POST", "/signup/confirm", [400, 400, 400, 400, 400, 400]),
    ("POST", "/password-reset/confirm", [400, 400, 400, 400, 400, 400]),
    # last: it ends the session the rows above rely on
    ("POST", "/logout", [303, 303, 303, 303, 303, 303]),
]


@pytest.mark.parametrize("role", ROLES)
def test_foundation_routes_by_role(
    role: str, make_client: Any, login_as: Any, make_user: Any
) -> None:
    """Each foundation route answers each role with the declared status, through real HTTP."""
    target = make_user(name="Cible Test")
    client = as_role(role, make_client, login_as)
    index = ROLES.index(role)
    expected: dict[tuple[str, str], int] = {}
    observed: dict[tuple[str, str], int] = {}
    for method, path, statuses in FOUNDATION_TABLE:
        url = path.format(target=target)
        if method == "GET":
            response = client.get(url, follow_redirects=False)
        else:
            response = post(client, url, {"roles": ["agent"]}, follow_redirects=False)
        expected[method, url] = statuses[index]
        observed[method, url] = response.status_code
    assert_statuses(expected, observed)


def test_forbidden_page_is_french_and_explains(login_as: Any) -> None:
    """A resident opening the admin desk gets a 403 page a person understands."""
    client = login_as()
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Accès refusé" in response.text
    assert 'lang="fr"' in response.text
    assert "Traceback" not in response.text


def test_anonymous_is_sent_to_login_and_back(make_client: Any, make_user: Any) -> None:
    """An anonymous visitor of a members' page is sent to the login page, then back to it."""
    from tests.helpers import PASSWORD

    make_user("admin", email="boss@exemple.fr")
    client = make_client()
    response = client.get("/admin/users", follow_redirects=False)
    assert response.headers["location"] == "/login?next=%2Fadmin%2Fusers"
    page = client.get(response.headers["location"])
    assert 'name="next" value="/admin/users"' in page.text
    done = client.post(
        "/login",
        data={
            "email": "boss@exemple.fr",
            "password": PASSWORD,
            "next": "/admin/users",
            "csrf_token": csrf_token(client),
        },
        follow_redirects=False,
    )
    assert done.headers["location"] == "/admin/users"


def test_login_next_never_leaves_the_site(make_client: Any, make_user: Any) -> None:
    """`next` pointing to another site is ignored (no open redirect)."""
    from tests.helpers import PASSWORD

    make_user(email="n@exemple.fr")
    client = make_client()
    for evil in ("https://evil.example/", "//evil.example", "/\\evil.example"):
        done = client.post(
            "/login",
            data={
                "email": "n@exemple.fr",
                "password": PASSWORD,
                "next": evil,
                "csrf_token": csrf_token(client),
            },
            follow_redirects=False,
        )
        assert done.headers["location"] == "/"
