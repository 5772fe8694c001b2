"""Shared fragments (a page of comments) are rendered once per web process and generation, and
never outlive a write: two app instances on one database stand for two web processes; what is
shared never holds a visitor's CSRF token, name or supports."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal.app import create_app
from portal.settings import Settings
from portal.web.cache import fragment_cache
from tests.factories import Accounts, add_comment, consultation, email_of
from tests.helpers import login, new_comment_id, post, post_comment


@pytest.fixture
def accounts(engine: Engine, settings: Settings, make_user: Any) -> Accounts:
    """Version 1 published, draft version 2 open for comments (tests/factories.py)."""
    return consultation(engine, settings, make_user)


@pytest.fixture
def other_process(settings: Settings) -> Iterator[Starlette]:
    """A second app instance on the same database, with its own engine and caches."""
    app = create_app(settings)
    yield app
    app.state.engine.dispose() if hasattr(app.state, "engine") else None


def _client(app: Starlette, engine: Engine, user_id: int) -> TestClient:
    client = TestClient(app, base_url="http://testserver")
    client.__enter__()
    login(client, email_of(engine, user_id))
    return client


def _support_count(page: str, comment_id: int) -> str:
    block = page.split(f'id="support-comment-{comment_id}"', 1)[1]
    match = re.search(r'class="support-count">([^<]+)<', block)
    assert match
    return match.group(1)


def test_a_write_in_one_process_is_seen_at_once_by_another(
    accounts: Accounts, app: Starlette, other_process: Starlette, engine: Engine, make_user: Any
) -> None:
    """A resident reading a clause on process 1 sees at once a comment posted and a support
    given on process 2, though process 1 had the page of comments in its fragment cache."""
    first = add_comment(engine, author_id=accounts["agent"], body="Un premier avis partagé.")
    reader = _client(app, engine, make_user())
    writer = _client(other_process, engine, make_user())
    page = reader.get("/charter/clauses/4").text
    assert "Un premier avis partagé." in page
    assert _support_count(page, first) == "0 soutien"
    assert len(fragment_cache(app)) >= 1
    new_id = new_comment_id(post_comment(writer, "Écrit sur un autre processus."))
    supported = post(writer, f"/charter/comments/{first}/support", {"action": "add"})
    assert supported.status_code == 200, supported.text[:300]
    page = reader.get("/charter/clauses/4").text
    assert f'id="comment-{new_id}"' in page and "Écrit sur un autre processus." in page
    assert _support_count(page, first) == "1 soutien"
    reader.__exit__(None, None, None)
    writer.__exit__(None, None, None)


def test_shared_comments_hold_nothing_of_the_visitor_who_filled_the_cache(
    accounts: Accounts, app: Starlette, engine: Engine, make_user: Any
) -> None:
    """The resident who fills the cache supports one comment and wrote another: the shared
    fragment holds neither their token, nor their name, nor "(vous soutenez)", nor their edit
    button; a second resident gets their own token, no edit button, and no "(vous soutenez)";
    the first still sees their own support and edit button."""
    other = add_comment(engine, author_id=accounts["agent"], body="Avis de Dominique.")
    first_id = make_user(name="Camille Partage")
    first = _client(app, engine, first_id)
    own = new_comment_id(post_comment(first, "Mon avis à moi."))
    post(first, f"/charter/comments/{other}/support", {"action": "add"})
    page = first.get("/charter/clauses/4").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert "(vous soutenez)" in page
    assert f'action="/charter/comments/{own}/edit"' in page
    shared = "".join(
        part
        for fragment in fragment_cache(app)._entries.values()
        for part in fragment.parts.values()
    )
    assert shared, "the page of comments was not shared"
    assert token not in shared
    assert "(vous soutenez)" not in shared
    assert "/edit" not in shared and "/delete" not in shared
    second = _client(app, engine, make_user())
    page2 = second.get("/charter/clauses/4").text
    token2 = re.search(r'name="csrf_token" value="([^"]+)"', page2).group(1)  # type: ignore[union-attr]
    assert token2 != token and token not in page2
    assert "(vous soutenez)" not in page2 and "/edit" not in page2
    assert "Mon avis à moi." in page2 and "Avis de Dominique." in page2
    assert set(re.findall(r'name="csrf_token" value="([^"]+)"', page2)) == {token2}
    page1 = first.get("/charter/clauses/4").text
    assert "(vous soutenez)" in page1 and f'action="/charter/comments/{own}/edit"' in page1
    first.__exit__(None, None, None)
    second.__exit__(None, None, None)


def test_two_visitors_get_distinct_form_keys_from_one_shared_page(
    accounts: Accounts, app: Starlette, engine: Engine, make_user: Any
) -> None:
    """Each render of a shared page of comments carries the visitor's own reply form key, so
    two replies of one resident from two page loads are two replies, not one."""
    add_comment(engine, author_id=accounts["agent"], body="Un avis auquel répondre.")
    reader = _client(app, engine, make_user())
    keys = [
        set(re.findall(r'name="form_key" value="([^"]+)"', reader.get("/charter/clauses/4").text))
        for _ in range(2)
    ]
    assert keys[0] and keys[1] and not keys[0] & keys[1]
    reader.__exit__(None, None, None)


def _article_counts(page: str, number: int) -> str:
    block = page.split(f'id="article-{number}"', 1)[1].split("</article>", 1)[0]
    match = re.search(r'class="meta">— ([^<]+)</span>', block)
    assert match
    return " ".join(match.group(1).split())


def test_the_charter_text_is_shared_and_follows_writes_made_in_another_process(
    accounts: Accounts, app: Starlette, other_process: Starlette, engine: Engine, make_user: Any
) -> None:
    """The charter's text (with each article's counters) is rendered once and holds no token;
    a comment and a support given on process 2 show in process 1's counters at the next view."""
    reader = _client(app, engine, make_user())
    writer = _client(other_process, engine, make_user())
    page = reader.get("/charter").text
    before = _article_counts(page, 4)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    shared = "".join(
        part
        for fragment in fragment_cache(app)._entries.values()
        for part in fragment.parts.values()
    )
    assert 'id="article-4"' in shared
    assert "csrf" not in shared and (token is None or token.group(1) not in shared)
    post_comment(writer, "Un avis de plus.")
    post(writer, "/charter/clauses/4/support", {"action": "add"})
    after = _article_counts(reader.get("/charter").text, 4)
    numbers = [int(x.split()[0]) for x in before.split(" · ")]
    assert [int(x.split()[0]) for x in after.split(" · ")] == [numbers[0] + 1, numbers[1] + 1]
    reader.__exit__(None, None, None)
    writer.__exit__(None, None, None)


def test_a_renamed_author_shows_under_the_new_name_at_once(
    accounts: Accounts, app: Starlette, engine: Engine, make_user: Any
) -> None:
    """A name lives with the account, not the consultation: when an author's shown name
    changes, the shared page of comments is not served with the old one."""
    from sqlalchemy import text

    author = make_user(name="Ancien Nom")
    add_comment(engine, author_id=author, body="Un avis signé.")
    reader = _client(app, engine, make_user())
    assert "Ancien Nom" in reader.get("/charter/clauses/4").text
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE accounts_user SET display_name = 'Nouveau Nom' WHERE id = :i"),
            {"i": author},
        )
    page = reader.get("/charter/clauses/4").text
    assert "Nouveau Nom" in page and "Ancien Nom" not in page
    reader.__exit__(None, None, None)
