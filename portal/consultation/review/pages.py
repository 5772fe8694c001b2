"""The officials' pages (review desk, answer form) and the answers shown on a proposal's page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session
from starlette.requests import Request

from portal.accounts.services import display_names
from portal.clock import utcnow
from portal.consultation.charter import services as charter
from portal.consultation.charter.diff import diff_text, render_segments_html
from portal.consultation.charter.models import CharterVersion, Clause
from portal.consultation.participation.models import Proposal
from portal.consultation.review import services as review
from portal.consultation.review.models import Answer
from portal.consultation.vocabulary import VersionStatus
from portal.registry.services import AtRisk, commitments_on_clause


@dataclass
class AnswerData:
    """The official answers to one proposal, newest last, with who gave them."""

    answers: list[Answer]
    names: dict[int, str]
    applied_url: str | None


def answer_data(session: Session, proposal: Proposal) -> AnswerData:
    answers = review.answers_of(session, int(proposal.id or 0))
    return AnswerData(
        answers=answers,
        names=display_names(session, [a.official_id for a in answers]),
        applied_url=review.applied_clause_url(session, proposal),
    )


@dataclass
class ReviewDesk:
    proposals: list[Proposal]
    clauses: dict[str, Clause]
    draft: CharterVersion | None
    answered: int
    names: dict[int, str]


def review_desk(request: Request) -> ReviewDesk:
    db = request.state.db
    proposals = review.awaiting_answer(db)
    draft = charter.latest(db, VersionStatus.DRAFT)
    return ReviewDesk(
        proposals=proposals,
        clauses={c.slug: c for c in charter.view(db, draft).clauses} if draft else {},
        draft=draft,
        answered=review.answered_count(db),
        names=display_names(db, [p.author_id for p in proposals]),
    )


@dataclass
class AnswerPage:
    proposal: Proposal
    current: Clause | None
    diff_html: str | None
    names: dict[int, str]
    answer_data: AnswerData
    # What the official typed, when the form comes back refused.
    values: dict[str, Any]
    error: str | None
    conflict: bool = False
    # The register's checkable commitments attached to the article the proposal changes, each
    # with the systems that do not meet it today (portal.registry.services).
    at_risk: list[AtRisk] = field(default_factory=list)


def answer_page(
    request: Request,
    proposal_id: int,
    *,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    conflict: bool = False,
) -> AnswerPage:
    db = request.state.db
    proposal = review.get_proposal(db, proposal_id)
    current = review.current_clause_text(db, proposal)
    diff_html = None
    if current is not None:
        # Against the text its author started from: after an acceptance the draft already
        # reads as the proposal, and the diff would show nothing.
        base = proposal.base_body if proposal.base_body is not None else current.body
        diff_html = render_segments_html(diff_text(base, proposal.body))
    at_risk = (
        commitments_on_clause(db, current.slug, today=utcnow().date())
        if current is not None
        else []
    )
    return AnswerPage(
        proposal=proposal,
        current=current,
        diff_html=diff_html,
        names=display_names(db, [proposal.author_id]),
        answer_data=answer_data(db, proposal),
        values=values or {},
        error=error,
        conflict=conflict,
        at_risk=at_risk,
    )
