"""In Chromium, the issue's "done when": draft, publish, find, read, download, ask, answer.

axe-core (WCAG 2.1 A/AA) runs on every page visited.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from jsonschema import Draft202012Validator
from sqlalchemy.engine import Engine

from tests.factories import email_of
from tests.helpers import PASSWORD, assert_accessible

NEW_SENTENCE = "Il répond aussi en anglais depuis janvier."


def _login(page: Any, base: str, email: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}{next_path}")


def test_draft_publish_find_read_download_ask_answer(
    live_server: str,
    new_page: Any,
    engine: Engine,
    registry: list[str],
    make_user: Any,
    owner_id: int,
    tmp_path: Path,
) -> None:
    """An agent drafts, an official publishes, a citizen finds, reads, downloads, asks; the owner answers."""
    base = live_server
    agent_id, official_id, citizen_id = make_user("agent"), make_user("official"), make_user()

    # An agent drafts a change to the chatbot's entry.
    agent = new_page()
    _login(agent, base, email_of(engine, agent_id), "/registry/chatbot-habitants/edit")
    assert_accessible(agent)
    text = agent.locator("#f-description").input_value()
    agent.locator("#f-description").fill(
        text.replace(
            "Il ne consulte pas votre dossier",
            NEW_SENTENCE + "\n\nIl ne consulte pas votre dossier",
        )
    )
    agent.locator("#f-change_summary").fill("Réponses en anglais")
    agent.get_by_role("button", name="Enregistrer le brouillon").click()
    agent.get_by_text("Brouillon enregistré").wait_for()
    assert_accessible(agent)

    # An official reviews and publishes it.
    official = new_page()
    _login(official, base, email_of(engine, official_id), "/registry/drafts")
    assert_accessible(official)
    official.get_by_role(
        "link", name="Assistant conversationnel du site de la ville (chatbot)"
    ).click()
    official.get_by_role("heading", name="Différences avec la fiche publiée").wait_for()
    assert_accessible(official)
    official.get_by_role("button", name="Publier").click()
    official.get_by_text("La modification est publiée.").wait_for()

    # A signed-out citizen finds the chatbot by searching, with both wordings.
    citizen = new_page()
    citizen.goto(f"{base}/registry")
    assert_accessible(citizen)
    for query in ("robot conversationnel", "chatbots"):
        citizen.get_by_label("Rechercher un système").fill(query)
        citizen.get_by_role("button", name="Rechercher").click()
        citizen.wait_for_url(lambda url, q=query: q in unquote_plus(url))
        citizen.get_by_role("heading", name="1 système trouvé").wait_for()
        citizen.wait_for_load_state("networkidle")
        assert_accessible(citizen)
    citizen.get_by_role(
        "link", name="Assistant conversationnel du site de la ville (chatbot)"
    ).click()
    citizen.get_by_role("heading", name="Parler à une personne plutôt qu'à la machine").wait_for()
    assert "parler à un agent" in citizen.locator("#humain + p").inner_text()
    history = citizen.locator("#modification-2")
    assert "Réponses en anglais" in history.inner_text()
    assert "anglais depuis janvier" in " ".join(history.locator("ins").all_inner_texts())
    assert_accessible(citizen)

    # ... and downloads the register as JSON, which validates against the served schema.
    citizen.goto(f"{base}/registry")
    with citizen.expect_download() as download_info:
        citizen.get_by_role("link", name="Télécharger le registre (JSON)").click()
    path = tmp_path / "registre.json"
    download_info.value.save_as(path)
    schema = citizen.request.get(f"{base}/registry/schema.json").json()
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(doc)) == []
    assert (
        NEW_SENTENCE
        in next(s for s in doc["systems"] if s["slug"] == "chatbot-habitants")["description"]
    )

    # The same citizen signs in and asks a question.
    _login(citizen, base, email_of(engine, citizen_id), "/registry/chatbot-habitants")
    citizen.get_by_label("Votre message (public)").fill(
        "Puis-je obtenir la transcription de ma conversation ?"
    )
    citizen.get_by_role("button", name="Envoyer").click()
    citizen.get_by_text("Votre message est publié").wait_for()
    assert "1 question en attente de réponse" in citizen.locator("#questions").inner_text()
    assert_accessible(citizen)

    # The service owner answers in public.
    owner = new_page()
    _login(owner, base, email_of(engine, owner_id), "/registry/chatbot-habitants")
    assert_accessible(owner)
    owner.get_by_label("Votre réponse publique").fill(
        "Oui : écrivez au délégué à la protection des données."
    )
    owner.get_by_role("button", name="Publier la réponse").click()
    owner.get_by_text("Votre réponse est publiée.").wait_for()

    citizen.reload()
    questions = citizen.locator("#questions").inner_text()
    assert "écrivez au délégué à la protection des données" in questions
    assert "1 avec réponse" in questions


def test_public_pages_are_accessible_without_javascript(
    live_server: str, new_page: Any, registry: list[str]
) -> None:
    """The list filters by plain form submission; programme, matrix and entries pass axe-core."""
    page = new_page(javascript=False)
    page.goto(f"{live_server}/registry")
    page.get_by_label("Statut").select_option("test")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("heading", name="2 systèmes trouvés").wait_for()
    assert "status=test" in page.url
    checker = new_page()
    for path in ("/registry/programme", "/registry/commitments", "/registry/centre-contact-unique",
                 "/registry/copilot-agents"):  # fmt: skip
        checker.goto(f"{live_server}{path}")
        assert_accessible(checker)
