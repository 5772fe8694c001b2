"""Questions the minutes did not answer, forwarded by residents to the clerk's office.

From the answer page's "not found", a signed-in resident forwards the question; it waits in the
office's queue (the desk of agents); an agent answers it in public, optionally citing a passage
of the minutes by its permanent link; the asker is mailed; answered questions and the count of
those still waiting are public ("Questions des habitants"). A moderation block stops forwarding
like any other text; the same question forwarded twice by the same person is refused with a
clear message (a unique key, so fifty parallel posts are one question too).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal import audit, mail
from portal.accounts.services import email_of
from portal.clock import utcnow
from portal.consultation.services import ensure_can_write
from portal.council import urls
from portal.council.models import Meeting, Passage, Question
from portal.council.text import fold
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.web.i18n import gettext as _

OPEN, ANSWERED = "open", "answered"
MAX_QUESTION = 300
MAX_ANSWER = 5000
PERMANENT_LINK = re.compile(r"^(?:https?://[^/]+)?/council/m/(\d{4}-\d{2}-\d{2})/p/(\d{1,9})/?$")


def _key(asker_id: int, text: str) -> str:
    folded = " ".join(fold(text).split()).rstrip(" ?!.")
    return hashlib.sha256(f"{asker_id}:{folded}".encode()).hexdigest()


def forward(session: Session, *, asker_id: int, text: str) -> Question:
    """Put a resident's question in the office's queue."""
    ensure_can_write(session, user_id=asker_id)
    text = " ".join(text.split())
    if not text:
        raise ValidationFailed(_("La question est vide : écrivez-la avant de la transmettre."),
                               field="question")  # fmt: skip
    if len(text) > MAX_QUESTION:
        raise ValidationFailed(
            _("La question est trop longue (%(n)s caractères au plus).", n=MAX_QUESTION),
            field="question",
        )
    key = _key(asker_id, text)
    twice = _("Vous avez déjà transmis cette question : elle est dans la file du service.")
    if session.scalar(select(Question.id).where(col(Question.dedup_key) == key)) is not None:
        raise Conflict(twice)
    try:
        with session.begin_nested():  # a parallel post of the same question: one row
            question = Question(text=text, dedup_key=key, asker_id=asker_id)
            session.add(question)
            session.flush()
    except IntegrityError:
        raise Conflict(twice) from None
    audit.record(session, actor_id=asker_id, action="council.question.forwarded",
                 object_type="council_question", object_id=str(question.id))  # fmt: skip
    return question


def _citation(session: Session, link: str) -> tuple[date, int] | None:
    link = link.strip()
    if not link:
        return None
    match = PERMANENT_LINK.match(link)
    if not match:
        raise ValidationFailed(
            _("Le passage cité doit être le lien permanent d'un paragraphe "
              "(/council/m/AAAA-MM-JJ/p/N), ou rester vide."),
            field="citation",
        )  # fmt: skip
    try:
        day = date.fromisoformat(match.group(1))
    except ValueError:
        day = None
    anchor = int(match.group(2))
    found = day is not None and session.scalar(
        select(Passage.id)
        .join(Meeting, col(Meeting.id) == Passage.meeting_id)
        .where(Meeting.meeting_date == day, Passage.anchor == anchor)
    )
    if not found or day is None:
        raise ValidationFailed(_("Ce paragraphe n'existe pas dans les procès-verbaux."),
                               field="citation")  # fmt: skip
    return day, anchor


def answer(
    session: Session, *, question_id: int, agent_id: int, text: str, citation: str = ""
) -> Question:
    """Answer a forwarded question in public; the asker is mailed."""
    question = session.get(Question, question_id)
    if question is None:
        raise NotFound(_("Cette question n'existe pas."))
    text = text.strip()
    if not text:
        raise ValidationFailed(_("La réponse est vide."), field="answer")
    if len(text) > MAX_ANSWER:
        raise ValidationFailed(
            _("La réponse est trop longue (%(n)s caractères au plus).", n=MAX_ANSWER),
            field="answer",
        )
    cited = _citation(session, citation)
    now = utcnow()
    moved = session.execute(
        update(Question)
        .where(col(Question.id) == question_id, col(Question.status) == OPEN)
        .values(status=ANSWERED, answer=text, answered_by=agent_id, answered_at=now,
                cited_meeting=cited[0] if cited else None,
                cited_anchor=cited[1] if cited else None)
    )  # fmt: skip
    if getattr(moved, "rowcount", 0) != 1:
        raise Conflict(_("Cette question a déjà reçu une réponse."))
    session.refresh(question)
    audit.record(session, actor_id=agent_id, action="council.question.answered",
                 object_type="council_question", object_id=str(question_id))  # fmt: skip
    address = email_of(session, question.asker_id) if question.asker_id is not None else None
    if address:
        mail.queue_mail(
            session,
            to=address,
            subject=_("Réponse à votre question sur les décisions du conseil"),
            body=_(
                "Bonjour,\n\nVous aviez demandé : « %(q)s »\n\nLe service a répondu :\n\n%(a)s"
                "\n\nLa réponse est publiée ici : %(link)s\n",
                q=question.text,
                a=text,
                link=mail.link(urls.forwarded_question(question_id)),
            ),
        )
    return question


@dataclass(frozen=True)
class PublicFigures:
    waiting: int
    answered: int
    oldest_waiting: datetime | None


def figures(session: Session) -> PublicFigures:
    waiting, oldest = session.execute(
        select(func.count(), func.min(Question.created_at)).where(col(Question.status) == OPEN)
    ).one()
    answered = session.scalar(
        select(func.count()).select_from(Question).where(col(Question.status) == ANSWERED)
    )
    return PublicFigures(int(waiting or 0), int(answered or 0), oldest)


def answered(session: Session, *, limit: int = 50, offset: int = 0) -> list[Question]:
    return list(
        session.scalars(
            select(Question)
            .where(col(Question.status) == ANSWERED)
            .order_by(col(Question.answered_at).desc(), col(Question.id).desc())
            .offset(offset)
            .limit(limit)
        )
    )


def waiting(session: Session, *, limit: int = 100, offset: int = 0) -> list[Question]:
    return list(
        session.scalars(
            select(Question)
            .where(col(Question.status) == OPEN)
            .order_by(col(Question.created_at), col(Question.id))
            .offset(offset)
            .limit(limit)
        )
    )


def published(session: Session, question_id: int) -> Question:
    """An answered question, for its own page (the link mailed to the asker)."""
    question = session.get(Question, question_id)
    if question is None or question.status != ANSWERED:
        raise NotFound(_("Cette question n'a pas de réponse publiée."))
    return question
