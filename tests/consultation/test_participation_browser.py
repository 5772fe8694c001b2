"""A real browser, with and without JavaScript: comment, reply, support and report on a clause,
and axe-core on the charter, a clause with comments and a proposal."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from portal.consultation.participation import services as ps
from portal.consultation.participation.models import Comment
from portal.db import session_scope
from tests.factories import clause_id, email_of
from tests.helpers import assert_accessible, sign_in


@pytest.fixture
def discussed_charter(charter: dict[str, int], engine: Engine, make_user: Any) -> dict[str, int]:
    """The open consultation with a proposal and a commented clause 4 (22 comments)."""
    accounts = dict(charter)
    other = make_user(name="Nadia B.")
    with session_scope(engine) as s:
        proposal = ps.create_proposal(
            s, author_id=accounts["agent"], kind="amend", clause_number=4,
            title="Un humain à qui parler", body="Un numéro direct, sans serveur vocal.",
            rationale="Demandé par de nombreux habitants.",
        )  # fmt: skip
        for i in range(21):  # one more than a page: the oldest comes with "load more"
            ps.add_comment(
                s, author_id=other, body=f"Ancien avis {i}", clause_id=clause_id(engine, 4)
            )
        ps.add_comment(s, author_id=other, body="Pensez aux personnes âgées.",
                       clause_id=clause_id(engine, 4))  # fmt: skip
        ps.add_comment(s, author_id=other, body="Très clair.", proposal_id=proposal.id)
        accounts["proposal"] = int(proposal.id or 0)
    return accounts


def bodies(engine: Engine) -> list[str]:
    with session_scope(engine, write=False) as s:
        return list(s.scalars(select(Comment.body).order_by(Comment.id)))


def test_with_javascript_everything_updates_in_place(
    live_server: str,
    new_page: Any,
    discussed_charter: dict[str, int],
    make_user: Any,
    engine: Engine,
) -> None:
    """With htmx: post, reply, support and report without a page load; pages pass axe-core."""
    uid = make_user(name="Julien M.")
    page = new_page(javascript=True)
    page.goto(f"{live_server}/charter")
    assert_accessible(page)
    sign_in(page, live_server, email_of(engine, uid))
    page.goto(f"{live_server}/charter/clauses/4")
    page.evaluate("() => { window.__same_page = true; }")
    page.fill("#comment-body", "Un rappel le samedi serait utile.")
    page.click("text=Publier mon commentaire")
    page.wait_for_selector("text=Votre commentaire est publié.")
    assert page.locator(".comment-body", has_text="Un rappel le samedi").count() == 1
    page.click(f"#support-clause-{clause_id(engine, 4)} button")
    page.wait_for_selector(f"#support-clause-{clause_id(engine, 4)} >> text=1 soutien")
    first = page.locator("li.comment", has_text="Pensez aux personnes âgées.").first
    first.locator("summary", has_text="Répondre").click()
    first.locator("textarea").fill("Et aux personnes sourdes.")
    first.locator("text=Publier la réponse").click()
    page.wait_for_selector("text=Votre réponse est publiée.")
    target = page.locator("li.comment", has_text="Pensez aux personnes âgées.").first
    target.locator("summary", has_text="Signaler").first.click()
    target.locator("select").first.select_option("off_topic")
    target.locator("text=Envoyer le signalement").first.click()
    page.wait_for_selector("text=signalé à la modération")
    assert page.locator("text=Ancien avis 0").count() == 0
    page.click("text=Afficher les commentaires suivants")
    page.wait_for_selector("text=Ancien avis 0")
    assert page.evaluate("() => window.__same_page === true")  # no page load happened
    assert_accessible(page)
    assert bodies(engine)[-2:] == ["Un rappel le samedi serait utile.", "Et aux personnes sourdes."]
    page.goto(f"{live_server}/charter/proposals/{discussed_charter['proposal']}")
    assert page.locator("ins").count() > 0
    assert_accessible(page)


def test_without_javascript_forms_post_and_redirect(
    live_server: str,
    new_page: Any,
    discussed_charter: dict[str, int],
    make_user: Any,
    engine: Engine,
) -> None:
    """Without JavaScript, each action is a plain form post that comes back with a message."""
    uid = make_user(name="Claire D.")
    page = new_page(javascript=False)
    sign_in(page, live_server, email_of(engine, uid))
    page.goto(f"{live_server}/charter/clauses/4")
    page.fill("#comment-body", "Sans JavaScript aussi.")
    page.click("text=Publier mon commentaire")
    page.wait_for_selector("text=Votre commentaire est publié.")
    assert "/charter/clauses/4" in page.url
    page.locator(f"#support-clause-{clause_id(engine, 4)} button").click()
    page.wait_for_selector("text=Merci pour votre soutien.")
    page.fill("#comment-body", "")
    page.locator("#comment-body").evaluate("el => el.removeAttribute('required')")
    page.click("text=Publier mon commentaire")
    page.wait_for_selector("text=Le commentaire est vide")
    assert page.locator("#comment-body[aria-invalid=true]").count() == 1
    page.goto(f"{live_server}/charter/proposals/{discussed_charter['proposal']}")
    page.fill("#comment-body", "Je soutiens cette proposition.")
    page.click("text=Publier mon commentaire")
    page.wait_for_selector("text=Votre commentaire est publié.")
    assert "Sans JavaScript aussi." in bodies(engine)
    assert "Je soutiens cette proposition." in bodies(engine)


def test_agent_drafts_an_amendment_in_the_browser(
    live_server: str, new_page: Any, discussed_charter: dict[str, int], engine: Engine
) -> None:
    """An agent picks a clause, edits its text, gives a reason and sees the word diff."""
    page = new_page(javascript=True)
    sign_in(page, live_server, email_of(engine, discussed_charter["agent"]))
    page.goto(f"{live_server}/charter/proposals/new")
    assert_accessible(page)
    page.select_option("#article", "5")
    page.click("text=Partir du texte de cet article")
    page.wait_for_url("**/charter/proposals/new?article=5")
    text = page.input_value("#body")
    assert len(text) > 100
    page.fill("#body", text + "\n\nUne réponse écrite est envoyée sous quinze jours.")
    page.fill("#rationale", "Les habitants veulent un délai précis.")
    assert_accessible(page)
    page.click("text=Publier la proposition")
    page.wait_for_selector("text=Votre proposition est publiée.")
    assert page.locator(".proposal-diff ins", has_text="quinze jours").count() == 1
