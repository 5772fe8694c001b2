"""Two full cycles of the consultation in Chromium, on the demo charter: comment, propose (a
resident, an agent, and one recorded at the front desk), answer, guarded publish, open the next
draft, comment on it (a follower of the article is mailed a working link and unsubscribes in one
click); then a signed-out visitor reaches, by links from the home page, the first
cycle's discussions and every one of its proposals with its fate. axe-core runs on every page."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine

from portal.clock import utcnow
from portal.consultation.follow.mails import mail_new_comments
from portal.consultation.follow.models import Frequency
from portal.consultation.participation.models import Proposal
from portal.db import session_scope
from portal.settings import Settings
from tests.factories import consultation, email_of
from tests.helpers import assert_accessible, mails_to, sign_in

FIRST = "Un humain doit pouvoir répondre, même le dimanche."
SECOND = "Pour la version 3 : gardez le numéro direct."
DESK = "Madame R. ne veut pas d'un robot au téléphone."


def visit(page: Any, url: str) -> None:
    page.goto(url)
    assert_accessible(page)


def proposal_id(engine: Engine, title: str) -> int:
    with session_scope(engine, write=False) as session:
        found = session.scalar(select(Proposal.id).where(Proposal.title == title))
        assert found is not None, title
        return int(found)


def answer(page: Any, base: str, pid: int, decision: str, reason: str) -> None:
    visit(page, f"{base}/charter/proposals/{pid}/answer")
    page.check(f"input[name=decision][value={decision}]")
    page.fill("textarea[name=reason]", reason)
    page.get_by_role("button", name="Publier la réponse").click()
    page.get_by_text("Votre réponse est publiée.").wait_for()


def test_two_cycles_then_the_first_is_read_from_home(
    live_server: str, new_page: Any, engine: Engine, settings: Settings, make_user: Any
) -> None:
    """Cycle 1 (version 2) runs with every kind of contribution and a guarded publication, cycle 2
    (version 3) opens and takes a comment; version 2's discussions and proposals stay reachable."""
    accounts = consultation(engine, settings, make_user)
    base = live_server
    official = make_user("official", name="Sophie Élue")
    agent = make_user("agent", name="Karim Agent")
    resident = make_user(name="Alice Habitante")

    # The official lets residents propose during this cycle.
    elu = sign_in(new_page(), base, email_of(engine, official))
    visit(elu, f"{base}/charter")
    elu.check("#proposers-residents")
    elu.get_by_role("button", name="Enregistrer", exact=True).click()
    elu.get_by_text("Le choix de qui peut proposer des amendements est enregistré.").wait_for()

    # Another resident follows article 4, to be told of new comments at once.
    follower = make_user(name="Bruno Suiveur")
    bruno = sign_in(new_page(), base, email_of(engine, follower))
    visit(bruno, f"{base}/charter/clauses/4")
    bruno.get_by_role("button", name="Suivre (alerte par e-mail)").click()
    bruno.get_by_role("button", name="Suivi — ne plus suivre").wait_for()

    # A resident comments and proposes a new article.
    alice = sign_in(new_page(), base, email_of(engine, resident))
    visit(alice, f"{base}/charter/clauses/4")
    alice.fill("#comment-body", FIRST)
    alice.get_by_role("button", name="Publier mon commentaire").click()
    alice.get_by_text(FIRST).first.wait_for()
    # The worker's follow job mails the follower; its link opens the comment on the port served,
    # and the mail's one-click unsubscribe works without a CSRF token (RFC 8058).
    with session_scope(engine) as session:
        assert mail_new_comments(session, frequency=Frequency.IMMEDIATE, now=utcnow()) == 1
    (mail,) = mails_to(engine, email_of(engine, follower), base_url=base)
    assert FIRST in mail.body
    link = next(w for w in mail.body.split() if w.startswith(f"{base}/charter/"))
    bruno.goto(f"{base}/")  # from another page: the same address with an anchor would not reload
    visit(bruno, link)
    anchor = link.split("#", 1)[1]
    assert FIRST in bruno.locator(f"#{anchor}").inner_text()
    unsubscribe = mail.headers["List-Unsubscribe"].strip("<>")
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.startswith(base)
    one_click = httpx.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200, one_click.text[:300]
    visit(bruno, f"{base}/charter/clauses/4")
    bruno.get_by_role("button", name="Suivre (alerte par e-mail)").wait_for()
    visit(alice, f"{base}/charter")
    alice.get_by_role("link", name="Proposer un nouvel article").click()
    assert_accessible(alice)
    alice.select_option("#section", index=1)
    alice.fill("#title", "Un droit à l'oubli")
    alice.fill("#body", "Les données d'un habitant sont effacées au bout d'un an.")
    alice.fill("#rationale", "Personne ne relit de vieilles traces.")
    alice.get_by_role("button", name="Publier la proposition").click()
    alice.wait_for_url(lambda url: "/charter/proposals/" in url and "new" not in url)
    assert_accessible(alice)

    # An agent proposes an amendment, records a resident's comment at the desk and, through the
    # proposal form, a proposal received by mail.
    karim = sign_in(new_page(), base, email_of(engine, agent))
    visit(karim, f"{base}/charter/proposals/new?article=4")
    karim.fill("#title", "Un numéro direct")
    karim.fill("#body", "Un numéro de téléphone direct, sans serveur vocal, est publié partout.")
    karim.fill("#rationale", "Les serveurs vocaux découragent.")
    karim.get_by_role("button", name="Publier la proposition").click()
    karim.wait_for_url(lambda url: "/charter/proposals/" in url and "new" not in url)
    visit(karim, f"{base}/charter")
    karim.get_by_role(
        "link", name="Recueillir une contribution (accueil, téléphone, courrier)"
    ).click()
    karim.wait_for_url(f"{base}/charter/desk")
    assert_accessible(karim)
    karim.select_option("#article", "4")
    karim.fill("#body", DESK)
    karim.check("#desk-channel-telephone")
    karim.fill("#assisted_name", "Mme R.")
    karim.get_by_role("button", name="Publier le commentaire recueilli").click()
    karim.get_by_text("Mme R., recueilli par un agent d'accueil (par téléphone)").first.wait_for()
    assert "Karim Agent" not in karim.locator(".comments").inner_text()
    assert_accessible(karim)
    visit(karim, f"{base}/charter/proposals/new")
    karim.select_option("#section", index=1)
    karim.fill("#title", "Un accueil le samedi")
    karim.fill("#body", "L'accueil de la mairie ouvre le samedi matin.")
    karim.fill("#rationale", "Lettre d'un habitant qui travaille en semaine.")
    karim.check("#channel-courrier")
    karim.get_by_role("button", name="Publier la proposition").click()
    karim.get_by_text("Recueilli par un agent d'accueil (par courrier)").first.wait_for()

    # The official answers two proposals, leaves the third, and publishes with a reason.
    answer(elu, base, proposal_id(engine, "Un droit à l'oubli"), "rejected",
           "La durée légale de conservation s'applique déjà.")  # fmt: skip
    answer(elu, base, proposal_id(engine, "Un numéro direct"), "accepted",
           "Retenu : un numéro direct garantit l'accès humain.")  # fmt: skip
    visit(elu, f"{base}/charter")
    elu.get_by_role("link", name="Publier la version 2…").click()
    assert_accessible(elu)
    check = elu.locator("main").inner_text()
    assert "la consultation est encore ouverte jusqu'au" in check
    assert "1 proposition sans réponse" in check and "Un accueil le samedi" in check
    elu.fill("#note", "Version 2 : un numéro direct.")
    # Without a reason the browser itself keeps the form (the field is required); the server's
    # refusal is tested over HTTP in tests/consultation/test_publication.py.
    elu.get_by_role("button", name="Publier quand même la version 2").click()
    assert elu.url == f"{base}/charter/v/2/publish"
    elu.fill("#reason", "Le conseil municipal vote ce soir ; la réponse au courrier suivra.")
    elu.get_by_role("button", name="Publier quand même la version 2").click()
    elu.wait_for_url(f"{base}/charter/v/2")
    assert "Publiée avant que tout soit terminé" in elu.locator("main").inner_text()
    assert_accessible(elu)

    # Cycle 2: the next draft, opened for comments, and a comment on it.
    visit(elu, f"{base}/charter")
    elu.get_by_role("button", name="Ouvrir la version 3").click()
    elu.get_by_text("La version 3 est en préparation").wait_for()
    elu.get_by_role("button", name="Ouvrir la consultation maintenant").click()
    elu.get_by_text("La consultation est ouverte aux commentaires.").wait_for()
    visit(alice, f"{base}/charter/clauses/4")
    alice.fill("#comment-body", SECOND)
    alice.get_by_role("button", name="Publier mon commentaire").click()
    alice.get_by_text(SECOND).first.wait_for()
    assert "Consultation sur la version 2, article 4" in alice.locator("main").inner_text()
    assert_accessible(alice)

    # A signed-out visitor, from the home page, by links only.
    visitor = new_page()
    visit(visitor, f"{base}/")
    visitor.locator("a[href='/charter']").first.click()
    assert_accessible(visitor)
    visitor.get_by_role("link", name="Toutes les consultations").click()
    assert_accessible(visitor)
    visitor.get_by_role("link", name="Consultation sur la version 2").click()
    assert_accessible(visitor)
    fates = visitor.locator("#all-proposals-title + ol").inner_text()
    assert "Un droit à l'oubli" in fates and "Refusée" in fates
    assert "La durée légale de conservation s'applique déjà." in fates
    assert "Un numéro direct" in fates and "Acceptée" in fates
    assert "Un accueil le samedi" in fates and "Sans réponse" in fates
    assert "Recueilli par un agent d'accueil (par courrier)" in fates
    assert "n'a reçu aucune réponse avant la publication" in fates
    for title in ("Un droit à l'oubli", "Un numéro direct", "Un accueil le samedi"):
        link = visitor.locator("#all-proposals-title + ol").get_by_role(
            "link", name=title, exact=True
        )
        assert link.get_attribute("href") == f"/charter/proposals/{proposal_id(engine, title)}"
    visitor.locator("#discussions-title + ul").get_by_role("link").nth(3).click()
    visitor.wait_for_url(f"{base}/charter/v/2/clauses/4")
    discussion = visitor.locator("main").inner_text()
    assert FIRST in discussion and DESK in discussion and SECOND not in discussion
    assert (
        "on ne peut plus y écrire" in discussion and visitor.locator("#comment-body").count() == 0
    )
    assert_accessible(visitor)
    visitor.get_by_role("link", name="Retour à la version 2").click()
    visitor.locator("#article-4").get_by_role("link", name="Ce qu'ont dit les habitants").click()
    visitor.wait_for_url(f"{base}/charter/v/2/clauses/4")
    visit(visitor, f"{base}/charter/cycles/1")
    visit(visitor, f"{base}/charter/cycles/3")
    assert accounts["elu"] != official


def test_moderating_proposals_in_chromium(
    live_server: str, new_page: Any, engine: Engine, settings: Settings, make_user: Any
) -> None:
    """A resident reports a resident's proposal from its page; the moderator's queue (reported
    proposals, hidden items each with a block button) passes axe-core; hiding masks its page."""
    from portal.consultation.participation import services as ps

    accounts = consultation(engine, settings, make_user)
    author, reporter, moderator = make_user(), make_user(), make_user("moderator")
    with session_scope(engine) as session:
        ps.set_proposers(session, number=2, proposers="residents", actor_id=accounts["elu"])
        proposal = ps.create_proposal(session, author_id=author, kind="new", title="Tous pourris",
                                      body="Texte injurieux.", rationale="Aucune.",
                                      section_slug="principes", is_agent=False)  # fmt: skip
        pid = int(proposal.id or 0)
    page = sign_in(new_page(), live_server, email_of(engine, reporter))
    visit(page, f"{live_server}/charter/proposals/{pid}")
    page.get_by_text("Signaler cette proposition").click()
    page.select_option("#report-proposal-reason", "insult")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_text("la proposition est signalée à la modération").wait_for()
    mod = sign_in(new_page(), live_server, email_of(engine, moderator))
    visit(mod, f"{live_server}/moderation")
    item = mod.locator(f"#proposal-{pid}")
    assert "Tous pourris" in item.inner_text()
    item.get_by_role("button", name="Masquer cette proposition").click()
    mod.get_by_text("La proposition est masquée").wait_for()
    assert_accessible(mod)
    assert (
        mod.locator("table", has_text="Tous pourris").get_by_role("button", name="Bloquer").count()
        == 1
    )
    visit(page, f"{live_server}/charter/proposals/{pid}")
    assert "Tous pourris" not in page.locator("main").inner_text()
    assert "masqué par la modération" in page.locator("main").inner_text()
