"""User text rendered to safe HTML once, when written, and stored: pages show the stored HTML,
a new renderer's rules reach the pages through the `consultation.rerender` job, and the
migration fills the HTML of rows stored before it, up and down, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from portal import text as user_text
from portal.clock import utcnow
from portal.consultation.participation import jobs as participation_jobs
from portal.consultation.participation.models import Comment, Proposal
from portal.db import session_scope
from portal.manifest import JobContext
from portal.settings import Settings
from tests.factories import Accounts, add_comment, add_proposal
from tests.helpers import new_comment_id, post, post_comment
from tests.migrations_helpers import (
    Migration,
    columns,
    comment,
    migration_at,
    proposal,
    scalar,
    tables,
    user,
    version,
)

XSS = (
    '<script>alert("x")</script> **gras** [lien](javascript:alert(1)) <img src=x onerror=alert(1)>'
)


def _comment(engine: Engine, comment_id: int) -> Comment:
    with session_scope(engine, write=False) as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        return comment


def _run_rerender(engine: Engine, settings: Settings) -> str:
    with session_scope(engine) as session:
        ctx = JobContext(session=session, settings=settings, engine=engine, now=utcnow())
        return participation_jobs.rerender(ctx)


def test_a_comment_posted_is_stored_as_safe_html_and_the_page_shows_it_escaped(
    accounts: Accounts, login_as: Any, engine: Engine
) -> None:
    """A resident's comment with a script, an onerror image and a javascript: link is stored
    rendered and sanitised; the clause page shows the script as text, the bold as bold."""
    client = login_as()
    comment_id = new_comment_id(post_comment(client, XSS))
    stored = _comment(engine, comment_id)
    assert stored.html_version == user_text.RENDERER_VERSION
    assert stored.body_html is not None and "<strong>gras</strong>" in stored.body_html
    body = _comment_body(client.get("/charter/clauses/4").text, comment_id)
    assert "&lt;script&gt;alert" in body and "<script" not in body
    assert "&lt;img src=x onerror" in body and "<img" not in body
    assert "javascript:" not in body.split("[lien]")[0] and 'href="javascript' not in body
    assert "<strong>gras</strong>" in body


def _comment_body(page: str, comment_id: int) -> str:
    after = page.split(f'id="comment-{comment_id}"', 1)[1]
    return after.split('<div class="comment-body">', 1)[1].split("</div>", 1)[0]


def test_an_edit_stores_the_new_html(accounts: Accounts, login_as: Any, engine: Engine) -> None:
    """Editing a comment within its 15 minutes renders and stores the new text at once."""
    client = login_as()
    comment_id = new_comment_id(post_comment(client, "Premier *jet*"))
    post(client, f"/charter/comments/{comment_id}/edit", {"body": "Second **jet**"})
    stored = _comment(engine, comment_id)
    assert stored.body_html is not None and "<strong>jet</strong>" in stored.body_html
    assert "<strong>jet</strong>" in client.get("/charter/clauses/4").text


def test_pages_show_the_stored_html_until_the_job_renders_with_the_new_rules(
    accounts: Accounts,
    client: Any,
    engine: Engine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new renderer (version raised) changes nothing on the pages by itself: the stored HTML is
    shown; the job renders every older row again, and then the clause and proposal pages show
    the new rendering; a second run has nothing left to do."""
    comment_id = add_comment(engine, author_id=accounts["agent"], body="Un avis *nuancé*.")
    proposal_id = add_proposal(engine, author_id=accounts["agent"], rationale="Parce *que*.")
    old_render = user_text.render_markdown

    def new_render(source: str) -> Markup:
        return Markup(str(old_render(source)).replace("<em>", '<em class="nouvelle-regle">'))

    monkeypatch.setattr(user_text, "render_markdown", new_render)
    monkeypatch.setattr(user_text, "RENDERER_VERSION", user_text.RENDERER_VERSION + 1)
    before = client.get("/charter/clauses/4").text
    assert "Un avis <em>nuancé</em>." in before and 'class="nouvelle-regle"' not in before
    assert _run_rerender(engine, settings) != "no change"
    stored = _comment(engine, comment_id)
    assert stored.html_version == user_text.RENDERER_VERSION
    # (Another address than above: the anonymous 5-second page cache is not what is tested.)
    clause_page = client.get("/charter/clauses/4?page=1").text
    assert '<em class="nouvelle-regle">nuancé</em>' in clause_page
    proposal_page = client.get(f"/charter/proposals/{proposal_id}").text
    assert '<em class="nouvelle-regle">que</em>' in proposal_page
    assert _run_rerender(engine, settings) == "no change"


# --- migration 0019 ----------------------------------------------------------------------------


old = migration_at(
    "0018", "0019",
    user(email="agent@exemple.fr", name="Agent"),
    version(number=2),
    proposal("Texte **fort**", XSS, report_count=0),
    *(comment(f"Avis *{i}* {XSS}") for i in range(3)),
)  # fmt: skip


def test_migration_fills_the_html_of_old_rows_and_downgrade_keeps_their_text(
    old: Migration,
) -> None:
    """Comments and proposals stored before 0019 get their sanitised HTML and the renderer's
    version; the downgrade drops the columns and keeps every text as it was."""
    with old.up() as engine, session_scope(engine, write=False) as session:
        comments = list(session.scalars(select(Comment).order_by(Comment.id)))
        assert len(comments) == 3
        for i, stored in enumerate(comments):
            assert stored.html_version == user_text.RENDERER_VERSION
            assert stored.body_html == str(user_text.render_markdown(stored.body))
            assert f"<em>{i}</em>" in stored.body_html
            assert "<script" not in stored.body_html and "<img" not in stored.body_html
            assert "&lt;script&gt;" in stored.body_html
        proposal_row = session.get(Proposal, 1)
        assert proposal_row is not None
        assert proposal_row.body_html == "<p>Texte <strong>fort</strong></p>\n"
        assert proposal_row.rationale_html is not None
        assert "<script" not in proposal_row.rationale_html
        assert session.execute(text("SELECT value FROM consultation_generation")).scalar() == 1
    with old.down() as engine:
        names = columns(engine, "consultation_comment")
        assert "body_html" not in names and "html_version" not in names
        assert "consultation_generation" not in tables(engine)
        with engine.connect() as conn:
            bodies = list(conn.execute(text("SELECT body FROM consultation_comment ORDER BY id")))
            assert [b for (b,) in bodies] == [f"Avis *{i}* {XSS}" for i in range(3)]
    with old.up() as engine:  # and up again
        assert (
            scalar(engine, "SELECT count(*) FROM consultation_comment WHERE body_html IS NULL") == 0
        )
