"""In Chromium: sign up, confirm from the mailed link, log in, log out; with and without JavaScript;
and axe-core finds no WCAG 2.1 A/AA violation on the shared pages."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.helpers import PASSWORD, assert_accessible, outbox_link
from tests.helpers import assert_accessible as check_accessible


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_signup_confirm_login_logout(
    live_server: str, new_page: Any, engine: Engine, javascript: bool
) -> None:
    """A newcomer signs up, confirms from the outbox link, logs in and out, in a real browser."""
    page = new_page(javascript=javascript)

    def assert_accessible(page: Any) -> None:
        # axe-core is a script: it runs in the JavaScript variant, which visits the same pages.
        if javascript:
            check_accessible(page)

    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Créer un compte").first.click()
    assert_accessible(page)
    page.get_by_label("Adresse e-mail").fill("lea@exemple.fr")
    page.get_by_label("Nom affiché (public)").fill("Léa M.")
    page.get_by_label("Mot de passe").fill("court")
    page.get_by_role("button", name="Créer mon compte").click()
    assert page.get_by_role("alert").inner_text().count("12 caractères") == 1
    assert_accessible(page)
    page.get_by_label("Mot de passe").fill("le chat de la voisine dort")
    page.get_by_role("button", name="Créer mon compte").click()
    page.get_by_role("heading", name="Vérifiez votre messagerie").wait_for()
    assert_accessible(page)

    page.goto(
        outbox_link(engine, "lea@exemple.fr", "/signup/confirm").replace(
            "http://testserver", live_server
        )
    )
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer mon adresse").click()
    page.get_by_text("Votre adresse est confirmée").wait_for()
    assert page.url.endswith("/login")
    assert_accessible(page)

    page.get_by_label("Adresse e-mail").fill("lea@exemple.fr")
    page.get_by_label("Mot de passe").fill("le chat de la voisine dort")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Bienvenue, Léa M.").wait_for()
    assert page.get_by_role("link", name="Léa M.").is_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_text("Vous êtes déconnecté").wait_for()
    assert page.get_by_role("link", name="Se connecter").is_visible()


def test_shared_pages_are_accessible(live_server: str, new_page: Any, make_user: Any) -> None:
    """axe-core: 0 violations on the shared, account and admin pages, and on an error page."""
    make_user("admin", email="admin@exemple.fr", name="Admine")
    page = new_page()
    for path in ("/", "/charter", "/registry", "/council", "/login", "/signup", "/password-reset",
                 "/accessibilite", "/page-inconnue", "/signup/confirm?token=faux"):  # fmt: skip
        page.goto(f"{live_server}{path}")
        assert_accessible(page)
    page.goto(f"{live_server}/login")
    page.get_by_label("Adresse e-mail").fill("admin@exemple.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Bienvenue").wait_for()
    for path in ("/account", "/admin/users", "/admin/outbox"):
        page.goto(f"{live_server}{path}")
        assert_accessible(page)


def test_htmx_is_loaded_under_the_csp(live_server: str, new_page: Any) -> None:
    """htmx loads from our own origin and runs under the strict CSP (no console CSP errors)."""
    page = new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server}/")
    page.wait_for_function("() => typeof window.htmx !== 'undefined'")
    assert not [e for e in errors if "Content Security Policy" in e]
