"""In Chromium, issue 15's "always a human": from an entry to a person (the contact link, the
form without JavaScript, its errors, the acknowledgment), the owner's monthly handover figures
charted on the entry, and a moderator hiding a reported question. axe-core runs on every page."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine

from portal.db import session_scope
from portal.registry import services
from tests.factories import email_of, register_entries
from tests.helpers import assert_accessible, mails_to, sign_in

SLUG = "chatbot-habitants"


@pytest.fixture
def owner_id(make_user: Any) -> int:
    """The agent who owns every demo entry."""
    return int(make_user("agent", name="Agente Responsable"))


@pytest.fixture
def registry(engine: Engine, owner_id: int) -> list[str]:
    """The entries of content/registry/, published."""
    return register_entries(engine, owner_id)


def _contact_flow(page: Any, base: str, *, check: bool) -> None:
    """From the chatbot's entry to a sent message, through one refusal (email missing)."""
    page.goto(f"{base}/registry/{SLUG}")
    if check:
        assert_accessible(page)
    page.get_by_role("link", name="Écrire à un agent du service responsable").click()
    page.wait_for_url(f"{base}/contact?system={SLUG}")
    assert page.get_by_label("Votre message concerne").input_value() == SLUG
    if check:
        assert_accessible(page)
    page.locator("#name").fill("Camille Martin")
    page.locator("textarea#body").fill("Je voudrais parler à quelqu'un de ma demande.")
    page.get_by_role("button", name="Envoyer à un agent").click()
    assert "Indiquez votre adresse" in page.locator("#email-error").inner_text()
    assert page.locator("#name").input_value() == "Camille Martin"
    if check:
        assert_accessible(page)
    page.locator("#email").fill("camille@exemple.fr")
    page.get_by_role("button", name="Envoyer à un agent").click()
    page.get_by_text("Votre message est transmis à").wait_for()
    if check:
        assert_accessible(page)


def test_from_an_entry_to_a_person_without_javascript(
    live_server: str, new_page: Any, engine: Engine, registry: list[str]
) -> None:
    """Without JavaScript a visitor follows the entry's contact link, is told what is missing,
    fixes it and sends; the service and the visitor each get their mail. The same path with
    JavaScript passes axe-core on every page."""
    _contact_flow(new_page(javascript=False), live_server, check=False)
    assert len(mails_to(engine, "relation.usagers@ville-suresnes.example")) == 1
    assert len(mails_to(engine, "camille@exemple.fr")) == 1
    _contact_flow(new_page(), live_server, check=True)
    assert len(mails_to(engine, "camille@exemple.fr")) == 2


def test_every_contact_link_of_every_entry_resolves_in_the_browser(
    live_server: str, new_page: Any, engine: Engine, registry: list[str]
) -> None:
    """Each entry's contact links open a page that is not an error."""
    with session_scope(engine, write=False) as session:
        slugs = [s.slug for s in services.all_published(session)]
    page = new_page(javascript=False)
    for slug in slugs:
        page.goto(f"{live_server}/registry/{slug}")
        hrefs = page.eval_on_selector_all(
            "a[href^='/contact']", "els => els.map(e => e.getAttribute('href'))"
        )
        assert hrefs, slug
        for href in set(hrefs):
            response = page.request.get(f"{live_server}{href}")
            assert response.status == 200, href


def test_owner_enters_figures_and_the_entry_charts_them(
    live_server: str, new_page: Any, engine: Engine, registry: list[str], owner_id: int
) -> None:
    """The owner enters a month over the commitment; the public entry names it, with a chart
    whose text alternative says the same."""
    page = sign_in(new_page(), live_server, email_of(engine, owner_id))
    page.goto(f"{live_server}/registry/{SLUG}/handover")
    assert_accessible(page)
    page.locator("#month").fill("2026-09")
    page.locator("#conversations").fill("1000")
    page.locator("#handovers").fill("2000")
    page.get_by_role("button", name="Enregistrer et publier").click()
    assert "Plus de passages" in page.locator("#handovers-error").inner_text()
    assert_accessible(page)
    page.locator("#handovers").fill("150")
    page.locator("#median_minutes").fill("600")
    page.get_by_role("button", name="Enregistrer et publier").click()
    page.get_by_text("sont enregistrés").wait_for()
    visitor = new_page()
    visitor.goto(f"{live_server}/registry/{SLUG}")
    assert "Engagement non tenu" in visitor.locator("#passages").locator("..").inner_text()
    title = visitor.locator("svg.registry-chart title").last.text_content() or ""
    assert "Au-delà de l'engagement : 2026-09" in title
    assert_accessible(visitor)


def test_a_moderator_hides_a_reported_question(
    live_server: str, new_page: Any, engine: Engine, registry: list[str], make_user: Any
) -> None:
    """A resident reports a question; the moderator's desk lists it; once hidden, the entry
    shows the reason instead of the text."""
    author, reporter, moderator = make_user(), make_user(), make_user("moderator")
    body = "Une question qui sera signalée par une voisine."
    with session_scope(engine) as session:
        services.ask(session, slug=SLUG, author_id=author, body=body, kind="question")
    page = sign_in(new_page(), live_server, email_of(engine, reporter))
    page.goto(f"{live_server}/registry/{SLUG}#questions")
    page.locator(".registry-report summary").first.click()
    page.locator(".registry-report select").first.select_option("spam")
    page.get_by_role("button", name="Signaler aux modérateurs").first.click()
    page.get_by_text("la question est signalée").wait_for()
    assert_accessible(page)
    desk = sign_in(new_page(), live_server, email_of(engine, moderator))
    desk.goto(f"{live_server}/registry/questions/signalees")
    assert body in desk.inner_text("main")
    assert_accessible(desk)
    desk.get_by_role("button", name="Masquer la question").click()
    desk.get_by_text("La question est masquée").wait_for()
    assert_accessible(desk)
    visitor = new_page()
    visitor.goto(f"{live_server}/registry/{SLUG}")
    text = visitor.inner_text("main")
    assert (
        body not in text and "Message masqué par la modération (motif : publicité ou spam)" in text
    )


def test_the_compliance_pack_schema_and_letter_pages_are_accessible(
    live_server: str, new_page: Any, registry: list[str]
) -> None:
    """From the entry to its pack, the letter with its clock, and the schema page: axe-core
    passes on each, and the pack's "à compléter" marks are there."""
    page = new_page()
    page.goto(f"{live_server}/registry/{SLUG}")
    page.get_by_role("link", name="Le dossier de conformité de ce système").click()
    page.wait_for_url(f"{live_server}/registry/{SLUG}/conformite")
    assert "à compléter" in page.inner_text("main")
    assert_accessible(page)
    page.get_by_role("link", name="Préparer la lettre, avec le délai d'un mois").click()
    page.locator("#demande").fill("2026-01-31")
    page.get_by_role("button", name="Recalculer le délai").click()
    assert "28 février 2026" in page.locator("#delai").inner_text()
    assert_accessible(page)
    page.goto(f"{live_server}/registry/schema")
    assert "Version 2.0" in page.inner_text("main")
    assert_accessible(page)


NEW_SYSTEM = {
    "#f-slug": "aide-traduction",
    "#f-name": "Aide à la traduction des courriers",
    "#f-summary": "Un outil qui propose une traduction des courriers de la mairie.",
    "#f-purpose": "Répondre aux habitants qui ne lisent pas le français.",
    "#f-description": "L'outil propose une traduction, qu'un agent relit avant envoi.",
    "#f-service-name": "Direction de la relation usagers",
    "#f-supplier-name": "Éditeur retenu sur marché public",
    "#f-hosting-location": "Union européenne",
    "#f-data-used-0": "Le texte du courrier",
    "#f-data-retention": "Aucune conservation après la traduction",
    "#f-risk-reasoning": "Outil d'aide à la rédaction, sans décision sur les personnes.",
    "#f-human_oversight": "Un agent relit chaque traduction avant l'envoi.",
    "#f-human_contact-channels-0-channel": "Téléphone",
    "#f-human_contact-channels-0-phone": "01 41 18 19 20",
    "#f-human_contact-channels-0-hours": "du lundi au vendredi de 8 h 30 à 17 h 30",
    "#f-human_contact-opt_out": "Demandez un courrier en français seulement.",
    "#f-encounter-where-0": "Les courriers de la mairie",
    "#f-encounter-labelling": "Mention « traduit avec l'aide d'un outil, relu par un agent ».",
    "#f-limits-0": "Peut mal traduire un terme administratif.",
    "#f-mitigations-0": "Relecture par un agent.",
    "#f-evaluation-method": "Relecture d'un échantillon chaque mois.",
    "#f-next_review": "2027-06-30",
    "#f-dates-test": "2026-11-02",
}
SELECTS = {
    "#f-status": "test",
    "#f-personal_data-processed": "false",
    "#f-risk-category": "minimal",
    "#f-decisions-individual_decisions": "false",
}


def test_done_when_an_agent_creates_a_system_through_the_form(
    live_server: str, new_page: Any, engine: Engine, registry: list[str], make_user: Any
) -> None:
    """Issue 15's "done when": an agent creates a system through the form (no YAML), with a
    second channel added without JavaScript and left without hours; the official reads the
    per-field diff and publishes; the pack downloads with its "à compléter" marks; the board
    shows the system failing the human-channel commitment until the agent adds the hours."""
    from portal.registry.commitments import services as commitments
    from tests.factories import published_charter

    published_charter(engine, make_user)
    with session_scope(engine) as session:
        clauses = ("contact-humain", "transparence", "ia-generative", "evaluation")
        for rule in commitments.DEMO_COMMITMENTS:
            commitments.add(session, actor_id=None, clauses=clauses, **rule)
    agent = sign_in(new_page(javascript=False), live_server, email_of(engine, make_user("agent")))
    agent.goto(f"{live_server}/registry/new")
    for selector, value in NEW_SYSTEM.items():
        agent.fill(selector, value)
    for selector, value in SELECTS.items():
        agent.select_option(selector, value)
    agent.get_by_role("button", name="Ajouter une ligne — Canaux").click()
    agent.fill("#f-human_contact-channels-1-channel", "Courrier")
    agent.fill("#f-human_contact-channels-1-desk", "Mairie, 2 rue Carnot")
    agent.fill("#f-change_summary", "Nouvel outil de traduction")
    agent.get_by_role("button", name="Enregistrer le brouillon").click()
    assert agent.locator("#form-error").count() == 0, agent.inner_text("#form-error")
    agent.get_by_text("Brouillon enregistré").wait_for()

    official = sign_in(new_page(), live_server, email_of(engine, make_user("official")))
    official.goto(agent.url)
    table = official.locator("table.registry-field-changes").inner_text()
    assert "Joindre une personne — Canaux, ligne 2" in table and "Courrier" in table
    assert_accessible(official)
    official.get_by_role("button", name="Publier").click()
    official.get_by_text("La modification est publiée.").wait_for()

    visitor = new_page()
    pack = visitor.request.get(f"{live_server}/registry/aide-traduction/conformite.json").json()
    assert pack["a_completer"] > 0 and pack["article_50"][0]["mention"] is None
    visitor.goto(f"{live_server}/registry/aide-traduction/conformite")
    assert "à compléter" in visitor.inner_text("main")
    visitor.goto(f"{live_server}/registry/commitments")
    row = visitor.locator("#sys-aide-traduction").inner_text()
    assert "Non tenu" in row and "Sans horaires ou sans moyen de contact : Courrier." in row
    assert_accessible(visitor)

    agent.goto(f"{live_server}/registry/aide-traduction/edit")
    agent.fill("#f-human_contact-channels-1-hours", "réponse sous huit jours")
    agent.fill("#f-change_summary", "Horaires du courrier")
    agent.get_by_role("button", name="Enregistrer le brouillon").click()
    agent.get_by_text("Brouillon enregistré").wait_for()
    official.goto(agent.url)
    official.get_by_role("button", name="Publier").click()
    official.get_by_text("La modification est publiée.").wait_for()
    visitor.goto(f"{live_server}/registry/commitments")
    row = visitor.locator("#sys-aide-traduction").inner_text()
    assert "Chaque canal a ses horaires et un moyen de contact." in row
    visitor.goto(f"{live_server}/registry/aide-traduction")
    href = visitor.get_attribute("a[href^='/contact?system=aide-traduction']", "href")
    assert visitor.request.get(f"{live_server}{href}").status == 200


def test_registry_pages_fit_a_375_pixel_screen(
    live_server: str, browser: Any, registry: list[str], engine: Engine, owner_id: int
) -> None:
    """At 375 px wide no register page is wider than the screen (wide tables scroll inside
    their own region)."""
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="fr-FR")
    try:
        page = context.new_page()
        for path in ("/registry", f"/registry/{SLUG}", "/registry/programme",
                     "/registry/commitments", "/contact", f"/registry/{SLUG}/conformite",
                     "/registry/schema", f"/registry/{SLUG}/conformite/lettre"):  # fmt: skip
            page.goto(f"{live_server}{path}")
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 375, (path, width)
    finally:
        context.close()
