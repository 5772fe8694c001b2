"""Drafts, review and publication, history with diffs, questions and answers, the review job."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.core_models import OutboxMail
from portal.db import session_scope
from portal.errors import Conflict
from portal.mail import as_read
from portal.manifest import JobContext
from portal.registry import services
from portal.registry.jobs import review_overdue
from portal.registry.loader import to_text
from portal.registry.models import Change, Revision, System
from portal.settings import Settings
from tests.factories import REGISTRY_CONTENT, email_of
from tests.helpers import csrf_token, login, mails_to, post, run_concurrently
from tests.registry.editor_helpers import count, publish, sent_draft

NEW_SENTENCE = "Il répond aussi en anglais depuis janvier."


def _edit_text(client: TestClient, slug: str) -> str:
    page = client.get(f"/registry/{slug}/edit?format=fichier")
    assert page.status_code == 200
    match = re.search(r'<textarea id="text"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert match
    return unescape(match.group(1))


def _draft(client: TestClient, slug: str, text: str, summary: str = "Ajout de l'anglais") -> Any:
    return client.post(
        f"/registry/{slug}/edit",
        data={
            "text": text,
            "summary": summary,
            "csrf_token": csrf_token(client, f"/registry/{slug}/edit"),
        },
        follow_redirects=False,
    )


def _changed_chatbot(client: TestClient) -> str:
    text = _edit_text(client, "chatbot-habitants")
    return text.replace(
        "Il ne consulte pas votre dossier", NEW_SENTENCE + "\n\nIl ne consulte pas votre dossier"
    )


def test_draft_is_private_until_an_official_publishes_it(
    client: TestClient, registry: list[str], login_as: Any
) -> None:
    """An agent's draft changes nothing public; once published, the history shows who, when, diff."""
    agent, official = login_as("agent"), login_as("official")
    draft_id = sent_draft(_draft(agent, "chatbot-habitants", _changed_chatbot(agent)))
    assert NEW_SENTENCE not in client.get("/registry/chatbot-habitants").text
    assert "Ajout de l&#39;anglais" in agent.get("/registry/drafts").text
    review = official.get(f"/registry/drafts/{draft_id}").text
    assert "<ins>" in review and "Publier" in review
    assert publish(official, draft_id, 1).status_code == 303
    page = unescape(client.get("/registry/chatbot-habitants").text)
    assert NEW_SENTENCE in page
    history = page[page.index("Historique des modifications publiées") :]
    assert "Ajout de l'anglais" in history
    assert re.search(r"Rédigé par Personne \d+, publié par Personne \d+", history)
    assert re.search(r"<ins>(?:(?!</ins>).)*anglais depuis janvier", history, re.S)
    assert 'id="modification-2"' in history


def test_agent_cannot_publish_and_resident_cannot_draft(
    registry: list[str], login_as: Any, make_client: Any
) -> None:
    """Publishing needs an official; drafting needs an agent; anonymous visitors go to login."""
    agent, resident = login_as("agent"), login_as()
    draft_id = sent_draft(_draft(agent, "chatbot-habitants", _changed_chatbot(agent)))
    assert publish(agent, draft_id, 1).status_code == 403
    assert resident.get("/registry/chatbot-habitants/edit").status_code == 403
    assert make_client().get("/registry/drafts", follow_redirects=False).status_code == 303


def test_two_reviewers_publishing_the_same_draft_one_wins(
    registry: list[str], login_as: Any, engine: Engine
) -> None:
    """The second official, who saw the same draft, gets a clear conflict and nothing is doubled."""
    agent, first, second = login_as("agent"), login_as("official"), login_as("official")
    draft_id = sent_draft(_draft(agent, "chatbot-habitants", _changed_chatbot(agent)))
    token_second = csrf_token(second, f"/registry/drafts/{draft_id}")
    assert publish(first, draft_id, 1).status_code == 303
    late = second.post(
        f"/registry/drafts/{draft_id}/publish",
        data={"expected_revision": "1", "csrf_token": token_second},
        follow_redirects=False,
    )
    assert late.status_code == 409
    assert "déjà été traité par une autre personne" in unescape(late.text)
    assert count(engine, Change) == 8


def test_concurrent_publication_of_one_draft_in_two_threads(
    registry: list[str], engine: Engine, make_user: Any, login_as: Any
) -> None:
    """Two publications started at the same moment: exactly one succeeds, the other conflicts."""
    agent = login_as("agent")
    draft_id = sent_draft(_draft(agent, "chatbot-habitants", _changed_chatbot(agent)))
    officials = [make_user("official"), make_user("official")]

    def publish(i: int) -> str:
        try:
            with session_scope(engine) as session:
                services.publish(
                    session, revision_id=draft_id, expected_revision=1, actor_id=officials[i]
                )
        except Conflict:
            return "conflict"
        return "ok"

    outcomes = run_concurrently(2, publish)
    assert outcomes.errors == []
    assert sorted(outcomes.results) == ["conflict", "ok"]
    assert count(engine, Change) == 8


def test_draft_made_on_an_older_version_cannot_overwrite_a_newer_one(
    registry: list[str], login_as: Any
) -> None:
    """Two drafts from the same version: after one is published, the other is refused."""
    agent, official = login_as("agent"), login_as("official")
    text = _changed_chatbot(agent)
    first = sent_draft(_draft(agent, "chatbot-habitants", text))
    second = sent_draft(_draft(agent, "chatbot-habitants", text.replace("anglais", "espagnol")))
    assert publish(official, first, 1).status_code == 303
    late = publish(official, second, 2)
    assert late.status_code == 409 and "publiée depuis ce brouillon" in unescape(late.text)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("status: deployed", "status: enservice"), "status"),
        (lambda t: t.replace("category: limited", "category: extreme"), "risk.category"),
        (lambda t: t.replace("---\n", "", 1), "en-tête manquant"),
        (lambda t: t.replace("slug: chatbot-habitants", "slug: autre-nom"), "identifiant"),
    ],
)
def test_bad_draft_keeps_the_text_and_says_what_to_fix(
    registry: list[str], login_as: Any, engine: Engine, change: Any, message: str
) -> None:
    """A draft that breaks the schema is refused with the field; the text typed is still there."""
    agent = login_as("agent")
    text = change(_changed_chatbot(agent))
    response = _draft(agent, "chatbot-habitants", text)
    assert response.status_code == 400
    page = unescape(response.text)
    assert "Le brouillon n'a pas été enregistré." in page and message in page
    assert NEW_SENTENCE in page
    assert count(engine, Revision) == 7  # only the published imports


def test_draft_needs_a_summary(registry: list[str], login_as: Any) -> None:
    """A draft without a change summary is refused (the summary is the public history line)."""
    agent = login_as("agent")
    response = _draft(agent, "chatbot-habitants", _changed_chatbot(agent), summary=" ")
    assert response.status_code == 400 and "Résumez la modification" in unescape(response.text)


def test_new_entry_appears_only_after_publication(
    client: TestClient, registry: list[str], login_as: Any
) -> None:
    """An agent proposes a new system; it is invisible until an official publishes it."""
    agent, official = login_as("agent"), login_as("official")
    text = (
        _edit_text(agent, "formation-en-ligne-agents")
        .replace("slug: formation-en-ligne-agents", "slug: traduction-automatique")
        .replace(
            "Plateforme de formation en ligne des agents", "Traduction automatique des courriers"
        )
    )
    response = agent.post(
        "/registry/new",
        data={
            "text": text,
            "summary": "Nouvelle fiche",
            "csrf_token": csrf_token(agent, "/registry/new"),
        },
        follow_redirects=False,
    )
    draft_id = sent_draft(response)
    assert client.get("/registry/traduction-automatique").status_code == 404
    assert "Traduction automatique" not in client.get("/registry").text
    assert publish(official, draft_id, 0).status_code == 303
    assert client.get("/registry/traduction-automatique").status_code == 200
    duplicate = agent.post(
        "/registry/new",
        data={"text": text, "summary": "Encore", "csrf_token": csrf_token(agent, "/registry/new")},
    )
    assert duplicate.status_code == 400 and "déjà utilisé" in unescape(duplicate.text)


def test_reject_needs_a_reason_and_is_final(registry: list[str], login_as: Any) -> None:
    """An official refuses a draft with a reason; it cannot be published afterwards."""
    agent, official = login_as("agent"), login_as("official")
    draft_id = sent_draft(_draft(agent, "chatbot-habitants", _changed_chatbot(agent)))
    token = csrf_token(official, f"/registry/drafts/{draft_id}")
    empty = official.post(
        f"/registry/drafts/{draft_id}/reject", data={"note": "", "csrf_token": token}
    )
    assert empty.status_code == 400
    done = official.post(
        f"/registry/drafts/{draft_id}/reject",
        data={"note": "Chiffre à sourcer.", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "Chiffre à sourcer." in unescape(agent.get(f"/registry/drafts/{draft_id}").text)
    desk = unescape(agent.get("/registry/drafts").text)
    assert re.search(r"refusé par Personne \d+, .*: Chiffre à sourcer\.", desk)
    assert publish(official, draft_id, 1).status_code == 409


def _ask(client: TestClient, body: str, kind: str = "question") -> Any:
    return client.post(
        "/registry/chatbot-habitants/questions",
        data={
            "body": body,
            "kind": kind,
            "csrf_token": csrf_token(client, "/registry/chatbot-habitants"),
        },
        follow_redirects=False,
    )


def test_resident_asks_and_the_owner_answers_in_public(
    client: TestClient,
    registry: list[str],
    login_as: Any,
    make_client: Any,
    engine: Engine,
    owner_id: int,
) -> None:
    """A signed-in resident asks; the entry shows it open; the owner answers; the median appears."""
    resident = login_as()
    assert (
        _ask(resident, "Les conversations servent-elles à entraîner le modèle ?").status_code == 303
    )
    page = unescape(client.get("/registry/chatbot-habitants").text)
    assert "1 question en attente de réponse" in page and "entraîner le modèle" in page
    other_agent = login_as("agent")
    question_id = int(re.search(r'id="question-(\d+)"', page).group(1))  # type: ignore[union-attr]
    token = csrf_token(other_agent, "/registry/chatbot-habitants")
    refused = other_agent.post(
        f"/registry/questions/{question_id}/answer",
        data={"answer": "Je ne sais pas.", "csrf_token": token},
    )
    assert refused.status_code == 403
    owner = make_client()
    login(owner, email_of(engine, owner_id))
    owner_page = owner.get("/registry/chatbot-habitants").text
    assert f'action="/registry/questions/{question_id}/answer"' in owner_page
    answered = owner.post(
        f"/registry/questions/{question_id}/answer",
        data={
            "answer": "Non : le contrat l'interdit.",
            "csrf_token": csrf_token(owner, "/registry/chatbot-habitants"),
        },
        follow_redirects=False,
    )
    assert answered.status_code == 303
    page = unescape(client.get("/registry/chatbot-habitants").text)
    assert "Non : le contrat l'interdit." in page
    assert "0 question en attente de réponse" in page and "1 avec réponse" in page
    assert "Délai médian de réponse" in page


def test_questions_need_a_signed_in_person_and_a_real_message(
    registry: list[str], login_as: Any, make_client: Any
) -> None:
    """Anonymous visitors are sent to login; an empty or unknown kind of message is refused."""
    anonymous = make_client()
    response = _ask(anonymous, "Une question valable ici")
    assert response.status_code == 303 and "/login" in response.headers["location"]
    resident = login_as()
    assert _ask(resident, "court").status_code == 400
    assert _ask(resident, "Une question valable ici", kind="insulte").status_code == 400


def test_overdue_entry_is_shown_and_its_owner_mailed_once(
    client: TestClient, registry: list[str], engine: Engine, settings: Settings, owner_id: int
) -> None:
    """Past its review date an entry says so; the job mails the owner once per review date."""
    with session_scope(engine) as session:
        session.execute(update(System).values(next_review=date.today() + timedelta(days=30)))
        session.execute(
            update(System)
            .where(System.slug == "copilot-agents")
            .values(next_review=date(2025, 1, 1))  # type: ignore[arg-type]
        )
    assert "Revue en retard" in client.get("/registry/copilot-agents").text
    assert "Revue en retard" not in client.get("/registry/chatbot-habitants").text
    now = datetime.now(UTC)
    for expected in ("mailed=1", "mailed=0"):
        with session_scope(engine) as session:
            message = review_overdue(
                JobContext(session=session, settings=settings, engine=engine, now=now)
            )
        assert message == expected
    with session_scope(engine, write=False) as session:
        mails = list(
            session.scalars(
                select(OutboxMail).where(OutboxMail.to_address == email_of(engine, owner_id))
            )
        )
    assert len(mails) == 1 and "Microsoft 365 Copilot" in mails[0].subject
    body = as_read(mails[0], "http://testserver").body
    assert "http://testserver/registry/copilot-agents/edit" in body


def test_import_of_a_changed_file_is_a_published_change(
    registry: list[str], engine: Engine, tmp_path: Path, owner_id: int
) -> None:
    """Re-loading a corrected content file publishes it as a new history line with its diff."""
    from portal.registry.loader import load_folder

    entries = load_folder(REGISTRY_CONTENT)
    chatbot = next(e for e in entries if e.slug == "chatbot-habitants")
    chatbot.data["summary"] = chatbot.data["summary"] + " Il parle aussi anglais."
    (tmp_path / "chatbot-habitants.md").write_text(to_text(chatbot.data))
    with session_scope(engine) as session:
        result = services.import_entries(session, load_folder(tmp_path), owner_id=owner_id)
    assert (result.created, result.updated) == (0, 1)
    with session_scope(engine, write=False) as session:
        system = services.get_published(session, "chatbot-habitants")
        change = services.history(session, system.id)[0]  # type: ignore[arg-type]
    assert change.number == 2 and [d["field"] for d in change.diff] == ["summary"]


def test_owner_is_mailed_when_a_question_arrives(
    registry: list[str], login_as: Any, engine: Engine, owner_id: int
) -> None:
    """A new question reaches the owner's mailbox with a link to it."""
    assert _ask(login_as(), "Combien de conversations par mois ?").status_code == 303
    with session_scope(engine, write=False) as session:
        mails = list(
            session.scalars(
                select(OutboxMail).where(OutboxMail.to_address == email_of(engine, owner_id))
            )
        )
    assert len(mails) == 1
    body = as_read(mails[0], "http://testserver").body
    assert "http://testserver/registry/chatbot-habitants#question-" in body


def test_demo_loads_entries_questions_and_a_draft_once(
    engine: Engine, settings: Settings, make_user: Any
) -> None:
    """`portal demo load` publishes the entries, an answered and an open question, a draft, an
    unfinished draft kept; twice is once."""
    from portal.registry.demo import load_demo
    from portal.registry.models import IncompleteDraft, Question

    accounts = {"agent": make_user("agent"), "habitant": make_user()}
    messages: list[str] = []
    for _ in range(2):
        load_demo(engine, settings, accounts=accounts, progress=messages.append)
    assert messages[0] == "registry: 7 entries (7 new, 0 updated)"
    assert messages.count("registry: 7 entries (0 new, 0 updated)") == 1
    assert count(engine, Question) == 2 and count(engine, Revision) == 8
    assert count(engine, IncompleteDraft) == 1
    with session_scope(engine, write=False) as session:
        stats = services.questions_of(
            session, services.get_published(session, "chatbot-habitants").id
        )  # type: ignore[arg-type]
    assert stats.answered == 1 and stats.median_hours == 26


def test_refused_new_entry_can_be_redrafted_from_its_last_text(
    registry: list[str], login_as: Any
) -> None:
    """A new entry refused once keeps its address; its edit form starts from the last draft."""
    agent, official = login_as("agent"), login_as("official")
    text = _edit_text(agent, "formation-en-ligne-agents").replace(
        "slug: formation-en-ligne-agents", "slug: aide-traduction"
    )
    token = csrf_token(agent, "/registry/new")
    draft_id = sent_draft(
        agent.post(
            "/registry/new",
            data={"text": text, "summary": "Nouvelle", "csrf_token": token},
            follow_redirects=False,
        )
    )
    official.post(
        f"/registry/drafts/{draft_id}/reject",
        data={
            "note": "À compléter.",
            "csrf_token": csrf_token(official, f"/registry/drafts/{draft_id}"),
        },
    )
    assert "slug: aide-traduction" in _edit_text(agent, "aide-traduction")
    response = _draft(agent, "aide-traduction", text.replace("status: deployed", "status: prod"))
    assert "Champ concerné : Statut (status)" in unescape(response.text)


def test_edit_form_explains_every_field_from_the_schema(registry: list[str], login_as: Any) -> None:
    """The edit form is field by field: each field's label, its help from the schema, its
    allowed values as choices, required fields marked; the file format is one link away."""
    page = unescape(login_as("agent").get("/registry/chatbot-habitants/edit").text)
    assert '<label for="f-next_review">Prochaine revue' in page
    assert "date de la prochaine revue de la fiche" in page
    for value in ("minimal", "limited", "high", "not-ai"):
        assert f'<option value="{value}"' in page
    assert '<option value="limited" selected>' in page
    assert 'name="human_contact.channels.0.hours"' in page
    assert "(obligatoire)" in page
    assert "?format=fichier" in page


def test_the_asker_is_mailed_when_the_answer_is_published(
    registry: list[str], login_as: Any, make_client: Any, engine: Engine, owner_id: int
) -> None:
    """The resident who asked gets a mail linking to the public answer; nobody else does."""
    resident = login_as()
    assert _ask(resident, "Les appels sont-ils enregistrés ?").status_code == 303
    page = make_client().get("/registry/chatbot-habitants").text
    question_id = int(re.search(r'id="question-(\d+)"', page).group(1))  # type: ignore[union-attr]
    owner = make_client()
    login(owner, email_of(engine, owner_id))
    answered = post(owner, f"/registry/questions/{question_id}/answer",
                    {"answer": "Non, jamais enregistrés."}, form_page="/registry/chatbot-habitants",
                    follow_redirects=False)  # fmt: skip
    assert answered.status_code == 303
    [mail] = mails_to(engine, email_of(engine, resident.user_id))
    assert "réponse à votre question" in mail.subject
    assert f"http://testserver/registry/chatbot-habitants#question-{question_id}" in mail.body
    assert len(mails_to(engine, email_of(engine, owner_id))) == 1  # told of the question only
