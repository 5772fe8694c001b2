"""What the law asks the site to publish: the accessibility statement with its evidence, legal
notices, privacy notice, cookie note and site map; texts from content/legal/ with names from the
settings; linked from every page's footer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.settings import SettingsError, load_settings
from tests.factories import ROOT, MakeUser, published_charter, register_entries
from tests.helpers import SECRET, t

LEGAL = [
    "/accessibilite",
    "/mentions-legales",
    "/donnees-personnelles",
    "/cookies",
    "/plan-du-site",
]


def test_legal_pages_are_filled_from_the_settings(client: TestClient) -> None:
    """Each legal page answers, with the city's names filled in and no placeholder left."""
    for path in LEGAL:
        response = client.get(path)
        page = t(response)
        assert response.status_code == 200, path
        assert "${" not in page and "$city" not in page, path
        assert '<meta name="description" content="' in page
    city = client.app.state.settings.city  # type: ignore[attr-defined]
    statement = t(client.get("/accessibilite"))
    for needed in ("partiellement conforme", "RGAA", "Défenseur des droits", "Schéma pluriannuel",
                   "Contenus non accessibles", "Dérogations", city.email, city.phone):  # fmt: skip
        assert needed in statement, needed
    notice = t(client.get("/donnees-personnelles"))
    for needed in ("Responsable du traitement", "Délégué à la protection des données",
                   "Finalités et bases légales", "Durée de conservation", "Destinataires",
                   "Vos droits", "CNIL", city.dpo_email):  # fmt: skip
        assert needed in notice, needed
    notices = t(client.get("/mentions-legales"))
    assert "Directeur de la publication" in notices and city.publication_director in notices
    assert "Hébergement" in notices and city.host in notices
    cookies = t(client.get("/cookies"))
    for name in ("portal_anon", "portal_session", "portal_lang"):
        assert name in cookies


def test_every_page_footer_links_the_legal_pages(client: TestClient) -> None:
    """The footer of every kind of page (home, module, error) links each legal page and says the
    conformity status."""
    for path in ("/", "/charter", "/registry", "/council", "/login", "/page-inconnue", "/search"):
        page = client.get(path).text
        for legal in LEGAL:
            assert f'href="{legal}"' in page, (path, legal)
        assert "Accessibilité : partiellement conforme" in page, path


def test_site_map_links_answer(client: TestClient) -> None:
    """Every link of the site map leads to a page that exists (or asks to sign in)."""
    page = client.get("/plan-du-site").text
    links = sorted(set(__import__("re").findall(r'<li><a href="(/[^"#]*)"', page)))
    assert len(links) > 15
    for href in links:
        assert client.get(href, follow_redirects=False).status_code in (200, 302, 303), href


def test_the_city_edits_its_texts_and_the_evidence_shows(
    client: TestClient, tmp_path: Path
) -> None:
    """An edited content/legal file shows at once; the axe-core evidence lists its pages; a
    text the city removed gives a French 404, not a crash."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content" / "legal", content / "legal")
    settings = client.app.state.settings  # type: ignore[attr-defined]
    client.app.state.settings = settings.with_(content_dir=content)  # type: ignore[attr-defined]
    client.app.state.page_cache.clear()  # type: ignore[attr-defined]
    notice = content / "legal" / "cookies.md"
    notice.write_text(notice.read_text() + "\nUn paragraphe ajouté par la ville.\n")
    assert "Un paragraphe ajouté par la ville." in t(client.get("/cookies"))
    (content / "legal" / "axe-evidence.json").write_text(
        json.dumps(
            {
                "date": "2026-11-30",
                "axe_version": "4.10.0",
                "rules": "WCAG 2.1 A/AA",
                "widths": [320, 375, 1280],
                "pages": [{"label": "Accueil", "path": "/", "violations": 0, "no_overflow": True}],
            }
        )
    )
    client.app.state.page_cache.clear()  # type: ignore[attr-defined]
    statement = t(client.get("/accessibilite"))
    assert "1 page contrôlée" in statement and "0 défaut relevé" in statement
    assert "axe-core 4.10.0" in statement
    (content / "legal" / "mentions-legales.md").unlink()
    missing = client.get("/mentions-legales")
    assert missing.status_code == 404 and "pas encore été rédigée" in t(missing)
    (content / "legal" / "axe-evidence.json").write_text("{pas du json")
    client.app.state.page_cache.clear()  # type: ignore[attr-defined]
    assert "pas encore été publiés" in t(client.get("/accessibilite"))


def test_published_evidence_covers_the_pages_it_names() -> None:
    """The committed axe-core evidence (written by the browser test) found no violation and
    covers the legal pages and the home page."""
    data = json.loads((ROOT / "content" / "legal" / "axe-evidence.json").read_text())
    paths = {p["path"] for p in data["pages"]}
    assert {"/", "/accessibilite", "/donnees-personnelles", "/plan-du-site"} <= paths
    assert all(p["violations"] == 0 and p["no_overflow"] for p in data["pages"])


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORTAL_CITY_COLOUR", "fuchsia", "PORTAL_CITY_COLOUR"),
        ("PORTAL_CITY_SIRET", "123", "14 digits"),
        ("PORTAL_CITY_LOGO", "javascript:alert(1)", "PORTAL_CITY_LOGO"),
    ],
)
def test_bad_city_settings_stop_the_start(name: str, value: str, message: str) -> None:
    """A colour outside the accessible palette, a malformed SIRET or an unsafe logo are refused."""
    with pytest.raises(SettingsError, match=message):
        load_settings({"PORTAL_SECRET_KEY": SECRET, name: value})


def test_english_interface_marks_french_content(client: TestClient) -> None:
    """In English the interface says lang="en" and the city's French text is marked lang="fr"."""
    client.cookies.set("portal_lang", "en")
    page = client.get("/donnees-personnelles").text
    assert '<html lang="en"' in page and '<article class="legal" lang="fr">' in page
    client.cookies.set("portal_lang", "fr")
    assert '<article class="legal">' in client.get("/donnees-personnelles").text


def test_favicon(client: TestClient) -> None:
    """Browsers asking /favicon.ico get the portal's icon."""
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and "<svg" in response.text


# Forms that collect personal data, in other packages' templates: each must include the privacy
# note (`{% include "_privacy_note.html" %}` just before its submit button). Those listed here
# still lack it (issue 16, section 1: the lead adds the line); remove an entry once it is added.
PERSONAL_DATA_FORMS = {
    "portal/accounts/templates/accounts/signup.html": "sign-up",
    "portal/accounts/templates/accounts/oidc/confirm.html": "account from FranceConnect",
    "portal/accounts/templates/accounts/account.html": "display name",
    "portal/consultation/templates/consultation/_discussion.html": "comment",
    "portal/consultation/templates/consultation/proposal_form.html": "proposal",
    "portal/consultation/templates/consultation/assisted_desk.html": "comment taken for someone",
    "portal/registry/templates/registry/_questions.html": "question to the register",
    "portal/registry/templates/registry/contact.html": "message to an agent",
}
PRIVACY_NOTE_PENDING: set[str] = set()


def test_forms_collecting_personal_data_link_the_privacy_notice() -> None:
    """Every form that collects personal data includes the privacy note, but those documented as
    still pending; a pending entry whose template now has the note must leave the list."""
    for template in PERSONAL_DATA_FORMS:
        has_note = "_privacy_note.html" in (ROOT / template).read_text(encoding="utf-8")
        assert has_note != (template in PRIVACY_NOTE_PENDING), template


def test_privacy_note_links_the_notice() -> None:
    """The note forms include says what the data is for and links /donnees-personnelles."""
    note = (ROOT / "portal" / "web" / "templates" / "_privacy_note.html").read_text()
    assert 'href="/donnees-personnelles"' in note and "servent seulement" in note


def test_english_interface_marks_the_charter_french(
    client: TestClient, engine: Engine, make_user: MakeUser
) -> None:
    """In English, the charter's text and an article's body are marked lang="fr"; in French the
    attribute is not repeated."""
    published_charter(engine, make_user)
    client.cookies.set("portal_lang", "en")
    assert '<div class="charter-text" lang="fr">' in client.get("/charter").text
    assert '<div class="clause-body" lang="fr">' in client.get("/charter/clauses/1").text
    client.cookies.set("portal_lang", "fr")
    assert '<div class="charter-text">' in client.get("/charter").text


def test_english_interface_marks_a_register_entry_french(
    client: TestClient, engine: Engine, make_user: MakeUser
) -> None:
    """In English, a register entry's name, summary, way to a person and description (the
    city's French text) carry lang="fr"; the interface's own headings do not."""
    register_entries(engine, make_user("agent"))
    client.cookies.set("portal_lang", "en")
    page = client.get("/registry/chatbot-habitants").text
    assert '<h1 lang="fr">' in page and '<p class="lead" lang="fr">' in page
    assert '<h2 id="pour-vous">' in page
