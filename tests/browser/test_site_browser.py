"""In Chromium: the header's search box finds a charter article, a register entry and a council
passage for one query, with and without JavaScript; the legal pages are linked from every page's
footer; charter and register entries print without the site around them; in English the French
content is marked lang="fr"; the app started as another city shows that city's name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from sqlalchemy.engine import Engine

from portal.app import create_app
from portal.council.ingest import ingest_paths
from portal.settings import Settings, load_city
from tests.factories import ROOT, consultation, register_entries
from tests.helpers import assert_accessible

LEGAL_LINKS = ["Accessibilité : partiellement conforme", "Mentions légales", "Données personnelles",
               "Cookies", "Plan du site"]  # fmt: skip


def _world(engine: Engine, settings: Settings, make_user: Any) -> list[str]:
    accounts = consultation(engine, settings, make_user)
    slugs = register_entries(engine, accounts["agent"])
    results, errors = ingest_paths(engine, sorted((ROOT / "content" / "council").glob("*.md")))
    assert errors == [] and results
    return slugs


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_header_search_finds_all_three_modules(
    live_server: str, new_page: Any, engine: Engine, settings: Settings, make_user: Any,
    javascript: bool,
) -> None:  # fmt: skip
    """One query typed in the header gives a charter article, a register entry and a council
    passage, in three groups, each leading to its page."""
    _world(engine, settings, make_user)
    page = new_page(javascript=javascript)
    page.set_default_timeout(120_000)  # the first council search loads spaCy
    page.goto(f"{live_server}/")
    page.get_by_role("searchbox", name="Rechercher dans tout le portail").fill(
        "intelligence artificielle"
    )
    page.get_by_role("button", name="Chercher").click()
    page.get_by_role("heading", name="Rechercher dans tout le portail").wait_for()
    charter = page.get_by_role("region", name="La charte : articles, propositions et réponses")
    register = page.get_by_role("region", name="Le registre des systèmes d'IA")
    council = page.get_by_role("region", name="Les procès-verbaux du conseil municipal")
    assert charter.get_by_text("article de la charte").count() >= 1
    assert register.get_by_role("link").count() >= 1
    assert council.get_by_text("passage d'un procès-verbal").count() >= 1
    if javascript:
        assert_accessible(page)
    council.get_by_role("link").first.click()
    assert "/council/m/" in page.url
    page.go_back()
    register.get_by_role("link").first.click()
    assert "/registry/" in page.url


def test_legal_pages_linked_from_every_footer_and_print(
    live_server: str, new_page: Any, engine: Engine, settings: Settings, make_user: Any
) -> None:
    """Every page's footer links the legal pages; a charter article and a register entry print
    without header, footer nor forms, and with their text."""
    slugs = _world(engine, settings, make_user)
    page = new_page()
    for path in ("/", "/charter", "/registry", f"/registry/{slugs[0]}", "/council", "/login",
                 "/accessibilite", "/page-inconnue"):  # fmt: skip
        page.goto(f"{live_server}{path}")
        footer = page.get_by_role("contentinfo")
        for name in LEGAL_LINKS:
            assert footer.get_by_role("link", name=name).count() == 1, (path, name)
    page.get_by_role("contentinfo").get_by_role("link", name="Plan du site").click()
    page.get_by_role("heading", name="Plan du site").wait_for()
    assert_accessible(page)
    for path in ("/charter/clauses/4", f"/registry/{slugs[0]}"):
        page.goto(f"{live_server}{path}")
        page.emulate_media(media="print")
        assert not page.locator("header.site-header").is_visible()
        assert not page.locator("footer.site-footer").is_visible()
        assert page.locator("main h1").is_visible()
        page.emulate_media(media="screen")
        assert page.locator("header.site-header").is_visible()


def test_english_interface_marks_french_legal_text(live_server: str, new_page: Any) -> None:
    """Switched to English, the interface is lang="en" and the city's French text lang="fr"."""
    page = new_page()
    page.goto(f"{live_server}/donnees-personnelles")
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/donnees-personnelles")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("article.legal").get_attribute("lang") == "fr"
    assert_accessible(page)


@pytest.fixture
def montreuil(settings: Settings, engine: Engine) -> Iterator[str]:
    """The portal served as Montreuil (settings only; the legal texts as shipped)."""
    import socket
    import threading
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    city = load_city({"PORTAL_CITY_SHORT_NAME": "Montreuil",
                      "PORTAL_CITY_OFFICIAL_NAME": "Ville de Montreuil",
                      "PORTAL_CITY_NAME": "Hôtel de ville de Montreuil",
                      "PORTAL_CITY_ADDRESS": "1 place Jean-Jaurès, 93100 Montreuil",
                      "PORTAL_CITY_COLOUR": "violet"}, demo=False)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    app = create_app(settings.with_(city=city, base_url=base, allowed_hosts=("127.0.0.1",)),
                     engine=engine)  # fmt: skip
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 15
    while not server.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.05)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


def test_another_city_in_the_browser(montreuil: str, new_page: Any) -> None:
    """Started as Montreuil, the portal's title, header, home and legal notices name Montreuil,
    in its colour, and no page visited names Suresnes."""
    page = new_page()
    for path in ("/", "/mentions-legales", "/accessibilite", "/charter", "/registry", "/council",
                 "/plan-du-site", "/search?q=cantine"):  # fmt: skip
        page.goto(f"{montreuil}{path}")
        assert page.title().endswith("Portail IA de Montreuil"), page.title()
        assert "Suresnes" not in page.content(), path
    page.goto(f"{montreuil}/")
    assert page.get_by_role(
        "link", name="Ville de Montreuil · IA au service du public"
    ).is_visible()
    assert page.locator("body").get_attribute("data-theme") == "violet"
    assert_accessible(page)
