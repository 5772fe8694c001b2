"""In Chromium, the issue's "done when": an agent uploads a PDF of minutes; a signed-out citizen
searches, asks, follows the citation to the highlighted paragraph, and gets the city's contact
when the minutes say nothing. axe-core (WCAG 2.1 A/AA) runs on every page visited."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.engine import Engine

from portal.council import method
from portal.council.ingest import ingest_paths
from portal.settings import Settings
from tests.helpers import PASSWORD, assert_accessible, mails_to, read_council_uploads, sign_in

from .conftest import CONTENT

QUESTION = "Quand le conseil a-t-il adopté la charte de l'IA ?"


def test_upload_search_ask_cite_and_not_found(
    live_server: str,
    new_page: Any,
    engine: Engine,
    settings: Settings,
    make_user: Any,
    demo_pdfs: list[Path],
) -> None:
    """Upload a PDF, find "piscines", get the quoted adoption of the AI charter, land on it."""
    base = live_server
    may = next(p for p in demo_pdfs if p.name == "2024-05-16.pdf")
    others = [p for p in demo_pdfs if p != may] + sorted(CONTENT.glob("*.md"))
    assert ingest_paths(engine, others)[1] == []
    make_user("agent", email="agent@example.org")

    agent = new_page()
    agent.goto(f"{base}/login?next=/council/upload")
    agent.get_by_label("Adresse e-mail").fill("agent@example.org")
    agent.get_by_label("Mot de passe").fill(PASSWORD)
    agent.get_by_role("button", name="Se connecter").click()
    agent.wait_for_url(f"{base}/council/upload")
    assert_accessible(agent)
    agent.get_by_label("Fichier du procès-verbal").set_input_files(str(may))
    agent.get_by_role("button", name="Envoyer").click()
    agent.wait_for_url(re.compile(rf"{base}/council/uploads/\d+$"))
    assert agent.get_by_text("en attente de lecture").is_visible()
    assert_accessible(agent)
    # The worker reads the file; htmx polls the status, which turns into a link to the meeting.
    assert read_council_uploads(engine, settings) == "uploads read: done=1 refused=0"
    agent.get_by_text("Séance du 16/05/2024 ajoutée.").wait_for(timeout=10000)
    assert_accessible(agent)
    agent.get_by_role("link", name="Voir la séance du 16/05/2024").click()
    agent.wait_for_url(f"{base}/council/m/2024-05-16")
    assert agent.get_by_role(
        "link", name=re.compile("Rénovation de la piscine des Raguidelles")
    ).is_visible()

    # The first search of a process loads the French language models (seconds on a loaded
    # machine, beyond a click's timeout): load them before the citizen's first click.
    assert httpx.get(f"{base}/council/search?q=piscine", timeout=120).status_code == 200
    citizen = new_page()
    citizen.goto(f"{base}/council")
    assert_accessible(citizen)
    citizen.get_by_label("Chercher dans les procès-verbaux").fill("piscines")
    citizen.locator("#contenu").get_by_role("button", name="Chercher").click()
    citizen.wait_for_url(re.compile(r".*/council/search\?q=piscines"))
    first = citizen.locator(".hit").first
    # A deliberation on the pool's renovation (2024-05-10, or its 2024-12-04 amendment, which
    # names the pool and its "bassin", a synonym in the municipal thesaurus).
    assert re.search(r"délibération n° 2024-(05-10|12-04) : .*piscine", first.inner_text())
    assert citizen.locator(".hit mark").first.inner_text().lower() == "piscine"
    assert_accessible(citizen)

    citizen.goto(f"{base}/council")
    citizen.get_by_label("Poser une question sur les décisions du conseil").fill(QUESTION)
    citizen.get_by_role("button", name="Demander").click()
    citizen.wait_for_url(re.compile(r".*/council/ask\?q=.*"))
    quote = citizen.locator(".quote").first
    quoted = quote.locator("blockquote").inner_text().strip().removeprefix("« ").removesuffix(" »")
    assert quoted.startswith(
        "Le Conseil municipal, après en avoir délibéré, adopte la charte municipale"
    )
    assert citizen.get_by_text("Comment cette réponse a été faite").is_visible()
    assert_accessible(citizen)
    link = quote.get_by_role("link")
    assert "Séance du" in link.inner_text() and "2024-11-01" in link.inner_text()
    link.click()
    citizen.wait_for_url(re.compile(r".*/council/m/2024-11-14#p\d+$"))
    target = citizen.locator(":target")
    assert quoted in target.inner_text()
    background = target.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(255, 243, 196)"  # the highlighted paragraph
    assert_accessible(citizen)

    citizen.goto(f"{base}/council/ask")
    citizen.get_by_label("Poser une question sur les décisions du conseil").fill(
        "Quel temps fera-t-il demain à Marseille ?"
    )
    citizen.get_by_role("button", name="Demander").click()
    citizen.wait_for_url(re.compile(r".*/council/ask\?q=.*"))
    assert citizen.get_by_role(
        "heading", name=re.compile("pas trouvé de passage qui réponde")
    ).is_visible()
    assert citizen.locator("address.contact").inner_text().count("01 41 18 19 20") == 1
    assert citizen.locator(".quote").count() == 0
    assert_accessible(citizen)


def test_council_pages_work_without_javascript(
    live_server: str, new_page: Any, engine: Engine, demo_pdfs: list[Path]
) -> None:
    """Search with a facet, ask and the meeting page work with JavaScript off."""
    ingest_paths(engine, demo_pdfs)
    page = new_page(javascript=False)
    page.goto(f"{live_server}/council/search?q=piscine")
    page.get_by_role("link", name=re.compile("^Sport")).click()
    page.wait_for_url(re.compile("theme=Sport"))  # a click does not wait for the next page
    assert page.locator(".hit").count() >= 3
    page.get_by_label("Issue du vote").select_option("adopted")
    page.locator("#contenu").get_by_role("button", name="Chercher").click()
    page.wait_for_url(re.compile("issue=adopted"))
    page.goto(
        f"{live_server}/council/ask?q=Combien+co%C3%BBte+la+r%C3%A9novation+de+la+piscine+%3F"
    )
    assert "14,2 millions" in page.locator(".quote").first.inner_text()


def test_questions_in_residents_words_get_the_right_quoted_sentence(
    live_server: str, new_page: Any, engine: Engine, demo_pdfs: list[Path]
) -> None:
    """An amount, a date and a vote question typed the way residents type them (no accents, a
    typo) get the sentence that answers, quoted with its deliberation's number and title."""
    assert ingest_paths(engine, demo_pdfs + sorted(CONTENT.glob("*.md")))[1] == []
    page = new_page()
    expected = {
        "combien coute la renovation de la piscinne": ("14,2 millions d'euros", "2024-05-10"),
        "quand est ce que la piscine rouvre": ("la réouverture est désormais prévue en juin 2026",
                                               "2024-12-04"),
        "qui a vote contre le budget 2024": ("Il annonce que son groupe votera contre.",
                                             "2024-03-01"),
    }  # fmt: skip
    for question, (sentence, number) in expected.items():
        page.goto(f"{live_server}/council/ask")
        page.get_by_label("Poser une question sur les décisions du conseil").fill(question)
        page.get_by_role("button", name="Demander").click()
        page.wait_for_url(re.compile(r".*/council/ask\?q=.*"))
        quotes = page.locator(".quote")
        texts = [quotes.nth(i).inner_text() for i in range(quotes.count())]
        answering = [t for t in texts if sentence in t]
        assert answering, (question, texts)
        assert f"délibération n° {number}" in answering[0]
    # The pronoun's sentence comes with the one that says who "il" is.
    assert "Olivier Garnier" in answering[0]
    assert_accessible(page)
    # The method page, linked from "Comment cette réponse a été faite", shows the figures.
    assert page.locator('details.method a[href="/council/methode"]').count() == 1
    page.goto(f"{live_server}/council/methode")
    assert page.get_by_role("table", name="moitié test", exact=False).count() == len(method.SETS)
    for measured in method.SETS:
        assert page.get_by_role("table", name=f"{measured.town}, moitié test").is_visible()
    assert page.get_by_role("table", name="moitié de réglage", exact=False).count() == len(
        method.SETS
    )
    assert_accessible(page)


def test_facets_filter_and_a_resident_follows_the_search(
    live_server: str, new_page: Any, engine: Engine, make_user: Any, demo_pdfs: list[Path]
) -> None:
    """A resident narrows a search by an amount range and a year cited, removes a filter, follows
    the search, and finds it in Mon espace, where they stop following it; axe-core on each page."""
    assert ingest_paths(engine, demo_pdfs + sorted(CONTENT.glob("*.md")))[1] == []
    make_user(email="habitante@example.org")
    assert httpx.get(f"{live_server}/council/search?q=piscine", timeout=120).status_code == 200
    page = sign_in(new_page(), live_server, "habitante@example.org")
    page.goto(f"{live_server}/council/search?q=budget")
    amounts = page.locator("ul.facet-amount li")
    assert amounts.count() >= 2
    assert_accessible(page)
    page.locator("ul.facet-amount").get_by_role("link", name="10 millions € et plus").click()
    page.wait_for_url(re.compile(r"montant=10000000-"))
    applied = page.locator(".active-filters")
    assert "Montant : 10 millions € et plus" in applied.inner_text()
    shown = page.locator("h2", has_text="trouvé").first.inner_text()
    assert re.match(r"\d+ passages? trouvés?", shown)
    assert_accessible(page)
    page.goto(f"{live_server}/council/search?q=s%C3%A9ance")
    year = page.locator("ul.facet-year a").first
    year_label = year.inner_text()
    year.click()
    page.wait_for_url(re.compile(rf"annee={year_label}"))
    page.locator("ul.facet-month a").first.click()
    page.wait_for_url(re.compile(r"mois=\d{4}-\d{2}"))
    assert "Mois cité" in page.locator(".active-filters").inner_text()
    page.get_by_role("link", name=f"retirer ce filtre : Date citée : {year_label}").click()
    page.wait_for_url(lambda url: "annee=" not in url and "mois=" not in url)
    assert_accessible(page)

    page.get_by_role("button", name="Suivre cette recherche").click()
    page.get_by_text("Vous suivez cette recherche.").first.wait_for()
    assert_accessible(page)
    page.goto(f"{live_server}/espace")
    page.get_by_role("link", name="Mes recherches suivies").click()
    page.wait_for_url(f"{live_server}/council/alerts")
    assert page.get_by_role("link", name="« séance »").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Ne plus suivre la recherche « séance »").click()
    page.get_by_text("Vous ne suivez aucune recherche.").wait_for()
    assert_accessible(page)


def test_a_question_the_minutes_do_not_answer_goes_to_the_office_and_back(
    live_server: str, new_page: Any, engine: Engine, make_user: Any, demo_pdfs: list[Path]
) -> None:
    """The issue's last "done when", in Chromium: a resident's question the minutes do not
    answer is forwarded from the answer page; an agent answers it from the desk, reached by
    links from the council's page; the resident opens the link of the mail in the outbox and
    finds the answer, then the public list. axe-core on every page."""
    ingest_paths(engine, demo_pdfs)
    make_user(email="habitante@exemple.fr")
    make_user("agent", email="agent@example.org")
    question = "Où garer mon bateau ?"
    resident = sign_in(new_page(), live_server, "habitante@exemple.fr")
    resident.goto(f"{live_server}/council/ask?q={question}")
    resident.get_by_role("heading", name="Je n'ai pas trouvé de passage qui réponde").wait_for()
    assert_accessible(resident)
    resident.get_by_role("button", name="Transmettre ma question au service").click()
    resident.get_by_text("Votre question a été transmise au service.").wait_for()
    assert_accessible(resident)

    agent = sign_in(new_page(), live_server, "agent@example.org")
    agent.goto(f"{live_server}/council")
    agent.get_by_role("link", name="Questions transmises par les habitants").first.click()
    agent.get_by_role("heading", name=question).wait_for()
    assert agent.get_by_text("1 question attend une réponse").is_visible()
    assert_accessible(agent)
    agent.get_by_label("Réponse publique").fill("Le port de plaisance dépend de la métropole.")
    agent.get_by_role("button", name="Publier la réponse").click()
    agent.get_by_text("Réponse publiée").wait_for()
    assert_accessible(agent)

    mail = mails_to(engine, "habitante@exemple.fr")[-1]
    link = re.search(r"https?://\S+/council/questions/\d+", mail.body)
    assert link, mail.body
    resident.goto(live_server + urlsplit(link.group(0)).path)
    resident.get_by_role("heading", name=question).wait_for()
    assert resident.get_by_text("Le port de plaisance dépend de la métropole.").is_visible()
    assert_accessible(resident)
    resident.get_by_role("link", name="Questions des habitants").first.click()
    resident.wait_for_url(f"{live_server}/council/questions")
    assert resident.get_by_text("Le port de plaisance dépend de la métropole.").is_visible()
    assert_accessible(resident)
