"""In Chromium, without JavaScript: an agent keeps an unfinished entry (a wrong date, a half
cost row, most fields empty), finds it again from "Mon espace", completes it and sends it for
review; it is public nowhere until an official publishes it. axe-core passes on every page, and
the register's staff pages fit a 375-pixel screen."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import Engine

from tests.factories import email_of
from tests.helpers import assert_accessible, sign_in

NAME = "Tri automatique du courrier entrant"
# The rest of a complete entry, typed when the agent comes back.
COMPLETION = {
    "#f-slug": "tri-courrier",
    "#f-purpose": "Envoyer plus vite chaque courrier au bon service.",
    "#f-description": "L'outil propose un service destinataire ; un agent du courrier confirme.",
    "#f-service-name": "Direction de la relation usagers",
    "#f-supplier-name": "Éditeur retenu sur marché public",
    "#f-hosting-location": "Union européenne",
    "#f-data-used-0": "Le courrier numérisé",
    "#f-data-retention": "Durée de traitement du courrier",
    "#f-risk-reasoning": "Aide au tri interne, sans décision sur les personnes.",
    "#f-human_oversight": "Un agent du courrier confirme chaque proposition.",
    "#f-human_contact-channels-0-channel": "Téléphone",
    "#f-human_contact-channels-0-phone": "01 41 18 19 20",
    "#f-human_contact-channels-0-hours": "du lundi au vendredi de 8 h 30 à 17 h 30",
    "#f-human_contact-opt_out": "Déposez votre courrier à l'accueil et demandez un tri manuel.",
    "#f-encounter-where-0": "Le courrier adressé à la mairie",
    "#f-encounter-labelling": "Aucune production visible des habitants.",
    "#f-limits-0": "Peut proposer un mauvais service pour un courrier manuscrit.",
    "#f-mitigations-0": "Confirmation par un agent.",
    "#f-evaluation-method": "Part des propositions corrigées, chaque mois.",
    "#f-dates-study": "2026-10-01",
    "#f-costs-0-amount_eur": "12000",
}
SELECTS = {
    "#f-status": "study",
    "#f-personal_data-processed": "true",
    "#f-risk-category": "minimal",
    "#f-decisions-individual_decisions": "false",
    "#f-costs-0-kind": "investment",
}


def _accessible_as(page: Any, new_page: Any) -> None:
    """axe-core on the page `page` shows (JavaScript off), opened by a JavaScript-enabled page
    holding the same session."""
    checker = new_page()
    checker.context.add_cookies(page.context.cookies())
    checker.goto(page.url)
    assert_accessible(checker)


def test_an_agent_keeps_an_unfinished_entry_and_sends_it_later(
    live_server: str, new_page: Any, engine: Engine, registry: list[str], make_user: Any
) -> None:
    """Kept with errors, reopened from "Mon espace" with everything as typed and each error
    beside its field, completed, sent: the official then sees it; nobody else before."""
    agent = sign_in(new_page(javascript=False), live_server, email_of(engine, make_user("agent")))
    agent.goto(f"{live_server}/registry/new")
    agent.fill("#f-name", NAME)
    agent.fill("#f-summary", "Propose le service destinataire de chaque courrier reçu.")
    agent.fill("#f-next_review", "31/12/2027")
    agent.get_by_role("button", name="Ajouter une ligne — Coûts").click()
    agent.fill("#f-costs-0-year", "2026")
    agent.fill("#f-change_summary", "Nouvel outil de tri")
    agent.get_by_role("button", name="Garder le brouillon sans l'envoyer").click()
    agent.get_by_text("Brouillon gardé sans être envoyé en relecture").wait_for()
    assert re.search(r"/registry/drafts/incomplete/\d+$", agent.url), agent.url
    kept_url = agent.url
    assert "format invalide" in agent.inner_text("#f-next_review-error")
    assert "obligatoire" in agent.inner_text("#f-costs-0-amount_eur-error")
    assert "obligatoire" in agent.inner_text("#f-purpose-error")
    assert agent.input_value("#f-next_review") == "31/12/2027"
    assert agent.input_value("#f-costs-0-year") == "2026"
    _accessible_as(agent, new_page)

    visitor = new_page()
    visitor.goto(f"{live_server}/registry?q=courrier")
    assert NAME not in visitor.inner_text("main")

    agent.goto(f"{live_server}/espace")
    agent.get_by_role("link", name="Mes brouillons non envoyés").click()
    _accessible_as(agent, new_page)
    agent.get_by_role("link", name=NAME).click()
    agent.wait_for_url(kept_url)
    assert agent.input_value("#f-name") == NAME
    assert agent.input_value("#f-change_summary") == "Nouvel outil de tri"
    for selector, value in COMPLETION.items():
        agent.fill(selector, value)
    for selector, value in SELECTS.items():
        agent.select_option(selector, value)
    agent.fill("#f-next_review", "2027-12-31")
    agent.get_by_role("button", name="Enregistrer le brouillon et l'envoyer en relecture").click()
    assert agent.locator("#form-error").count() == 0, agent.inner_text("#form-error")
    agent.get_by_text("Brouillon enregistré").wait_for()
    _accessible_as(agent, new_page)
    agent.goto(kept_url)
    assert "Brouillon introuvable" in agent.inner_text("main")

    official = sign_in(new_page(), live_server, email_of(engine, make_user("official")))
    official.goto(f"{live_server}/registry/drafts")
    official.get_by_role("link", name=NAME).click()
    assert "Coûts, ligne 1" in official.locator("table.registry-field-changes").inner_text()
    visitor.goto(f"{live_server}/registry/tri-courrier")
    assert "pas encore publiée" in visitor.inner_text("main")


def test_the_registers_staff_pages_fit_a_375_pixel_screen(
    live_server: str, browser: Any, engine: Engine, registry: list[str], make_user: Any,
    owner_id: int,
) -> None:  # fmt: skip
    """At 375 px the editor, a kept draft, the drafts list, a draft's per-field changes, the
    commitments form, the handover form and a search result are no wider than the screen."""
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="fr-FR")
    try:
        agent = sign_in(context.new_page(), live_server, email_of(engine, owner_id))
        agent.goto(f"{live_server}/registry/new")
        agent.fill("#f-name", "Un nom de système assez long pour remplir toute la largeur")
        agent.get_by_role("button", name="Garder le brouillon sans l'envoyer").click()
        agent.get_by_text("Brouillon gardé").wait_for()
        pages = [agent.url, f"{live_server}/registry/new", f"{live_server}/registry/drafts",
                 f"{live_server}/registry/chatbot-habitants/edit",
                 f"{live_server}/registry/chatbot-habitants/handover",
                 f"{live_server}/registry?q=chatbot&status=deployed",
                 f"{live_server}/registry/drafts/1"]  # fmt: skip
        for url in pages:
            agent.goto(url)
            width = agent.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 375, (url, width)
        context.clear_cookies()
        official = sign_in(context.new_page(), live_server, email_of(engine, make_user("official")))
        for path in ("/registry/commitments/new", "/registry/drafts/1"):
            official.goto(f"{live_server}{path}")
            width = official.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 375, (path, width)
    finally:
        context.close()
