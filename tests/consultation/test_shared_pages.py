"""Shared pages (portal/web/cache.py: SharedPage): the charter and a clause page are rendered
once per web process for each kind of visitor and generation, and each visitor gets them with
their own token, name, supports, follows and comments, and nobody else's. Two app instances on
one database stand for two web processes: a write on one is seen at once on the other."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal.accounts.services import change_display_name
from portal.app import create_app
from portal.clock import utcnow
from portal.consultation.charter import pages as charter_pages
from portal.consultation.demo.loader import insert_report
from portal.consultation.participation.models import Comment
from portal.db import session_scope
from portal.settings import Settings
from portal.web import templating
from portal.web.cache import SharedPage, fragment_cache
from tests.factories import Accounts, add_comment, consultation, email_of
from tests.helpers import count_queries, login, new_comment_id, post, post_comment


@pytest.fixture
def accounts(engine: Engine, settings: Settings, make_user: Any) -> Accounts:
    """Version 1 published, draft version 2 open for comments (tests/factories.py)."""
    return consultation(engine, settings, make_user)


@pytest.fixture
def other_process(settings: Settings) -> Iterator[Starlette]:
    """A second app instance on the same database, with its own engine and caches."""
    app = create_app(settings)
    yield app
    app.state.engine.dispose()


def _browser(app: Starlette, engine: Engine, user_id: int | None = None) -> TestClient:
    """A browser on `app`, signed in as `user_id` (the sign-in's message already shown)."""
    client = TestClient(app, base_url="http://testserver")
    client.__enter__()
    if user_id is not None:
        login(client, email_of(engine, user_id))
        client.get("/")
    else:
        client.cookies.set("portal_session", "none")  # no session: the 5-second cache is skipped
    return client


def _tokens(page: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', page))


def _account_link(page: str) -> str:
    match = re.search(r'<a href="/account">([^<]*)</a>', page)
    return match.group(1) if match else ""


def _statements(engine: Engine, client: TestClient, path: str) -> tuple[int, str]:
    with count_queries(engine) as queries:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return queries.count, response.text


def _shared(engine: Engine, client: TestClient, path: str) -> str:
    """The page, checked to come from the shared page (a view sends at most 4 statements,
    where rendering it sends more than 10)."""
    client.get(path)
    count, page = _statements(engine, client, path)
    assert count <= 4, f"{path} was rendered, not shared ({count} statements)"
    return page


def _normalised(page: str) -> str:
    """The page without what differs between two views by design: the CSRF token and the
    comment forms' keys (new at each view)."""
    page = re.sub(r'(name="csrf_token" value=")[^"]+"', r'\1T"', page)
    page = re.sub(r'("X-CSRF-Token": ")[^"]+"', r'\1T"', page)
    key = re.search(r'name="form_key" value="([^"]+)"', page)  # the comment form's, first
    return page.replace(key.group(1), "K") if key else page


def test_a_visitor_sees_their_own_parts_and_another_never_does(
    accounts: Accounts, app: Starlette, engine: Engine, make_user: Any
) -> None:
    """Camille wrote a comment, supports another and the article, and follows it: her page
    shows her name, her two supports, her edit and delete buttons and her follow, though it is
    the shared page. Dominique, signed in after her on the same process, gets the same shared
    page with his name and token and none of Camille's marks; Camille's next view keeps them."""
    other = add_comment(engine, author_id=accounts["agent"], body="Avis de l'agent.")
    camille = _browser(app, engine, make_user(name="Camille Partage"))
    own = new_comment_id(post_comment(camille, "Mon avis à moi."))
    assert post(camille, f"/charter/comments/{other}/support", {"action": "add"}).status_code == 200
    assert post(camille, "/charter/clauses/4/support", {"action": "add"}).status_code == 200
    followed = post(camille, "/follow", {"target_type": "clause", "target_key": "contact-humain",
                                         "action": "follow", "frequency": "daily",
                                         "next": "/charter/clauses/4"})  # fmt: skip
    assert followed.status_code == 200, followed.text[:300]
    page = _shared(engine, camille, "/charter/clauses/4")
    assert _account_link(page) == "Camille Partage"
    assert page.count("(vous soutenez)") == 2
    assert f'action="/charter/comments/{own}/edit"' in page
    assert f'action="/charter/comments/{own}/delete"' in page
    assert "ne plus suivre" in page
    camille_token = _tokens(page)
    assert len(camille_token) == 1
    entries = [e for e in fragment_cache(app)._entries.values() if isinstance(e, SharedPage)]
    assert entries, "no shared page kept"
    everything_shared = "".join(part for e in entries for part in e.parts.values())
    for personal in ("Camille Partage</a>", "(vous soutenez)", "/edit", "ne plus suivre",
                     *camille_token):  # fmt: skip
        assert personal not in everything_shared, personal

    dominique = _browser(app, engine, make_user(name="Dominique Autre"))
    page2 = _shared(engine, dominique, "/charter/clauses/4")
    assert _account_link(page2) == "Dominique Autre"
    assert "Camille Partage</a>" not in page2  # her name is shown only as the comment's author
    assert "(vous soutenez)" not in page2 and "/edit" not in page2 and "/delete" not in page2
    assert "ne plus suivre" not in page2 and "Suivre (alerte par e-mail)" in page2
    assert "Mon avis à moi." in page2 and "Avis de l'agent." in page2
    assert len(_tokens(page2)) == 1 and not _tokens(page2) & camille_token
    assert f'action="/charter/comments/{own}/report"' in page2  # he may report her comment

    page3 = _shared(engine, camille, "/charter/clauses/4")
    assert _account_link(page3) == "Camille Partage" and page3.count("(vous soutenez)") == 2
    assert f'action="/charter/comments/{own}/edit"' in page3
    for c in (camille, dominique):
        c.__exit__(None, None, None)


def test_the_shared_page_is_the_page_rendered_for_the_visitor(
    accounts: Accounts,
    app: Starlette,
    engine: Engine,
    make_user: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """For an anonymous visitor, a resident with comments, supports and a follow, an agent and
    an official, in French and in English, each page served from the shared page is, but for
    the token and the form keys, the page rendered for them alone."""
    resident = make_user(name="Résidente Témoin")
    for n in range(3):
        add_comment(engine, author_id=accounts["agent"], body=f"Avis numéro {n} de l'agent.")
    camille = _browser(app, engine, resident)
    own = new_comment_id(post_comment(camille, "Mon avis **à moi**."))
    post(camille, f"/charter/comments/{own - 1}/support", {"action": "add"})
    post(camille, "/charter/clauses/4/support", {"action": "add"})
    visitors = {
        "anonymous": _browser(app, engine),
        "resident": camille,
        "agent": _browser(app, engine, accounts["agent"]),
        "official": _browser(app, engine, accounts["elu"]),
    }
    paths = ["/charter", "/charter/clauses/4", "/charter/clauses/4?page=1&x=%3Cb%3E",
             "/charter/clauses/2", "/charter/v/1"]  # fmt: skip
    for lang in ("fr", "en"):
        for who, client in visitors.items():
            client.cookies.set("portal_lang", lang)
            for path in paths:
                shared = _shared(engine, client, path)
                monkeypatch.setattr(charter_pages, "shareable", lambda _request: False)
                alone = client.get(path)
                monkeypatch.undo()
                assert alone.status_code == 200
                assert _normalised(shared) == _normalised(alone.text), (lang, who, path)
    assert "Résidente Témoin" in _shared(engine, camille, "/charter")
    for c in visitors.values():
        c.__exit__(None, None, None)


def test_writes_on_another_process_are_seen_at_once(
    accounts: Accounts,
    app: Starlette,
    other_process: Starlette,
    engine: Engine,
    make_user: Any,
) -> None:
    """A resident and an anonymous visitor on process 1 have the clause page and the charter
    from their shared pages; on process 2 a comment is posted, a comment supported, a comment
    hidden by a moderator, an author renamed and the version published: each is on their next
    view on process 1, and their next view after that is shared again."""
    first = add_comment(engine, author_id=accounts["agent"], body="Un premier avis partagé.")
    readers = [_browser(app, engine, make_user()), _browser(app, engine)]
    writer_id = make_user(name="Plume Avant")
    writer = _browser(other_process, engine, writer_id)
    moderator = _browser(other_process, engine, make_user("moderator"))
    official = _browser(other_process, engine, accounts["elu"])

    def seen(path: str, *expected: str, absent: str = "") -> None:
        for reader in readers:
            page = reader.get(path).text
            for text in expected:
                assert text in page, (path, text)
            assert not absent or absent not in page, (path, absent)
            again = _shared(engine, reader, path)
            assert all(text in again for text in expected)

    for reader in readers:
        _shared(engine, reader, "/charter/clauses/4")
        _shared(engine, reader, "/charter")
    new_id = new_comment_id(post_comment(writer, "Écrit sur un autre processus."))
    seen("/charter/clauses/4", "Écrit sur un autre processus.", f'id="comment-{new_id}"')
    supported = post(writer, f"/charter/comments/{first}/support", {"action": "add"})
    assert supported.status_code == 200
    block = f'id="support-comment-{first}"'
    seen("/charter/clauses/4", block + '>\n  <span class="support-count">1 soutien</span>')
    with session_scope(engine) as session:
        insert_report(session, comment_id=first, reporter_id=writer_id, reason="insult")
    hidden = post(moderator, f"/moderation/comments/{first}/hide", {"reason": "insult"},
                  follow_redirects=False)  # fmt: skip
    assert hidden.status_code == 303
    seen("/charter/clauses/4", "Masqué par la modération", absent="Un premier avis partagé.")
    with session_scope(engine) as session:
        change_display_name(session, user_id=writer_id, display_name="Plume Après")
    seen("/charter/clauses/4", "Plume Après", absent="Plume Avant")
    publish_page = official.get("/charter/v/2/publish").text
    digest = re.search(r'name="seen" value="([^"]+)"', publish_page)
    assert digest
    form = {"note": "Version 2 adoptée.", "lock_version": "1", "reason": "Fin des débats.",
            "seen": digest.group(1)}  # fmt: skip
    assert post(official, "/charter/v/2/publish", form, follow_redirects=False).status_code == 303
    seen("/charter", "Version 2, publiée le", absent="Projet de version 2")
    for c in (*readers, writer, moderator, official):
        c.__exit__(None, None, None)


def test_own_parts_are_rendered_once_for_everyone_who_shares_them(
    accounts: Accounts,
    app: Starlette,
    engine: Engine,
    make_user: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two residents who support the same comment see its thread with "(vous soutenez)": the
    thread is rendered for the first, and the second gets the same rendering with his own token
    and form key, nothing of hers. Its author sees her edit button while she may edit, and no
    longer once the 15 minutes are past, on the same shared page."""
    renders: list[str] = []
    real = templating.render_slot_string

    def counting(request: Any, slot: Any, extra: Any) -> str:
        renders.append(slot.template)
        return real(request, slot, extra)

    monkeypatch.setattr(templating, "render_slot_string", counting)
    author = _browser(app, engine, make_user(name="Autrice Fil"))
    own = new_comment_id(post_comment(author, "Un avis que deux personnes soutiennent."))
    fans = [_browser(app, engine, make_user()) for _ in range(2)]
    for fan in fans:
        assert post(fan, f"/charter/comments/{own}/support", {"action": "add"}).status_code == 200
    path = "/charter/clauses/4"
    pages = []
    for fan in fans:
        _shared(engine, fan, path)  # the first view after the supports renders the page
        renders.clear()
        pages.append(_shared(engine, fan, path))
        assert renders == [], renders  # the thread as its supporters see it was kept
    thread = re.compile(rf'<li class="comment" id="comment-{own}">.*?</li>', re.S)
    first, second = (thread.search(p).group(0) for p in pages)
    assert "(vous soutenez)" in first and "(vous soutenez)" in second
    assert f"/charter/comments/{own}/edit" not in first + second
    assert _tokens(first) == _tokens(pages[0]) and _tokens(second) == _tokens(pages[1])
    assert not _tokens(first) & _tokens(second)
    keys = [re.search(r'name="form_key" value="([^"]+)"', p).group(1) for p in (first, second)]
    assert keys[0] != keys[1] and keys[0].endswith(f"-{own}")

    mine = _shared(engine, author, path)
    assert f'action="/charter/comments/{own}/edit"' in mine
    assert "(vous soutenez)" not in thread.search(mine).group(0)
    with session_scope(engine) as session:  # the comment is now 20 minutes old
        session.execute(
            update(Comment)
            .where(Comment.id == own)
            .values(created_at=utcnow() - timedelta(minutes=20))
        )
    later = author.get(path).text
    assert f'action="/charter/comments/{own}/edit"' not in later
    assert f'action="/charter/comments/{own}/delete"' in later
    for c in (author, *fans):
        c.__exit__(None, None, None)
