"""In Chromium, against a real OpenID Provider on 127.0.0.1 (panva's oidc-provider, driven through
the small login form it serves): a resident signs in as with FranceConnect and comments; an agent signs in as
with ProConnect and is an agent only for the listed SIRET; a forged state ends on the French
error page. axe-core runs on each page of ours."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from portal.app import create_app
from portal.db import session_scope
from portal.settings import Settings
from tests.factories import consultation
from tests.helpers import assert_accessible
from tests.oidc.op import RunningProvider, free_port, providers, running_provider
from tests.oidc.op import sign_in_at_provider as sign_in_over_http


@pytest.fixture
def served(
    settings: Settings, engine: Engine, tmp_path: Path
) -> Iterator[tuple[str, RunningProvider]]:
    """The portal served by uvicorn on a free port, configured with both providers at an OpenID
    Provider started for that port (the provider knows the portal's redirect URIs)."""
    import uvicorn

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running_provider((base,), tmp_path) as op:
        live = settings.with_(base_url=base, allowed_hosts=("127.0.0.1",),
                              oidc_providers=providers(op.issuer))  # fmt: skip
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(live, engine=engine),
                host="127.0.0.1",
                port=port,
                log_level="warning",
                lifespan="off",
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.time() + 15
        while not server.started:
            assert time.time() < deadline, "live server did not start"
            time.sleep(0.05)
        yield base, op
        server.should_exit = True
        thread.join(timeout=10)


def sign_in_at_provider(page: Any, login: str) -> None:
    """At the test provider's login form (any password)."""
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("mot-de-passe-de-test")
    page.locator("button[type=submit]").click()


def roles(engine: Engine, email: str) -> set[str]:
    with session_scope(engine, write=False) as s:
        rows = s.execute(text(
            "SELECT r.role FROM accounts_user_role r JOIN accounts_user u ON u.id = r.user_id "
            "WHERE u.email = :e"), {"e": email})  # fmt: skip
        return {r[0] for r in rows}


def test_resident_signs_in_with_franceconnect_and_comments(
    served: tuple[str, RunningProvider],
    new_page: Any,
    engine: Engine,
    settings: Settings,
    make_user: Any,
) -> None:
    """From the clause page to the provider and back, a confirmed account, then a comment."""
    base, op = served
    consultation(engine, settings, make_user)
    page = new_page()
    page.goto(f"{base}/charter/clauses/4")
    page.locator("#discussion").get_by_role("link", name="Connectez-vous").click()
    assert_accessible(page)
    page.get_by_role("link", name="S'identifier avec FranceConnect").click()
    page.wait_for_url(f"{op.issuer}/**")
    sign_in_at_provider(page, "claire")
    page.wait_for_url(f"{base}/login/oidc/confirm")
    page.get_by_role("heading", name="Première connexion avec FranceConnect").wait_for()
    assert "claire.martin@exemple.fr" in page.inner_text("main")
    assert_accessible(page)
    assert page.get_by_label("Nom affiché (public)").input_value() == "Claire M."
    page.get_by_role("button", name="Créer mon compte et me connecter").click()
    page.get_by_text("Bienvenue, Claire M.").wait_for()
    assert page.url.startswith(f"{base}/charter/clauses/4")
    page.get_by_label("Votre commentaire").fill("Un humain doit toujours pouvoir répondre.")
    page.get_by_role("button", name="Publier mon commentaire").click()
    comment = page.locator("li.comment", has_text="Un humain doit toujours pouvoir répondre.")
    comment.locator(".comment-body").wait_for()
    assert "Claire M." in comment.locator(".comment-meta").inner_text()
    assert_accessible(page)
    with session_scope(engine, write=False) as s:
        author = s.execute(text(
            "SELECT u.display_name FROM consultation_comment c "
            "JOIN accounts_user u ON u.id = c.author_id")).scalar_one()  # fmt: skip
    assert author == "Claire M."


@pytest.mark.parametrize(
    ("who", "email", "agent"),
    [("agent-ville", "agnes.durand@ville.exemple", True),
     ("agent-ailleurs", "bruno.leroy@autre.exemple", False)],
    ids=["listed-siret", "other-siret"],
)  # fmt: skip
def test_agent_signs_in_with_proconnect(
    served: tuple[str, RunningProvider],
    new_page: Any,
    engine: Engine,
    who: str,
    email: str,
    agent: bool,
) -> None:
    """ProConnect: the agent role for the SIRET the settings list, a resident for another."""
    base, op = served
    page = new_page()
    page.goto(f"{base}/login")
    page.get_by_role("link", name="S'identifier avec ProConnect").click()
    page.wait_for_url(f"{op.issuer}/**")
    sign_in_at_provider(page, who)
    page.wait_for_url(f"{base}/login/oidc/confirm")
    notice = "vous aurez le rôle d'agent" if agent else "vous serez connecté comme habitant"
    assert notice in page.inner_text("main")
    assert_accessible(page)
    page.get_by_label("Nom affiché (public)").fill("Agnès D." if agent else "Bruno L.")
    page.get_by_role("button", name="Créer mon compte et me connecter").click()
    page.get_by_text("Bienvenue").wait_for()
    response = page.goto(f"{base}/registry/new")
    assert response is not None and response.status == (200 if agent else 403)
    assert roles(engine, email) == ({"resident", "agent"} if agent else {"resident"})


def test_a_forged_state_ends_on_the_french_error_page(
    served: tuple[str, RunningProvider], new_page: Any, engine: Engine
) -> None:
    """The provider's answer with a state changed on the way is refused, in French, with the
    local sign-in offered; no account is made."""
    base, op = served
    page = new_page()
    page.goto(f"{base}/login")
    # The button's request from this browser (its cookies), stopped before the provider; the
    # provider's login is done over HTTP, whose answer comes back with its state changed.
    start = page.request.get(f"{base}/login/oidc/franceconnect", max_redirects=0)
    assert start.status == 303 and start.headers["location"].startswith(op.issuer)
    genuine = sign_in_over_http(start.headers["location"], "claire", base)
    forged = re.sub(r"state=[^&]+", "state=" + "F" * 43, genuine)
    response = page.goto(forged)
    assert response is not None and response.status == 400
    page.get_by_role("heading", name="Connexion impossible").wait_for()
    assert "ne correspond à aucune demande" in page.get_by_role("alert").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Se connecter avec une adresse e-mail et un mot de passe").click()
    page.wait_for_url(f"{base}/login")
    with session_scope(engine, write=False) as s:
        assert s.execute(text("SELECT count(*) FROM accounts_user")).scalar_one() == 0
    # The untouched answer still works in this browser: the forged one spent nothing.
    page.goto(genuine)
    page.get_by_role("heading", name="Première connexion avec FranceConnect").wait_for()
