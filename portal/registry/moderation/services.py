"""Register questions reported by residents and hidden by a moderator.

A hidden question stays stored (the record) and its place on the entry page says it was hidden
and why; a report is made once per person and question and closed when a moderator decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portal import audit
from portal.clock import utcnow
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.registry.models import Question, QuestionReport, System
from portal.web.i18n import N_
from portal.web.i18n import gettext as _

# The same words as the consultation's moderation (consultation/vocabulary.py), so that both
# queues can be read side by side and later merged.
REASONS = {
    "insult": N_("injure"),
    "harassment": N_("harcèlement"),
    "discrimination": N_("propos discriminatoires"),
    "personal_data": N_("données personnelles"),
    "spam": N_("publicité ou spam"),
    "off_topic": N_("hors sujet"),
}
MAX_NOTE = 500


def _question(session: Session, question_id: int) -> Question:
    question = session.get(Question, question_id)
    if question is None:
        raise NotFound(_("Question introuvable."))
    return question


def _reason(reason: str) -> str:
    if reason not in REASONS:
        raise ValidationFailed(_("Choisissez un motif dans la liste."), field="reason")
    return reason


def report(
    session: Session, *, question_id: int, reporter_id: int, reason: str, note: str = ""
) -> tuple[Question, bool]:
    """Report a visible question; (question, False) when this person had already reported it."""
    question = _question(session, question_id)
    if question.hidden_at is not None:
        raise NotFound(_("Cette question a déjà été masquée par la modération."))
    reason = _reason(reason)
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(_("La précision dépasse 500 caractères."), field="note")
    existing = session.scalar(
        select(QuestionReport).where(
            QuestionReport.question_id == question_id, QuestionReport.reporter_id == reporter_id
        )
    )
    if existing is not None:
        return question, False
    try:
        with session.begin_nested():
            row = QuestionReport(
                question_id=question_id, reporter_id=reporter_id, reason=reason, note=note
            )
            session.add(row)
            session.flush()
    except IntegrityError:  # the same person's report sent twice at once
        return question, False
    audit.record(
        session, actor_id=reporter_id, action="registry.question.report",
        object_type="registry_question", object_id=question_id, detail={"reason": reason},
    )  # fmt: skip
    return question, True


@dataclass(frozen=True)
class Reported:
    question: Question
    system: System
    reports: int
    reasons: list[str]
    notes: list[str]


def reported(session: Session, *, limit: int = 100) -> list[Reported]:
    """Questions with open reports, the most reported first (three queries whatever the size)."""
    counts = (
        select(QuestionReport.question_id, func.count().label("n"))
        .where(QuestionReport.resolved_at.is_(None))
        .group_by(QuestionReport.question_id)
        .subquery()
    )
    rows = session.execute(
        select(Question, System, counts.c.n)
        .join(counts, counts.c.question_id == Question.id)
        .join(System, System.id == Question.system_id)
        .order_by(counts.c.n.desc(), Question.id)
        .limit(limit)
    ).all()
    ids = [q.id for q, _s, _n in rows]
    details: dict[int, tuple[list[str], list[str]]] = {i: ([], []) for i in ids if i is not None}
    if ids:
        for r in session.scalars(
            select(QuestionReport)
            .where(
                QuestionReport.question_id.in_(ids),  # type: ignore[attr-defined]
                QuestionReport.resolved_at.is_(None),
            )
            .order_by(QuestionReport.id)
        ):
            reasons, notes = details[r.question_id]
            if r.reason not in reasons:
                reasons.append(r.reason)
            if r.note:
                notes.append(r.note)
    return [Reported(q, s, int(n), *details[q.id]) for q, s, n in rows if q.id is not None]


def open_report_count(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count(func.distinct(QuestionReport.question_id))).where(
                QuestionReport.resolved_at.is_(None)
            )
        )
        or 0
    )


def _close_reports(session: Session, question_id: int, actor_id: int) -> None:
    for r in session.scalars(
        select(QuestionReport).where(
            QuestionReport.question_id == question_id,
            QuestionReport.resolved_at.is_(None),
        )
    ):
        r.resolved_at = utcnow()
        r.resolved_by = actor_id


def hide(session: Session, *, question_id: int, actor_id: int, reason: str) -> Question:
    """Hide a question from the public page (kept stored), closing its reports."""
    question = _question(session, question_id)
    reason = _reason(reason)
    if question.hidden_at is not None:
        raise Conflict(_("Cette question est déjà masquée."))
    question.hidden_at = utcnow()
    question.hidden_by = actor_id
    question.hidden_reason = reason
    _close_reports(session, question_id, actor_id)
    audit.record(
        session, actor_id=actor_id, action="registry.question.hide",
        object_type="registry_question", object_id=question_id, detail={"reason": reason},
    )  # fmt: skip
    return question


def dismiss(session: Session, *, question_id: int, actor_id: int) -> Question:
    """Keep the question visible and close its reports."""
    question = _question(session, question_id)
    _close_reports(session, question_id, actor_id)
    audit.record(
        session, actor_id=actor_id, action="registry.question.dismiss",
        object_type="registry_question", object_id=question_id,
    )  # fmt: skip
    return question


def restore(session: Session, *, question_id: int, actor_id: int) -> Question:
    """Show a hidden question again."""
    question = _question(session, question_id)
    if question.hidden_at is None:
        raise Conflict(_("Cette question n'est pas masquée."))
    question.hidden_at = None
    question.hidden_by = None
    question.hidden_reason = None
    audit.record(
        session, actor_id=actor_id, action="registry.question.restore",
        object_type="registry_question", object_id=question_id,
    )  # fmt: skip
    return question


def recently_hidden(session: Session, *, limit: int = 50) -> list[tuple[Question, System]]:
    rows = session.execute(
        select(Question, System)
        .join(System, System.id == Question.system_id)
        .where(Question.hidden_at.is_not(None))
        .order_by(Question.hidden_at.desc(), Question.id.desc())
        .limit(limit)
    ).all()
    return [(q, s) for q, s in rows]
