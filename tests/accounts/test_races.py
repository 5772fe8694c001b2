"""Finding 9 (accounts): throttling, one-time links and sign-up hold under real parallel requests
to a served app, on PostgreSQL (READ COMMITTED) as on SQLite."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from portal.accounts.models import User, UserRole
from portal.db import session_scope
from tests.helpers import PASSWORD, outbox_link


def _browser(base: str, path: str = "/login") -> tuple[str, str]:
    """A visitor's anonymous cookie and the CSRF token of the form at `path`."""
    with httpx.Client(base_url=base) as c:
        page = c.get(path)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.text[:300]
        return c.cookies["portal_anon"], token.group(1)


def _at_once(count: int, send: Callable[[int], httpx.Response]) -> Counter[int]:
    """Send `count` requests released together by a barrier; count the statuses."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        response = send(i)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Counter(statuses)


def _post(base: str, path: str, anon: str, data: dict[str, str]) -> httpx.Response:
    return httpx.post(
        base + path,
        data=data,
        headers={"cookie": f"portal_anon={anon}"},
        follow_redirects=False,
        timeout=120,
    )


def _signed_in(base: str, email: str, path: str) -> tuple[str, str]:
    """Sign in as `email`; return the browser's cookie header and the CSRF token of `path`."""
    with httpx.Client(base_url=base) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
        assert token
        response = c.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
        )
        assert response.status_code == 303
        page = c.get(path)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.text[:300]
        cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
        return cookie, token.group(1)


def test_parallel_wrong_passwords_are_judged_at_most_five(live_server: str, make_user: Any) -> None:
    """Twenty wrong passwords for one account sent at once: five are judged, fifteen get 429."""
    make_user(email="assiegee@exemple.fr")
    anon, token = _browser(live_server)
    statuses = _at_once(
        20,
        lambda i: _post(
            live_server, "/login", anon,
            {"email": "assiegee@exemple.fr", "password": f"mauvais {i}", "csrf_token": token},
        ),
    )  # fmt: skip
    assert statuses == Counter({400: 5, 429: 15})


def test_parallel_spraying_is_judged_at_most_ten(live_server: str, make_user: Any) -> None:
    """Twenty accounts tried at once from one client: ten are judged, ten get 429."""
    for i in range(20):
        make_user(email=f"arrosee{i}@exemple.fr")
    anon, token = _browser(live_server)
    statuses = _at_once(
        20,
        lambda i: _post(
            live_server, "/login", anon,
            {"email": f"arrosee{i}@exemple.fr", "password": "azerty123456!", "csrf_token": token},
        ),
    )  # fmt: skip
    assert statuses == Counter({400: 10, 429: 10})


def test_one_reset_link_posted_ten_times_at_once_works_once(
    live_server: str, make_user: Any, engine: Engine
) -> None:
    """The same reset link posted ten times at once changes the password once; nine are refused."""
    make_user(email="pressee@exemple.fr")
    anon, token = _browser(live_server, "/password-reset")
    _post(
        live_server, "/password-reset", anon, {"email": "pressee@exemple.fr", "csrf_token": token}
    )
    link = outbox_link(engine, "pressee@exemple.fr", "/password-reset/confirm")
    reset_token = link.split("token=", 1)[1]
    statuses = _at_once(
        10,
        lambda i: _post(
            live_server, "/password-reset/confirm", anon,
            {"token": reset_token, "password": f"nouvelle phrase numero {i}", "csrf_token": token},
        ),
    )  # fmt: skip
    assert statuses == Counter({303: 1, 400: 9})


def test_one_confirmation_link_posted_ten_times_at_once_works_once(
    live_server: str, engine: Engine
) -> None:
    """The same confirmation link posted ten times at once is spent once; nine are refused."""
    anon, token = _browser(live_server, "/signup")
    signup = _post(
        live_server, "/signup", anon,
        {"email": "double@exemple.fr", "display_name": "Double Clic",
         "password": "une phrase assez longue", "csrf_token": token},
    )  # fmt: skip
    assert signup.status_code == 200
    confirm_token = outbox_link(engine, "double@exemple.fr", "/signup/confirm").split("token=")[1]
    statuses = _at_once(
        10,
        lambda i: _post(
            live_server, "/signup/confirm", anon, {"token": confirm_token, "csrf_token": token}
        ),
    )
    assert statuses == Counter({303: 1, 400: 9})


def test_one_address_signed_up_ten_times_at_once_makes_one_account(
    live_server: str, engine: Engine
) -> None:
    """Ten sign-ups at once with one address (and ten names) all see the same page, as a sign-up
    with a known address does; one account exists afterwards."""
    anon, token = _browser(live_server, "/signup")
    statuses = _at_once(
        10,
        lambda i: _post(
            live_server, "/signup", anon,
            {"email": "foule@exemple.fr", "display_name": f"Foule {i}",
             "password": "une phrase assez longue", "csrf_token": token},
        ),
    )  # fmt: skip
    assert statuses == Counter({200: 10})
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1


def test_one_display_name_in_any_case_signed_up_ten_times_at_once_is_taken_once(
    live_server: str, engine: Engine
) -> None:
    """Ten sign-ups at once with the same name in different cases: one account, nine refusals."""
    anon, token = _browser(live_server, "/signup")
    names = ["Nom Commun", "nom commun", "NOM COMMUN", "Nom commun", "nom Commun"] * 2
    statuses = _at_once(
        10,
        lambda i: _post(
            live_server, "/signup", anon,
            {"email": f"homonyme{i}@exemple.fr", "display_name": names[i],
             "password": "une phrase assez longue", "csrf_token": token},
        ),
    )  # fmt: skip
    assert statuses == Counter({200: 1, 400: 9})
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1


def test_parallel_right_passwords_are_all_accepted(live_server: str, make_user: Any) -> None:
    """Right passwords sent at once are never refused for being many: six at once all succeed."""
    make_user(email="reguliere@exemple.fr")
    anon, token = _browser(live_server)
    statuses = _at_once(
        6,
        lambda i: _post(
            live_server, "/login", anon,
            {"email": "reguliere@exemple.fr", "password": PASSWORD, "csrf_token": token},
        ),
    )  # fmt: skip
    assert statuses == Counter({303: 6})


def test_one_account_created_ten_times_at_once_by_an_admin_exists_once(
    live_server: str, make_user: Any, engine: Engine
) -> None:
    """The admin's create form posted ten times at once: one account, nine clear 409 refusals."""
    make_user("admin", email="admin@exemple.fr")
    cookie, token = _signed_in(live_server, "admin@exemple.fr", "/admin/users")
    statuses = _at_once(
        10,
        lambda i: httpx.post(
            live_server + "/admin/users",
            data={"email": "agent@exemple.fr", "display_name": "Agent Double",
                  "password": "une phrase assez longue", "roles": "agent", "csrf_token": token},
            headers={"cookie": cookie}, follow_redirects=False, timeout=120,
        ),
    )  # fmt: skip
    assert statuses == Counter({303: 1, 409: 9})
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 2


def test_one_role_granted_ten_times_at_once_is_granted_once(
    live_server: str, make_user: Any, engine: Engine
) -> None:
    """The same roles form posted ten times at once succeeds every time and grants the role once."""
    make_user("admin", email="chef@exemple.fr")
    target = make_user(email="promue@exemple.fr")
    cookie, token = _signed_in(live_server, "chef@exemple.fr", "/admin/users")
    statuses = _at_once(
        10,
        lambda i: httpx.post(
            f"{live_server}/admin/users/{target}/roles",
            data={"roles": "moderator", "csrf_token": token},
            headers={"cookie": cookie}, follow_redirects=False, timeout=120,
        ),
    )  # fmt: skip
    assert statuses == Counter({303: 10})
    with session_scope(engine, write=False) as session:
        roles = sorted(session.scalars(select(UserRole.role).where(UserRole.user_id == target)))
    assert roles == ["moderator", "resident"]
