"""Finding 8: the anonymous identifier (`portal_anon`, which anonymous CSRF tokens are bound to)
is issued only by the server, signed, replaced when planted, and rotated at login and logout."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from tests.helpers import csrf_token, login

PLANTED = "attacker-chosen-anonymous-identifier-0001"


def _anon_set_cookie(response: Any) -> str | None:
    """The portal_anon value the response sets, if it sets one."""
    for header in response.headers.get_list("set-cookie"):
        match = re.match(r"portal_anon=([^;]*)", header)
        if match:
            return match.group(1)
    return None


def _token_in(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _visit_with_cookie(make_client: Any, value: str) -> Any:
    """A fresh browser carrying `value` as its portal_anon cookie opens the login page."""
    browser = make_client()
    return browser.get("/login", headers={"cookie": f"portal_anon={value}"})


def test_planted_identifier_is_replaced_and_its_token_is_unpredictable(make_client: Any) -> None:
    """A portal_anon value the server did not issue is replaced, so two browsers given the same
    planted value get different CSRF tokens (the planter cannot compute the victim's)."""
    attacker = _visit_with_cookie(make_client, PLANTED)
    victim = _visit_with_cookie(make_client, PLANTED)
    for response in (attacker, victim):
        issued = _anon_set_cookie(response)
        assert issued and issued != PLANTED
    assert _token_in(attacker.text) != _token_in(victim.text)


def test_issued_identifier_is_signed_and_a_forged_signature_is_replaced(
    make_client: Any,
) -> None:
    """The cookie the server issues is kept as is; the same id with a changed signature is not."""
    first = make_client().get("/login")
    issued = _anon_set_cookie(first)
    assert issued and "." in issued
    kept = _visit_with_cookie(make_client, issued)
    assert _anon_set_cookie(kept) is None
    assert _token_in(kept.text) == _token_in(first.text)
    anon_id, signature = issued.rsplit(".", 1)
    forged = anon_id + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    replaced = _visit_with_cookie(make_client, forged)
    assert _anon_set_cookie(replaced) not in (None, forged, issued)
    assert _token_in(replaced.text) != _token_in(first.text)
    unsigned = _visit_with_cookie(make_client, anon_id)
    assert _anon_set_cookie(unsigned) not in (None, anon_id)


def test_a_planted_twin_cookie_does_not_displace_the_issued_one(make_client: Any) -> None:
    """With the issued identifier and a planted one sent together (as a sibling domain's cookie
    is), in either order, the issued one is kept and its token stays the same."""
    first = make_client().get("/login")
    issued = _anon_set_cookie(first)
    assert issued
    for header in (f"portal_anon={issued}; portal_anon={PLANTED}",
                   f"portal_anon={PLANTED}; portal_anon={issued}"):  # fmt: skip
        response = make_client().get("/login", headers={"cookie": header})
        assert _anon_set_cookie(response) is None
        assert _token_in(response.text) == _token_in(first.text)


def test_identifier_cookie_flags(client: TestClient) -> None:
    """The anonymous identifier is HttpOnly, SameSite=Lax and valid for the whole site."""
    header = next(
        h for h in client.get("/").headers.get_list("set-cookie") if h.startswith("portal_anon=")
    )
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Path=/" in header


def test_a_token_posted_with_a_planted_identifier_is_refused(make_client: Any) -> None:
    """A form carrying a planted identifier and the token the planter saw for it is refused."""
    attacker = make_client()
    attacker.cookies.set("portal_anon", PLANTED)
    seen = _token_in(attacker.get("/login").text)
    victim = make_client()
    response = victim.post(
        "/login",
        data={"email": "x@exemple.fr", "password": "peu importe ici", "csrf_token": seen},
        headers={"cookie": f"portal_anon={PLANTED}"},
    )
    assert response.status_code == 403
    assert "Formulaire expiré ou invalide" in response.text


def test_identifier_rotates_at_login_and_logout(make_client: Any, make_user: Any) -> None:
    """Login and logout each give a new anonymous id: a token from before login is refused
    after logout, and the page shows a new one."""
    make_user(email="tourne@exemple.fr")
    browser = make_client()
    before_token = csrf_token(browser, "/login")
    before = browser.cookies.get("portal_anon")
    response = browser.post(
        "/login",
        data={"email": "tourne@exemple.fr", "password": "une phrase de passe de test",
              "csrf_token": before_token},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    at_login = _anon_set_cookie(response)
    assert at_login and at_login != before
    logout = browser.post(
        "/logout", data={"csrf_token": csrf_token(browser, "/")}, follow_redirects=False
    )
    assert logout.status_code == 303
    at_logout = _anon_set_cookie(logout)
    assert at_logout and at_logout not in (before, at_login)
    assert browser.cookies.get("portal_anon") == at_logout
    assert csrf_token(browser, "/login") != before_token
    replay = browser.post(
        "/login",
        data={"email": "tourne@exemple.fr", "password": "une phrase de passe de test",
              "csrf_token": before_token},
        follow_redirects=False,
    )  # fmt: skip
    assert replay.status_code == 403
    login(browser, "tourne@exemple.fr")
