"""Finding 5: a new password (changed or reset) ends every reset link and every other session."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from tests.helpers import PASSWORD, csrf_token, login, mails_to, outbox_link

NEW_PASSWORD = "un tout nouveau secret bien long"


def _ask_reset(client: TestClient, engine: Engine, email: str) -> str:
    """Ask for a reset link as a person does, and return its path from the mail."""
    client.post(
        "/password-reset",
        data={"email": email, "csrf_token": csrf_token(client, "/password-reset")},
    )
    return outbox_link(engine, email, "/password-reset/confirm").replace("http://testserver", "")


def _use_reset(client: TestClient, link: str, password: str) -> Any:
    token = link.split("token=", 1)[1]
    return client.post(
        "/password-reset/confirm",
        data={"token": token, "password": password, "csrf_token": csrf_token(client, "/login")},
        follow_redirects=False,
    )


def _change(client: TestClient, current: str, new: str) -> Any:
    return client.post(
        "/account/password",
        data={
            "current_password": current,
            "new_password": new,
            "csrf_token": csrf_token(client, "/account"),
        },
        follow_redirects=False,
    )


def _signed_in(client: TestClient) -> bool:
    return 'href="/account"' in client.get("/").text


def test_reset_ends_the_reset_links_asked_before(
    make_client: Any, make_user: Any, engine: Engine
) -> None:
    """After a reset with the newest link, an older link asked for before it is refused."""
    make_user(email="deux-liens@exemple.fr")
    c = make_client()
    first = _ask_reset(c, engine, "deux-liens@exemple.fr")
    second = _ask_reset(c, engine, "deux-liens@exemple.fr")
    assert first != second
    assert _use_reset(c, second, NEW_PASSWORD).status_code == 303
    page = c.get(first)
    assert page.status_code == 400
    assert "plus valable" in page.text
    replay = _use_reset(c, first, "encore un autre secret assez long")
    assert replay.status_code == 400
    assert "plus valable" in replay.text
    login(make_client(), "deux-liens@exemple.fr", NEW_PASSWORD)


def test_password_change_ends_reset_links_and_other_sessions(
    make_client: Any, make_user: Any, engine: Engine
) -> None:
    """Changing the password on the account page kills an earlier reset link and signs out every
    other browser, while this one stays signed in."""
    make_user(email="change@exemple.fr", name="Chantal")
    other = make_client()
    login(other, "change@exemple.fr")
    link = _ask_reset(make_client(), engine, "change@exemple.fr")
    me = make_client()
    login(me, "change@exemple.fr")

    response = _change(me, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    assert "Votre mot de passe a été changé" in me.get("/account").text
    assert _signed_in(me)
    assert not _signed_in(other)

    attacker = make_client()
    page = attacker.get(link)
    assert page.status_code == 400
    assert "plus valable" in page.text
    stolen = _use_reset(attacker, link, "le secret du voleur de liens")
    assert stolen.status_code == 400
    login(make_client(), "change@exemple.fr", NEW_PASSWORD)
    told = [m for m in mails_to(engine, "change@exemple.fr") if "a été changé" in m.subject]
    assert len(told) == 1
    assert "http://testserver/password-reset" in told[0].body


def test_a_reset_password_is_told_by_mail_too(
    make_client: Any, make_user: Any, engine: Engine
) -> None:
    """A password chosen through a reset link is announced to the account's address."""
    make_user(email="oubli@exemple.fr", name="Octave")
    link = _ask_reset(make_client(), engine, "oubli@exemple.fr")
    assert _use_reset(make_client(), link, NEW_PASSWORD).status_code == 303
    subjects = [m.subject for m in mails_to(engine, "oubli@exemple.fr")]
    assert subjects == ["Réinitialisation de votre mot de passe", "Votre mot de passe a été changé"]


def test_password_change_needs_the_current_password(make_client: Any, make_user: Any) -> None:
    """A wrong current password or a weak new one changes nothing and says why, in French."""
    make_user(email="garde@exemple.fr")
    me = make_client()
    login(me, "garde@exemple.fr")
    wrong = _change(me, "pas le bon mot de passe", NEW_PASSWORD)
    assert wrong.status_code == 400
    assert "Le mot de passe actuel n&#39;est pas le bon" in wrong.text
    weak = _change(me, PASSWORD, "motdepasse123")
    assert weak.status_code == 400
    assert "plus utilisés" in weak.text
    login(make_client(), "garde@exemple.fr", PASSWORD)


def test_password_change_guesses_are_throttled(make_client: Any, make_user: Any) -> None:
    """A borrowed session cannot guess the current password: five wrong tries, then 429."""
    make_user(email="devine@exemple.fr")
    me = make_client()
    login(me, "devine@exemple.fr")
    statuses = [_change(me, f"essai numero {i}", NEW_PASSWORD).status_code for i in range(6)]
    assert statuses == [400] * 5 + [429]
    assert "Patientez une minute" in _change(me, PASSWORD, NEW_PASSWORD).text
