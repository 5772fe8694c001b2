"""Issue 14, point 4: a question the minutes do not answer is forwarded to the clerk's office,
answered from its desk (citing a passage), the asker is mailed, and the answer joins the public
"Questions des habitants" with the count of questions still waiting. Empty, over-long or twice
forwarded questions get a clear message; a blocked person forwards nothing."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
    link = f"http://testserver/council/questions/{question_id}"
    assert link in mails[-1].body
    # The mailed link is the answer's own page (the public list moves on as answers come).
    own = client.get(link.removeprefix("http://testserver"))
    assert own.status_code == 200 and UNANSWERED in t(own)
    assert "Le port de plaisance dépend de la métropole." in t(own)
    assert f'href="/council/m/2024-11-14/p/{anchor}"' in own.text
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


def _questions(engine: Engine, asker: int, *, answered: int, waiting: int) -> list[int]:
    """`answered` questions answered one minute apart (the first the oldest) and `waiting` still
    open, written as the desk leaves them; their ids, answered first."""
    from datetime import timedelta

    from portal.clock import utcnow

    start = utcnow() - timedelta(days=2)
    ids = []
    with session_scope(engine) as session:
        for n in range(answered + waiting):
            done = n < answered
            question = Question(
                asker_id=asker, text=f"Question numéro {n:03d} ?", dedup_key=f"question-{n:03d}",
                created_at=start + timedelta(minutes=n), status="answered" if done else "open",
                answer=f"Réponse numéro {n:03d}." if done else None,
                answered_at=start + timedelta(minutes=n, seconds=30) if done else None,
            )  # fmt: skip
            session.add(question)
            session.flush()
            ids.append(int(question.id or 0))
    return ids


def test_the_public_list_and_the_desk_go_page_by_page(
    client: Any, login_as: Any, make_user: Any, engine: Engine
) -> None:
    """45 answered questions: the public list shows the 20 newest, then 20, then 5, each page
    linked to the next; page 4 is a 404 leading to page 3; the oldest answer keeps its own page
    (its permanent link, mailed to its asker). 35 waiting questions: the desk shows the 30
    oldest, then 5, and says how many wait. A question not answered has no public page."""
    ids = _questions(engine, make_user(), answered=45, waiting=35)
    first = t(client.get("/council/questions"))
    assert "Question numéro 044 ?" in first and "Question numéro 025 ?" in first
    assert "Question numéro 024 ?" not in first and "Page 1 sur 3" in first
    assert 'href="?page=2" rel="next"' in client.get("/council/questions").text
    third = t(client.get("/council/questions?page=3"))
    assert "Question numéro 004 ?" in third and "Question numéro 000 ?" in third
    assert "Question numéro 005 ?" not in third
    beyond = client.get("/council/questions?page=4")
    assert beyond.status_code == 404 and 'href="/council/questions?page=3"' in beyond.text
    oldest = client.get(f"/council/questions/{ids[0]}")
    assert oldest.status_code == 200 and "Réponse numéro 000." in t(oldest)
    assert 'href="/council/questions"' in oldest.text  # the way back to the list
    for missing in (ids[45], 999_999):  # waiting, unknown
        refused = client.get(f"/council/questions/{missing}")
        assert refused.status_code == 404 and "pas de réponse publiée" in t(refused)
    agent = login_as("agent")
    desk = t(agent.get("/council/questions/desk"))
    assert "35 questions attendent une réponse" in desk and "Page 1 sur 2" in desk
    assert "Question numéro 045 ?" in desk and "Question numéro 074 ?" in desk
    assert "Question numéro 075 ?" not in desk
    second = t(agent.get("/council/questions/desk?page=2"))
    assert "Question numéro 075 ?" in second and "Question numéro 079 ?" in second
    assert agent.get("/council/questions/desk?page=3").status_code == 404


def test_the_demo_has_a_question_answered_and_one_waiting(
    client: Any, engine: Engine, settings: Any, make_user: Any
) -> None:
    """The demo's residents' questions: one answered (on the public list, its own page, and in
    its asker's mail with a link that opens it), one waiting; loading the demo again adds
    neither twice."""
    from portal.council.demo import DEMO_QUESTIONS, load_demo

    accounts = {"habitant": make_user(), "agent": make_user("agent")}
    for _ in range(2):
        load_demo(engine, settings, accounts=accounts, progress=lambda _m: None)
    with session_scope(engine, write=False) as session:
        statuses = Counter(session.scalars(select(Question.status)))
    assert statuses == {"answered": 1, "open": 1}
    asked, reply = DEMO_QUESTIONS[0]
    assert asked in t(client.get("/council/questions"))
    mails = mails_to(engine, email_of(engine, accounts["habitant"]))
    assert len(mails) == 1
    link = re.search(r"http://\S+/council/questions/\d+", mails[0].body)
    assert link, mails[0].body
    own = client.get(urlsplit(link.group(0)).path)
    assert own.status_code == 200 and (reply or "")[:60] in t(own)
