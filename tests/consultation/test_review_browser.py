"""Officials' and followers' pages in a real browser: axe-core on the draft editor and unsubscribe."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from portal.consultation.follow.services import follow
from portal.db import session_scope
from tests.factories import email_of
from tests.helpers import assert_accessible, sign_in


def test_draft_editor_and_unsubscribe_pages_are_accessible(
    live_server: str, new_page: Any, engine: Engine, accounts: dict[str, int], make_user: Any
) -> None:
    """axe-core: the draft editor, its refusal of an empty text, and the unsubscribe steps."""
    official = make_user("official")
    page = sign_in(new_page(), live_server, email_of(engine, official))
    page.goto(f"{live_server}/charter/draft/clauses/3/edit")
    assert_accessible(page)
    page.fill("#body", "Un texte revu par l'élue.")
    page.get_by_role("button", name="Enregistrer l'article").click()
    page.wait_for_url(f"{live_server}/charter#article-3")
    assert "Un texte revu par l'élue." in page.locator("#article-3").inner_text()
    resident = make_user()
    with session_scope(engine) as session:
        token = follow(
            session, user_id=resident, target_type="clause", target_key="transparence"
        ).unsubscribe_token
    visitor = new_page()
    visitor.goto(f"{live_server}/follow/unsubscribe/{token}")
    assert_accessible(visitor)
    visitor.get_by_role("button", name="Ne plus recevoir ces e-mails").click()
    visitor.get_by_text("vous ne recevrez plus").wait_for()
    assert_accessible(visitor)
