"""Register questions: the same form posted fifty times at once stores one question (issue 19,
finding 9), reports and a moderator's desk to hide them (issue 13, section 7), and the median
answer delay said in words people use."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.core_models import OutboxMail
from portal.db import session_scope
from portal.registry import services
from portal.registry.models import Question, QuestionReport
from tests.factories import email_of
from tests.helpers import PASSWORD, assert_statuses, post, run_concurrently

SLUG = "chatbot-habitants"
BODY = "Les conversations sont-elles relues par une personne avant d'être supprimées ?"


def _questions(engine: Engine) -> list[Question]:
    with session_scope(engine, write=False) as session:
        return list(session.scalars(select(Question).order_by(Question.id)))


def _signed_in(base: str, email: str, path: str) -> tuple[dict[str, str], str, str]:
    """Sign in over HTTP; the cookies, and the CSRF token and idempotency key of `path`'s form."""
    with httpx.Client(base_url=base) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
        assert token
        response = c.post("/login", data={"email": email, "password": PASSWORD,
                                          "csrf_token": token.group(1)})  # fmt: skip
        assert response.status_code == 303
        page = c.get(path).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
        assert csrf and key, page[:500]
        return dict(c.cookies.items()), csrf.group(1), key.group(1)


def test_the_same_question_posted_fifty_times_at_once_is_stored_once(
    live_server: str, registry: list[str], make_user: Any, engine: Engine, owner_id: int
) -> None:
    """Fifty parallel posts of one question form (same key) against a served app: every one is
    answered with the entry, one question is stored, the owner gets one mail."""
    make_user(email="presse@exemple.fr")
    cookies, csrf, key = _signed_in(live_server, "presse@exemple.fr", f"/registry/{SLUG}")
    owner_mail = email_of(engine, owner_id)

    def send(_i: int) -> int:
        response = httpx.post(
            f"{live_server}/registry/{SLUG}/questions",
            data={"csrf_token": csrf, "idempotency_key": key, "kind": "question", "body": BODY},
            cookies=cookies, follow_redirects=False, timeout=120,
        )  # fmt: skip
        return response.status_code

    outcomes = run_concurrently(50, send, timeout=180)
    assert outcomes.errors == []
    assert Counter(outcomes.results) == Counter({303: 50})
    stored = _questions(engine)
    assert [(q.body, q.idempotency_key) for q in stored] == [(BODY, key)]
    with session_scope(engine, write=False) as session:
        mails = session.scalar(
            select(func.count()).select_from(OutboxMail).where(OutboxMail.to_address == owner_mail)
        )
    assert mails == 1


def test_a_new_form_asks_a_new_question(registry: list[str], login_as: Any, engine: Engine) -> None:
    """Two forms (two keys) with the same text are two questions; the same key twice is one."""
    resident = login_as()
    for key in ("a" * 32, "a" * 32, "b" * 32):
        response = post(
            resident, f"/registry/{SLUG}/questions",
            {"idempotency_key": key, "kind": "question", "body": BODY},
            form_page=f"/registry/{SLUG}", follow_redirects=False,
        )  # fmt: skip
        assert response.status_code == 303
    assert len(_questions(engine)) == 2


def _ask(engine: Engine, author: int) -> int:
    with session_scope(engine) as session:
        question = services.ask(session, slug=SLUG, author_id=author, body=BODY, kind="question")
        assert question.id is not None
        return question.id


def _report(client: TestClient, qid: int, reason: str = "insult", note: str = "") -> Any:
    return post(
        client, f"/registry/questions/{qid}/report", {"reason": reason, "note": note},
        form_page=f"/registry/{SLUG}", follow_redirects=False,
    )  # fmt: skip


def test_a_report_reaches_the_moderators_desk_and_hiding_keeps_a_trace(
    registry: list[str], login_as: Any, make_client: Any, engine: Engine, make_user: Any
) -> None:
    """Two residents report a question; the moderator sees it with its count and reasons, hides
    it; the public page shows the reason instead of the text; restoring shows it again."""
    qid = _ask(engine, make_user(name="Auteur Question"))
    one, two, moderator = login_as(), login_as(), login_as("moderator")
    assert _report(one, qid, "insult", "Propos blessants").status_code == 303
    assert _report(two, qid, "spam").status_code == 303
    assert _report(two, qid, "spam").status_code == 303  # twice: still one report of hers
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(QuestionReport)) == 2
    desk = unescape(moderator.get("/registry/questions/signalees").text)
    assert "2 signalements" in desk and "injure, publicité ou spam" in desk
    assert "Propos blessants" in desk and BODY in desk
    assert "Questions du registre signalées" in unescape(moderator.get("/espace").text)
    hidden = post(
        moderator, f"/registry/questions/{qid}/hide", {"reason": "insult"},
        form_page="/registry/questions/signalees", follow_redirects=False,
    )  # fmt: skip
    assert hidden.status_code == 303
    public = unescape(make_client().get(f"/registry/{SLUG}").text)
    assert BODY not in public
    assert "Message masqué par la modération (motif : injure)" in public
    assert "Aucune question signalée en attente" in unescape(
        moderator.get("/registry/questions/signalees").text
    )
    assert _report(one, qid).status_code == 404  # a hidden question cannot be reported again
    restored = post(
        moderator, f"/registry/questions/{qid}/restore", {},
        form_page="/registry/questions/signalees", follow_redirects=False,
    )  # fmt: skip
    assert restored.status_code == 303
    assert BODY in unescape(make_client().get(f"/registry/{SLUG}").text)


def test_dismissing_keeps_the_question_and_closes_its_reports(
    registry: list[str], login_as: Any, make_client: Any, engine: Engine, make_user: Any
) -> None:
    """ "Garder visible" leaves the question public and empties the queue."""
    qid = _ask(engine, make_user())
    _report(login_as(), qid, "off_topic")
    moderator = login_as("moderator")
    post(moderator, f"/registry/questions/{qid}/dismiss", {},
         form_page="/registry/questions/signalees")  # fmt: skip
    assert "Aucune question signalée" in unescape(
        moderator.get("/registry/questions/signalees").text
    )
    assert BODY in unescape(make_client().get(f"/registry/{SLUG}").text)


def test_a_report_with_an_unknown_reason_is_refused(
    registry: list[str], login_as: Any, engine: Engine, make_user: Any
) -> None:
    """An invented reason gets a 400 in French and stores no report."""
    qid = _ask(engine, make_user())
    response = _report(login_as(), qid, "nimporte")
    assert response.status_code == 400
    assert "motif" in unescape(response.text)
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(QuestionReport)) == 0


def test_who_may_report_and_moderate(
    registry: list[str], make_client: Any, login_as: Any, engine: Engine, make_user: Any
) -> None:
    """Signed-in people report; only moderators (and the admin) open the desk and hide."""
    qid = _ask(engine, make_user())
    roles = ("anonymous", "resident", "agent", "official", "moderator", "admin")
    desk, report = {}, {}
    for role in roles:
        c = (
            make_client()
            if role == "anonymous"
            else login_as(*([] if role == "resident" else [role]))
        )
        desk[role] = c.get("/registry/questions/signalees", follow_redirects=False).status_code
        report[role] = _report(c, qid).status_code
    assert_statuses({"anonymous": 303, "resident": 403, "agent": 403, "official": 403,
                     "moderator": 200, "admin": 200}, desk)  # fmt: skip
    assert_statuses({"anonymous": 303, "resident": 303, "agent": 303, "official": 303,
                     "moderator": 303, "admin": 303}, report)  # fmt: skip


def test_median_delay_is_said_in_minutes_hours_or_days() -> None:
    """No more "0 heures": a quick answer is in minutes, a slow one in days."""
    assert services.delay_text(0.001) == "moins d'une minute"
    assert services.delay_text(0.25) == "15 minutes"
    assert services.delay_text(1) == "1 heure"
    assert services.delay_text(3.5) == "3,5 heures"
    assert services.delay_text(100) == "4 jours"


def test_a_reported_question_joins_the_one_moderation_queue(
    registry: list[str], login_as: Any, engine: Engine, make_user: Any
) -> None:
    """The moderators' queue (/moderation) lists reported register questions beside comments
    and proposals, with their reasons and a link to where the register's desk decides."""
    qid = _ask(engine, make_user())
    moderator = login_as("moderator")
    assert "Aucune question au registre signalée en attente." in moderator.get("/moderation").text
    assert _report(login_as(), qid, "spam").status_code == 303
    page = unescape(moderator.get("/moderation").text)
    section = page.split("Questions au registre signalées", 1)[1]
    assert BODY in section and "1 signalement" in section
    assert f'href="/registry/questions/signalees#signalement-{qid}"' in section
    desk = moderator.get(f"/registry/questions/signalees#signalement-{qid}")
    assert desk.status_code == 200 and f'id="signalement-{qid}"' in desk.text
