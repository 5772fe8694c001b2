"""French first, English second: chosen by the switch or by Accept-Language."""

from __future__ import annotations

from babel.messages.pofile import read_po
from starlette.testclient import TestClient

from portal.web.i18n import LOCALE_DIR, current_locale
from portal.web.templating import environment
from tests.helpers import csrf_token


def test_french_by_default(client: TestClient) -> None:
    """Without preference the portal speaks French with lang="fr"."""
    page = client.get("/")
    assert '<html lang="fr">' in page.text
    assert "Parler à une personne" in page.text
    assert page.headers["content-language"] == "fr"


def test_english_from_accept_language(client: TestClient) -> None:
    """A browser asking for English gets the English catalogue and lang="en"."""
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in page.text
    assert "Talk to a person" in page.text
    assert "Skip to content" in page.text


def test_switch_sets_language_and_returns_to_the_page(client: TestClient) -> None:
    """The language switch (a real form) sets a cookie and returns to the same page."""
    token = csrf_token(client, "/login")
    response = client.post(
        "/lang", data={"lang": "en", "next": "/login", "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    page = client.get("/login", headers={"Accept-Language": "fr"})
    assert "Forgot your password?" in page.text
    back = client.post(
        "/lang", data={"lang": "fr", "next": "/", "csrf_token": csrf_token(client, "/")}
    )
    assert "Parler à une personne" in back.text


def test_unknown_language_is_ignored(client: TestClient) -> None:
    """An unknown language code leaves French in place."""
    token = csrf_token(client, "/")
    client.post("/lang", data={"lang": "xx", "next": "/", "csrf_token": token})
    assert '<html lang="fr">' in client.get("/").text


def test_english_catalogue_is_complete_for_the_shared_pages() -> None:
    """Every message of the shared layout and account pages has an English translation."""
    with (LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    missing = [m.id for m in catalogue if m.id and not m.string and any(
        loc.startswith(("portal/web/", "portal/accounts/")) for loc, _ in m.locations
    )]  # fmt: skip
    assert missing == []


def test_error_messages_follow_the_language(client: TestClient) -> None:
    """Domain errors and error pages speak the visitor's language too."""
    english = {"Accept-Language": "en"}
    missing = client.post("/password-reset", data={"email": "x@exemple.fr"}, headers=english)
    assert missing.status_code == 403
    assert "The form expired or was not sent from this site" in missing.text
    assert "Page not found" in client.get("/nowhere", headers=english).text
    token = csrf_token(client, "/signup")
    weak = client.post(
        "/signup",
        data={
            "email": "a@exemple.fr",
            "display_name": "Anna",
            "password": "short",
            "csrf_token": token,
        },
        headers=english,
    )
    assert "The password must be at least 12 characters long." in weak.text


def test_plural_forms_follow_the_catalogue_rule() -> None:
    """English takes its plural from 2 on and for 0; French keeps 0 and 1 in the singular."""
    from portal.web.i18n import current_locale, ngettext

    token = current_locale.set("en")
    try:
        counts = [ngettext("%(num)s compte", "%(num)s comptes", n) for n in (0, 1, 2)]
        assert counts == ["0 accounts", "1 account", "2 accounts"]
    finally:
        current_locale.reset(token)
    assert [ngettext("%(num)s compte", "%(num)s comptes", n) for n in (0, 1, 2)] == [
        "0 compte",
        "1 compte",
        "2 comptes",
    ]


def test_accept_language_is_read_by_its_weights() -> None:
    """The language a browser weighs most wins whatever its place, and q=0 refuses a language."""
    from portal.web.i18n import choose_locale

    assert choose_locale(None, "fr;q=0.1, en;q=0.9", "fr") == "en"
    assert choose_locale(None, "en;q=0, fr", "en") == "fr"
    assert choose_locale(None, "de, en-GB;q=0.8", "fr") == "en"
    assert choose_locale("fr", "en", "fr") == "fr"  # the switch's cookie comes first


def test_dates_are_formatted_per_language_and_in_paris_time() -> None:
    """The kept formatting is per language: the same instant reads in French, then in English,
    then in French again, at Paris time (UTC+1 in winter); a plain date is written in full."""
    from datetime import UTC, date, datetime

    from portal.web.i18n import current_locale, format_datetime

    instant = datetime(2026, 12, 1, 17, 5, tzinfo=UTC)
    seen = []
    for lang in ("fr", "en", "fr"):
        token = current_locale.set(lang)
        try:
            seen.append((format_datetime(instant), format_datetime(date(2026, 3, 28))))
        finally:
            current_locale.reset(token)
    assert seen[0] == seen[2] != seen[1]
    assert "déc." in seen[0][0] and "18:05" in seen[0][0]
    assert "Dec" in seen[1][0] and "6:05" in seen[1][0]
    assert seen[0][1] == "28 mars 2026" and seen[1][1] == "March 28, 2026"
    assert format_datetime(None) == "" and format_datetime("brut") == "brut"


def test_constant_messages_are_translated_when_compiled_per_language() -> None:
    """A template's `_("constant")` is compiled into each language's template as its
    translation (no call when rendered); a message with parameters is still translated and its
    values escaped when rendered; a template that names something `_` is left as written."""
    source = '{{ _("Accueil") }} | {{ _("Parler à une personne") }} | {{ _("%(n)s", n="<b>") }}'
    shadowing = "{% set _ = [1] %}{{ _|length }}"
    seen = {}
    for locale in ("fr", "en"):
        token = current_locale.set(locale)
        try:
            env = environment()
            seen[locale] = env.from_string(source).render()
            compiled = env.compile(source, raw=True)
            assert env.from_string(shadowing).render() == "1"
        finally:
            current_locale.reset(token)
        assert ("Home" in compiled) == (locale == "en")
        assert ("Accueil" in compiled) == (locale == "fr")
        assert compiled.count("context.call") == 1  # only the message with a parameter
    assert seen == {
        "fr": "Accueil | Parler à une personne | &lt;b&gt;",
        "en": "Home | Talk to a person | &lt;b&gt;",
    }


def test_language_switch_and_menu_know_the_page_they_are_on(client: TestClient) -> None:
    """The language switch sends the visitor back to the page they are on, its query included,
    and the menu marks that page's section (both read the address from the request)."""
    for path in ("/registry?q=chatbot&statut=en+service", "/search?q=charte+ia&x=1"):
        page = client.get(path)  # a page shared between visitors, and one rendered for each
        assert page.status_code == 200
        assert f'name="next" value="{path.replace("&", "&amp;")}"' in page.text
    assert '<a href="/registry" aria-current="page">' in client.get("/registry").text
    assert '<a href="/charter" aria-current' not in client.get("/registry").text
    other = client.get("/charter")
    assert 'name="next" value="/charter"' in other.text
    assert '<a href="/charter" aria-current="page">' in other.text
