""" "Mon espace": every signed-in person reaches their tools by links from the home page, each
link works for them, and what waits there is counted."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.settings import Settings
from tests.factories import Accounts, add_comment, add_proposal, open_charter, register_entries
from tests.helpers import ROLES, as_role, post, t

HREF = re.compile(r'<a [^>]*href="([^"#]*)(?:#[^"]*)?"')
SHARED = {"/account", "/account/consultation", "/charter", "/moderation/figures",
          "/consultation/export", "/council/alerts"}  # fmt: skip
DESKS = {
    "resident": SHARED,
    "agent": SHARED | {"/charter/proposals/new", "/registry/drafts", "/registry",
                       "/registry/new", "/council/upload", "/council/questions/desk",
                       "/charter/desk"},
    "moderator": SHARED | {"/moderation", "/registry/questions/signalees"},
    "official": SHARED | {"/charter/review", "/consultation/synthesis/draft", "/registry/drafts",
                          "/registry", "/registry/new"},
    "admin": SHARED | {"/charter/review", "/consultation/synthesis/draft", "/registry/drafts",
                       "/registry", "/registry/new", "/charter/proposals/new", "/moderation",
                       "/council/upload", "/council/questions/desk", "/admin/users",
                       "/admin/outbox", "/admin/audit", "/charter/desk",
                       "/registry/questions/signalees"},
}  # fmt: skip


def links(client: TestClient, path: str) -> set[str]:
    page = client.get(path)
    assert page.status_code == 200, path
    return {unescape(href) for href in HREF.findall(page.text) if href.startswith("/")} | {
        urlsplit(unescape(h)).path for h in HREF.findall(page.text) if h.startswith("/")
    }


@pytest.fixture
def world(engine: Engine, settings: Settings, make_user: Any) -> Accounts:
    """The open consultation and the register's entries."""
    accounts = open_charter(engine, settings, make_user)
    register_entries(engine, make_user("agent"))
    return accounts


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_its_desks_from_the_home_page_and_each_works(
    role: str, world: Accounts, make_client: Any, login_as: Any
) -> None:
    """From /, one click to "Mon espace", one more to each tool of the role; every one answers
    200 to that role, and no tool of another role is offered."""
    client = as_role(role, make_client, login_as)
    if role == "anonymous":
        assert "/espace" not in links(client, "/")
        response = client.get("/espace", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
        return
    assert "/espace" in links(client, "/")
    desk = {urlsplit(u).path for u in links(client, "/espace")}
    chrome = {urlsplit(u).path for u in links(client, "/accessibilite")}  # header and footer
    assert DESKS[role] <= desk, DESKS[role] - desk
    assert desk - chrome == DESKS[role] - chrome
    for url in DESKS[role]:
        assert client.get(url).status_code == 200, f"{role}: {url}"


def test_waiting_work_is_counted_on_the_desk(
    world: Accounts, engine: Engine, login_as: Any, make_user: Any
) -> None:
    """A report waits for the moderator and a proposal for the official: both are counted."""
    resident_id = make_user()
    add_proposal(engine, author_id=world["agent"])
    comment_id = add_comment(engine, author_id=resident_id, body="Un avis à signaler.")
    reporter = login_as()
    reported = post(reporter, f"/charter/comments/{comment_id}/report",
                    {"reason": "off_topic", "note": ""}, follow_redirects=False)  # fmt: skip
    assert reported.status_code == 303

    def words(client: TestClient) -> str:
        return re.sub(r"<[^>]+>", " ", t(client.get("/espace")))

    moderator_desk = words(login_as("moderator"))
    assert re.search(r"Signalements à traiter\s*1 en attente", moderator_desk)
    official_desk = words(login_as("official"))
    assert re.search(r"Répondre aux propositions\s*1 en attente", official_desk)
    assert "attend votre action" in official_desk
    resident_desk = words(login_as())
    assert "en attente" not in resident_desk and "Signalements" not in resident_desk
