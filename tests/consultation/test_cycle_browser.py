"""The whole consultation cycle in a real browser, with axe-core on every page visited."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from portal.consultation.participation.models import Comment
from portal.db import session_scope
from tests.factories import email_of
from tests.helpers import assert_accessible, sign_in

AMENDED = (
    "Aucun service municipal n'est accessible uniquement par une machine. Un numéro de téléphone "
    "direct, sans serveur vocal, est publié sur toutes les pages du site de la Ville."
)
ABUSIVE = "Les élus sont des incapables et des menteurs."


def visit(page: Any, url: str) -> None:
    page.goto(url)
    assert_accessible(page)


def comment_id(engine: Engine, body: str) -> int:
    with session_scope(engine, write=False) as session:
        found = session.scalar(select(Comment.id).where(Comment.body == body))
        assert found is not None, body
        return int(found)


def test_the_whole_cycle_with_four_roles(
    live_server: str, new_page: Any, engine: Engine, accounts: dict[str, int], make_user: Any
) -> None:
    """Agent proposes, residents comment and support, moderator hides, official accepts and
    publishes; a signed-out citizen reads v2, the diff, the origin, the export and the feed."""
    agent = make_user("agent", name="Karim Agent")
    alice, bruno = make_user(name="Alice Habitante"), make_user(name="Bruno Habitant")
    moderator = make_user("moderator")
    official = make_user("official", name="Sophie Élue")
    base = live_server

    # 1. An agent proposes an amendment of article 4.
    page = sign_in(new_page(), base, email_of(engine, agent))
    visit(page, f"{base}/charter/proposals/new?article=4")
    page.fill("#title", "Un numéro direct sans serveur vocal")
    page.fill("#body", AMENDED)
    page.fill("#rationale", "Les personnes âgées abandonnent face aux serveurs vocaux.")
    page.get_by_role("button", name="Publier la proposition").click()
    page.wait_for_url(lambda url: "/charter/proposals/" in url and "new" not in url)
    proposal_url = page.url.split("#")[0]
    assert_accessible(page)

    # 2. Residents comment and support; one writes an abusive comment, the other reports it.
    page = sign_in(new_page(), base, email_of(engine, alice))
    visit(page, f"{base}/charter/clauses/4")
    page.fill("#comment-body", "Un numéro direct, c'est ce que demandent les aînés.")
    page.get_by_role("button", name="Publier mon commentaire").click()
    page.get_by_text("c'est ce que demandent les aînés").first.wait_for()
    visit(page, proposal_url)
    page.locator("#support-proposal-1 button").click()
    page.get_by_text("Retirer mon soutien").first.wait_for()
    bruno_page = sign_in(new_page(), base, email_of(engine, bruno))
    bruno_page.goto(f"{base}/charter/clauses/4")
    bruno_page.fill("#comment-body", ABUSIVE)
    bruno_page.get_by_role("button", name="Publier mon commentaire").click()
    bruno_page.get_by_text(ABUSIVE).first.wait_for()
    abusive = comment_id(engine, ABUSIVE)
    page.goto(f"{base}/charter/clauses/4")
    page.locator(f"#comment-{abusive} summary", has_text="Signaler").click()
    page.select_option(f"#report-{abusive}", "insult")
    with page.expect_response(lambda r: r.url.endswith(f"/comments/{abusive}/report")):
        page.locator(f"#comment-{abusive}").get_by_role(
            "button", name="Envoyer le signalement"
        ).click()

    # 3. A moderator hides it with a reason.
    page = sign_in(new_page(), base, email_of(engine, moderator))
    visit(page, f"{base}/moderation")
    item = page.locator(f"#comment-{abusive}")
    item.locator("select[name=reason]").first.select_option("insult")
    item.get_by_role("button", name="Masquer ce commentaire").click()
    page.get_by_text("Aucun commentaire signalé en attente.").wait_for()
    assert_accessible(page)

    # 4. An official accepts the amendment with a reason, then publishes version 2.
    page = sign_in(new_page(), base, email_of(engine, official))
    visit(page, f"{base}/charter/review")
    page.get_by_role("link", name="Répondre").first.click()
    assert_accessible(page)
    page.check("input[name=decision][value=accepted]")
    page.fill("textarea[name=reason]", "Retenu : un numéro direct garantit l'accès humain.")
    page.get_by_role("button", name="Publier la réponse").click()
    page.get_by_text("Votre réponse est publiée.").wait_for()
    visit(page, f"{base}/charter")
    page.get_by_role("link", name="Publier la version 2…").click()
    assert "la consultation est encore ouverte jusqu'au" in page.locator("main").inner_text()
    assert_accessible(page)
    page.fill("#note", "Version 2 : un numéro direct, après la consultation.")
    page.fill("#reason", "Le conseil municipal vote le texte ce soir.")
    page.get_by_role("button", name="Publier quand même la version 2").click()
    page.wait_for_url(f"{base}/charter/v/2")

    # 5. A signed-out citizen reads version 2, the diff, the origin, the export and the feed.
    page = new_page()
    visit(page, f"{base}/charter/v/2")
    article = page.locator("#article-4")
    assert "Un numéro de téléphone direct, sans serveur vocal" in article.inner_text()
    article.get_by_text("Pourquoi cet article est rédigé ainsi").click()
    origin = article.inner_text()
    assert "Un numéro direct sans serveur vocal" in origin
    assert "Retenu : un numéro direct garantit l'accès humain." in origin
    visit(page, f"{base}/charter/diff?from=1&to=2")
    assert page.locator("main ins", has_text="téléphone").count() >= 1
    visit(page, f"{base}/charter/clauses/4")
    assert ABUSIVE not in page.content()
    visit(page, f"{base}/moderation/figures")
    visit(page, f"{base}/consultation/export")
    data = json.loads(page.request.get(f"{base}/consultation/export.json").text())
    [proposal] = data["proposals"]
    assert (
        proposal["decision"] == "accepted" and proposal["applied_clause_slug"] == "contact-humain"
    )
    assert data["answers"][0]["reason"] == "Retenu : un numéro direct garantit l'accès humain."
    hidden = next(c for c in data["comments"] if c["id"] == abusive)
    assert hidden["state"] == "hidden" and hidden["body"] is None
    assert "Alice" not in json.dumps(data) and "Sophie" not in json.dumps(data)
    csv_text = page.request.get(f"{base}/consultation/export.csv").text()
    assert "Retenu : un numéro direct garantit l'accès humain." in csv_text
    feed = page.request.get(f"{base}/charter/feed.atom").text()
    assert "Version 2 de la charte publiée" in feed
    assert "Réponse à la proposition « Un numéro direct sans serveur vocal » : Acceptée" in feed
