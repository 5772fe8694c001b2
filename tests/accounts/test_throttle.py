"""Finding 7: failed logins are limited per client across accounts (password spraying), and right
passwords are not counted as attempts."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.helpers import PASSWORD, csrf_token


def _try(client: TestClient, email: str, password: str) -> int:
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    return response.status_code


def test_spraying_many_accounts_from_one_client_is_stopped(
    client: TestClient, make_user: Any
) -> None:
    """Ten failed logins on ten addresses from one client are answered; the next ones get 429,
    even with a right password on yet another account."""
    for i in range(12):
        make_user(email=f"cible{i}@exemple.fr")
    statuses = [_try(client, f"cible{i}@exemple.fr", "azerty123456!") for i in range(11)]
    assert statuses == [400] * 10 + [429]
    refused = client.post(
        "/login",
        data={
            "email": "cible11@exemple.fr",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert refused.status_code == 429
    assert "Trop d&#39;échecs de connexion depuis votre réseau" in refused.text


def test_another_client_is_not_slowed_by_a_sprayer(
    make_client: Any, make_user: Any, settings: Any, engine: Any
) -> None:
    """The per-client limit is per client: another address on the network still logs in."""
    from starlette.testclient import TestClient as Client

    from portal.app import create_app

    make_user(email="habitante@exemple.fr")
    sprayer = make_client()
    for i in range(11):
        _try(sprayer, f"personne{i}@exemple.fr", "azerty123456!")
    assert _try(sprayer, "habitante@exemple.fr", PASSWORD) == 429
    app = create_app(settings, engine=engine)
    with Client(app, base_url="http://testserver", client=("203.0.113.7", 50000)) as neighbour:
        assert _try(neighbour, "habitante@exemple.fr", PASSWORD) == 303


def test_ipv6_clients_are_counted_per_64_prefix(make_user: Any, settings: Any, engine: Any) -> None:
    """Rotating addresses inside one IPv6 /64 does not escape the per-client limit; another
    /64 is a different client."""
    from starlette.testclient import TestClient as Client

    from portal.app import create_app

    make_user(email="voisine@exemple.fr")
    app = create_app(settings, engine=engine)

    def from_address(host: str, email: str, password: str) -> int:
        with Client(app, base_url="http://testserver", client=(host, 50000)) as browser:
            return _try(browser, email, password)

    statuses = [
        from_address(f"2001:db8:0:1::{i + 1:x}", f"inconnu{i}@exemple.fr", "azerty123456!")
        for i in range(11)
    ]
    assert statuses == [400] * 10 + [429]
    assert from_address("2001:db8:0:1:ffff::1", "voisine@exemple.fr", PASSWORD) == 429
    assert from_address("2001:db8:0:2::1", "voisine@exemple.fr", PASSWORD) == 303


def test_right_passwords_are_not_counted_as_attempts(make_client: Any, make_user: Any) -> None:
    """Six right logins in a minute all succeed (the sixth was refused before)."""
    make_user(email="fidele@exemple.fr")
    statuses = [_try(make_client(), "fidele@exemple.fr", PASSWORD) for _ in range(7)]
    assert statuses == [303] * 7


def test_right_passwords_do_not_reset_the_failure_count(client: TestClient, make_user: Any) -> None:
    """Failures still add up between right logins: after the fifth, 429 even for the owner."""
    make_user(email="mixte@exemple.fr")
    statuses = []
    for i in range(5):
        statuses.append(_try(client, "mixte@exemple.fr", f"mauvais essai {i}"))
        statuses.append(_try(client, "mixte@exemple.fr", PASSWORD))
    statuses.append(_try(client, "mixte@exemple.fr", PASSWORD))
    assert statuses == [400, 303] * 4 + [400, 429, 429]


def test_purge_forgets_old_attempts_and_their_lock_rows(
    client: TestClient, make_user: Any, engine: Any
) -> None:
    """The hourly purge drops attempts and throttle rows older than an hour, and no others."""
    from datetime import timedelta

    from sqlalchemy import func, select, update

    from portal.accounts import services
    from portal.accounts.models import LoginAttempt, LoginThrottle
    from portal.clock import utcnow
    from portal.db import session_scope

    make_user(email="ancienne@exemple.fr")
    assert _try(client, "ancienne@exemple.fr", "mauvais essai") == 400
    two_hours_ago = utcnow() - timedelta(hours=2)
    with session_scope(engine) as session:
        session.execute(update(LoginAttempt).values(at=two_hours_ago))
        session.execute(update(LoginThrottle).values(created_at=two_hours_ago))
    assert _try(client, "recente@exemple.fr", "mauvais essai") == 400
    with session_scope(engine) as session:
        counts = services.purge_expired(session)
    assert counts["login_attempts"] == 2
    assert counts["login_throttle_keys"] == 1  # the old address's; the client's is in use again
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 2
    assert _try(client, "ancienne@exemple.fr", PASSWORD) == 303
