"""Issue 14, point 4: a question the minutes do not answer is forwarded to the clerk's office,
answered from its desk (citing a passage), the asker is mailed, and the answer joins the public
"Questions des habitants" with the count of questions still waiting. Empty, over-long or twice
forwarded questions get a clear message; a blocked person forwards nothing."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from portal.consultation.moderation.services import block_user
from portal.council.ingest import ingest_paths
from portal.council.models import Question
from portal.db import session_scope
from tests.factories import email_of
from tests.helpers import PASSWORD, assert_statuses, csrf_token, mails_to, run_concurrently, t

SAMPLE = Path(__file__).parent / "data" / "2024-11-14-sample.md"
UNANSWERED = "Où garer mon bateau ?"


@pytest.fixture
def minutes(engine: Engine) -> None:
    assert ingest_paths(engine, [SAMPLE])[1] == []


def _forward(client: Any, text: str) -> Any:
    return client.post(
        "/council/questions",
        data={"question": text, "csrf_token": csrf_token(client, "/council")},
        follow_redirects=False,
    )


def _words(html: str) -> str:
    """The words of a page, without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _count(engine: Engine) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(select(func.count()).select_from(Question)) or 0)


def test_forward_answer_mail_and_public_list(
    client: Any, login_as: Any, engine: Engine, minutes: None
) -> None:
    """The "not found" answer offers to forward the question; the agent answers it from the
    desk citing a paragraph; the asker is mailed; the public list shows it with the citation."""
    page = client.get("/council/ask", params={"q": UNANSWERED}).text
    assert "Transmettre ma question au service" in page
    assert f'name="question" value="{UNANSWERED}"' in page
    resident = login_as()
    forwarded = _forward(resident, UNANSWERED)
    assert forwarded.status_code == 303 and forwarded.headers["location"] == "/council/questions"
    public = t(resident.get("/council/questions"))
    assert "Votre question a été transmise au service." in public
    assert "En attente de réponse 1" in _words(public)

    agent = login_as("agent")
    desk = t(agent.get("/council/questions/desk"))
    assert UNANSWERED in desk
    question_id = int(re.findall(r'/council/questions/(\d+)/answer', agent.get(
        "/council/questions/desk").text)[0])  # fmt: skip
    anchor = client.get("/api/council/meetings/2024-11-14").json()["passages"][3]["anchor"]
    citation = f"http://testserver/council/m/2024-11-14/p/{anchor}"
    answered = agent.post(
        f"/council/questions/{question_id}/answer",
        data={"answer": "Le port de plaisance dépend de la métropole.", "citation": citation,
              "csrf_token": csrf_token(agent, "/council/questions/desk")},
        follow_redirects=False,
    )  # fmt: skip
    assert answered.status_code == 303, t(answered)[-600:]
    assert UNANSWERED not in t(agent.get("/council/questions/desk"))

    mails = mails_to(engine, email_of(engine, resident.user_id))
    assert mails and "Le port de plaisance dépend de la métropole." in mails[-1].body
    assert f"http://testserver/council/questions#q{question_id}" in mails[-1].body
    public = client.get("/council/questions")
    assert UNANSWERED in t(public) and "Le port de plaisance dépend de la métropole." in t(public)
    assert f'href="/council/m/2024-11-14/p/{anchor}"' in public.text
    assert "Réponses publiées 1" in _words(t(public))
    again = agent.post(
        f"/council/questions/{question_id}/answer",
        data={"answer": "Autre réponse.", "csrf_token": csrf_token(agent, "/council/questions/desk")},
    )  # fmt: skip
    assert again.status_code == 409 and "déjà reçu une réponse" in t(again)


@pytest.mark.parametrize(
    ("text", "status", "message"),
    [("   ", 400, "La question est vide"),
     ("x" * 301, 400, "La question est trop longue (300 caractères au plus)")],
)  # fmt: skip
def test_bad_questions_are_refused(
    text: str, status: int, message: str, login_as: Any, engine: Engine
) -> None:
    """An empty or over-long question: a French message, the text kept, nothing stored."""
    response = _forward(login_as(), text)
    assert response.status_code == status and message in t(response)
    assert _count(engine) == 0


def test_a_question_forwarded_twice_is_one(login_as: Any, engine: Engine) -> None:
    """The same question again (case and final mark aside) says it is already in the queue."""
    resident = login_as()
    assert _forward(resident, UNANSWERED).status_code == 303
    twice = _forward(resident, "où garer mon bateau")
    assert twice.status_code == 409 and "déjà transmis cette question" in t(twice)
    assert _count(engine) == 1
    assert _forward(login_as(), UNANSWERED).status_code == 303  # someone else may ask it too
    assert _count(engine) == 2


def test_a_blocked_person_forwards_nothing(login_as: Any, make_user: Any, engine: Engine) -> None:
    """A moderation block stops forwarded questions as every other text."""
    resident = login_as()
    with session_scope(engine) as session:
        block_user(session, user_id=resident.user_id, moderator_id=make_user("admin"),
                   reason="spam")  # fmt: skip
    response = _forward(resident, UNANSWERED)
    assert response.status_code == 403 and _count(engine) == 0


def test_bad_answers_are_refused(login_as: Any, engine: Engine, minutes: None) -> None:
    """An empty answer or a citation that is not a paragraph's permanent link: a French message
    with what was typed, the question still waiting."""
    _forward(login_as(), UNANSWERED)
    agent = login_as("agent")
    question_id = int(re.findall(r"/council/questions/(\d+)/answer",
                                 agent.get("/council/questions/desk").text)[0])  # fmt: skip
    for data, message in (
        ({"answer": "  "}, "La réponse est vide."),
        ({"answer": "Voir le PV.", "citation": "https://ailleurs.example/x"}, "lien permanent"),
        ({"answer": "Voir le PV.", "citation": "/council/m/2024-11-14/p/99999"},
         "Ce paragraphe n'existe pas"),
    ):  # fmt: skip
        response = agent.post(
            f"/council/questions/{question_id}/answer",
            data={**data, "csrf_token": csrf_token(agent, "/council/questions/desk")},
        )
        assert response.status_code == 400 and message in t(response)
    assert "Voir le PV." in t(response)  # what was typed is shown back
    assert UNANSWERED in t(agent.get("/council/questions/desk"))


@pytest.mark.parametrize(
    "role", ["anonymous", "resident", "moderator", "official", "agent", "admin"]
)
def test_who_may_forward_and_answer(
    role: str, login_as: Any, make_client: Any, engine: Engine
) -> None:
    """Anyone signed in forwards (anonymous visitors are sent to the login page); only agents
    and admins see the desk and answer."""
    _forward(login_as(), UNANSWERED)
    client = (
        make_client() if role == "anonymous" else login_as(*(() if role == "resident" else (role,)))
    )
    observed = {
        (role, "forward"): _forward(client, f"Question de {role} ?").status_code,
        (role, "desk"): client.get("/council/questions/desk", follow_redirects=False).status_code,
        (role, "answer"): client.post(
            "/council/questions/1/answer",
            data={"answer": "Réponse.", "csrf_token": csrf_token(client, "/council")},
            follow_redirects=False,
        ).status_code,
        (role, "public list"): client.get("/council/questions").status_code,
    }
    staff = role in ("agent", "admin")
    expected = {
        (role, "forward"): 303,
        (role, "desk"): 200 if staff else (303 if role == "anonymous" else 403),
        (role, "answer"): 303 if staff else (303 if role == "anonymous" else 403),
        (role, "public list"): 200,
    }
    assert_statuses(expected, observed)


def test_fifty_identical_forwards_at_once_are_one(
    live_server: str, make_user: Any, engine: Engine
) -> None:
    """The same question posted 50 times at once by one person: one question, one 303 and
    49 clear refusals, no server error."""
    make_user(email="habitante@exemple.fr")
    with httpx.Client(base_url=live_server) as browser:
        token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text)
        assert token
        browser.post("/login", data={"email": "habitante@exemple.fr", "password": PASSWORD,
                                     "csrf_token": token.group(1)})  # fmt: skip
        token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/council").text)
        assert token
        cookies = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    outcomes = run_concurrently(
        50,
        lambda _: (
            httpx.post(
                live_server + "/council/questions",
                data={"question": UNANSWERED, "csrf_token": token.group(1)},
                headers={"cookie": cookies},
                timeout=120,
            ).status_code
        ),
        timeout=180,
    )
    assert outcomes.errors == []
    assert Counter(outcomes.results) == Counter({303: 1, 409: 49})
    assert _count(engine) == 1
