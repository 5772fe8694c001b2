"""Sign-up, confirmation, login, logout and password reset through real HTTP."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.accounts.models import AuthSession, User
from portal.db import session_scope
from tests.helpers import PASSWORD, csrf_token, login, outbox_link


def _signup(client: TestClient, email: str, name: str, password: str) -> Any:
    token = csrf_token(client, "/signup")
    return client.post(
        "/signup",
        data={"email": email, "display_name": name, "password": password, "csrf_token": token},
    )


def _confirm(client: TestClient, engine: Engine, email: str) -> None:
    link = outbox_link(engine, email, "/signup/confirm")
    page = client.get(link.replace("http://testserver", ""))
    assert page.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/signup/confirm", data={"token": token, "csrf_token": csrf_token(client, "/signup")}
    )
    assert response.status_code == 200
    assert "Votre adresse est confirmée" in response.text


def test_signup_confirm_login_logout(client: TestClient, engine: Engine) -> None:
    """A resident signs up, confirms from the mailed link, logs in, sees their name, logs out."""
    response = _signup(client, "Claire@Exemple.fr", "Claire B.", "ma phrase secrète de Suresnes")
    assert response.status_code == 200
    assert "Vérifiez votre messagerie" in response.text
    token = csrf_token(client)
    denied = client.post(
        "/login",
        data={
            "email": "claire@exemple.fr",
            "password": "ma phrase secrète de Suresnes",
            "csrf_token": token,
        },
    )
    assert denied.status_code == 400
    assert "pas encore confirmée" in denied.text
    _confirm(client, engine, "claire@exemple.fr")
    login(client, "claire@exemple.fr", "ma phrase secrète de Suresnes")
    home = client.get("/")
    assert "Claire B." in home.text
    assert home.headers["cache-control"] == "private, no-store"
    logout = client.post(
        "/logout", data={"csrf_token": csrf_token(client, "/")}, follow_redirects=True
    )
    assert "Vous êtes déconnecté" in logout.text
    assert "Claire B." not in client.get("/").text


def test_confirmation_link_works_once(client: TestClient, engine: Engine) -> None:
    """A confirmation link cannot be used twice."""
    _signup(client, "paul@exemple.fr", "Paul", "une autre phrase assez longue")
    _confirm(client, engine, "paul@exemple.fr")
    link = outbox_link(engine, "paul@exemple.fr", "/signup/confirm")
    page = client.get(link.replace("http://testserver", ""))
    assert page.status_code == 400
    assert "plus valable" in page.text


def test_signup_refuses_bad_input_and_stores_nothing(client: TestClient, engine: Engine) -> None:
    """Short or common passwords, bad addresses and bad names get a French message, no account."""
    cases = [
        ("x@exemple.fr", "Xavier", "court", "au moins 12 caractères"),
        ("x@exemple.fr", "Xavier", "motdepasse123", "plus utilisés"),
        ("pas-une-adresse", "Xavier", "une phrase assez longue", "adresse e-mail valide"),
        ("x@exemple.fr", "<script>", "une phrase assez longue", "nom affiché"),
    ]
    for email, name, password, message in cases:
        response = _signup(client, email, name, password)
        assert response.status_code == 400
        assert message in response.text
        assert "<script>" not in response.text
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


def test_signup_with_taken_address_looks_the_same(
    client: TestClient, engine: Engine, make_user: Any
) -> None:
    """Signing up with an address that has an account shows the same page and mails the owner."""
    make_user(email="deja@exemple.fr")
    response = _signup(client, "deja@exemple.fr", "Quelqu'un", "une phrase assez longue")
    assert response.status_code == 200
    assert "Vérifiez votre messagerie" in response.text
    from portal.mail import outbox

    with session_scope(engine, write=False) as session:
        subjects = [m.subject for m in outbox(session, to="deja@exemple.fr")]
    assert subjects == ["Tentative d'inscription avec votre adresse"]


def test_login_same_answer_for_unknown_and_wrong_password(
    client: TestClient, make_user: Any
) -> None:
    """Unknown account and wrong password give the same message and status."""
    make_user(email="known@exemple.fr")
    answers = []
    for email in ("known@exemple.fr", "unknown@exemple.fr"):
        r = client.post(
            "/login",
            data={
                "email": email,
                "password": "mauvais mot de passe",
                "csrf_token": csrf_token(client),
            },
        )
        answers.append((r.status_code, "Adresse e-mail ou mot de passe incorrect" in r.text))
    assert answers == [(400, True), (400, True)]


def test_sixth_attempt_in_a_minute_is_refused(client: TestClient, make_user: Any) -> None:
    """Five attempts are answered; the sixth on the same account within a minute gets 429."""
    make_user(email="target@exemple.fr")
    token = csrf_token(client)
    statuses = [
        client.post(
            "/login",
            data={"email": "target@exemple.fr", "password": f"wrong {i}", "csrf_token": token},
        ).status_code
        for i in range(6)
    ]
    assert statuses == [400] * 5 + [429]
    # Even the right password is refused now: the throttle comes before any check.
    right = client.post(
        "/login", data={"email": "target@exemple.fr", "password": PASSWORD, "csrf_token": token}
    )
    assert right.status_code == 429
    assert "Patientez une minute" in right.text


def test_new_session_id_at_login_and_old_cookie_refused_after_logout(
    make_client: Any, make_user: Any, engine: Engine
) -> None:
    """Login issues a fresh session id; after logout the replayed cookie is no longer signed in."""
    make_user(email="s@exemple.fr", name="Sessionne")
    c = make_client()
    login(c, "s@exemple.fr")
    first = c.cookies.get("portal_session")
    login(c, "s@exemple.fr")
    second = c.cookies.get("portal_session")
    assert first and second and first != second
    c.post("/logout", data={"csrf_token": csrf_token(c, "/")})
    replay = make_client()
    replay.cookies.set("portal_session", second)
    assert 'href="/account"' not in replay.get("/").text
    with session_scope(engine, write=False) as session:
        open_sessions = session.scalar(
            select(func.count()).select_from(AuthSession).where(AuthSession.revoked_at.is_(None))  # type: ignore[union-attr]
        )
    assert open_sessions == 0


def test_password_reset_ends_other_sessions(
    make_client: Any, make_user: Any, engine: Engine
) -> None:
    """A reset from the mailed link sets the new password and signs out every other browser."""
    make_user(email="r@exemple.fr", name="Remi")
    other = make_client()
    login(other, "r@exemple.fr")
    c = make_client()
    r = c.post(
        "/password-reset",
        data={"email": "r@exemple.fr", "csrf_token": csrf_token(c, "/password-reset")},
    )
    assert "Si un compte existe" in r.text
    unknown = c.post(
        "/password-reset",
        data={"email": "nobody@exemple.fr", "csrf_token": csrf_token(c, "/password-reset")},
    )
    assert unknown.text.count("Si un compte existe") == 1
    link = outbox_link(engine, "r@exemple.fr", "/password-reset/confirm").replace(
        "http://testserver", ""
    )
    page = c.get(link)
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    weak = c.post(
        "/password-reset/confirm",
        data={"token": token, "password": "123456789012", "csrf_token": csrf_token(c, link)},
    )
    assert weak.status_code == 400
    done = c.post(
        "/password-reset/confirm",
        data={
            "token": token,
            "password": "mon tout nouveau secret",
            "csrf_token": csrf_token(c, link),
        },
        follow_redirects=True,
    )
    assert "Votre mot de passe a été changé" in done.text
    assert 'href="/account"' not in other.get("/").text
    login(c, "r@exemple.fr", "mon tout nouveau secret")
