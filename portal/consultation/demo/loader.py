"""Demo consultation: version 1 published, the draft version 2 open for comments.

In demo mode it also fills the consultation as a resident would find it: a few hundred comments
(demo.comments.generate_demo), replies, supports, the agents' proposals, some official answers, and two
abusive comments reported to the moderators (one already hidden). Rows are written directly by the
small helpers below, which keep every counter consistent with the rows they count.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal.accounts import services as accounts
from portal.clock import utcnow
from portal.consultation.charter import services
from portal.consultation.charter.models import Clause
from portal.consultation.charter.source import load_charter
from portal.consultation.demo.comments import CAMPAIGN, DemoConsultation, generate_demo
from portal.consultation.moderation import services as moderation_services
from portal.consultation.moderation.models import Report
from portal.consultation.participation import services as ps
from portal.consultation.participation.models import (
    ClauseStats,
    Comment,
    ConsultationSchedule,
    Proposal,
    Support,
)
from portal.consultation.review import services as review_services
from portal.consultation.vocabulary import Decision, Phase, ProposalKind, Target
from portal.db import session_scope
from portal.demo import DEMO_PASSWORD
from portal.settings import Settings
from portal.text import fold_accents, slugify

NOTE_V1 = (
    "Première version de la charte, adoptée par le conseil municipal. Elle sera révisée avec les "
    "habitants : le projet de version 2 est ouvert à la consultation."
)
RESIDENT_DOMAIN = "demo.suresnes.invalid"
EXTRA_SUPPORTERS = 30  # with the named residents, enough distinct people for busy comments
PROPOSAL_COMMENTS = (
    "Je soutiens cette proposition, elle rend l'article plus concret.",
    "Bonne idée, mais qui vérifiera que c'est appliqué ?",
    "Pourquoi ne pas aller plus loin ? La proposition reste timide.",
    "D'accord sur le principe, la formulation pourrait être plus simple.",
    "Enfin une proposition précise, merci aux agents qui l'ont rédigée.",
    "Je ne suis pas convaincue : le texte actuel me semblait suffisant.",
)
WITH_CHANGES_SENTENCE = (
    "\n\nCe numéro est joignable aux horaires d'ouverture de l'accueil ; en dehors, un message "
    "propose de laisser ses coordonnées pour être rappelé."
)


def load_demo(
    engine: Engine, settings: Settings, *, accounts: dict[str, int], progress: Callable[[str], None]
) -> None:
    folder = settings.content_dir / "charter"
    first, draft = load_charter(folder / "v1"), load_charter(folder)
    with session_scope(engine) as session:
        if services.version_count(session) > 0:
            progress("charter: already loaded")
            return
        services.create_version(session, source=first, number=1, actor_id=accounts["elu"])
        services.publish_version(
            session, number=1, note=NOTE_V1, actor_id=accounts["elu"], expected_lock=1
        )
        services.create_version(session, source=draft, number=2, actor_id=accounts["agent"])
        progress(
            f"charter: version 1 published ({len(first.clauses)} articles), "
            f"draft version 2 ({len(draft.clauses)} articles)"
        )
        if not settings.demo:
            return
        content = generate_demo(draft.clauses)
        summary = load_consultation(session, content=content, accounts=accounts, version_number=2)
    progress(f"consultation: {summary}")


# --- row helpers (also used by the tests and the benchmark) ------------------------------------


def open_schedule(session: Session, *, version_id: int, days_left: int = 21) -> None:
    now = utcnow()
    existing = session.scalar(
        select(ConsultationSchedule).where(ConsultationSchedule.version_id == version_id)
    )
    schedule = existing or ConsultationSchedule(version_id=version_id)
    schedule.phase = Phase.OPEN
    schedule.opens_at = now - timedelta(days=10)
    schedule.closes_at = now + timedelta(days=days_left)
    schedule.changed_at = now
    session.add(schedule)
    session.flush()


def clause_ids_by_slug(session: Session, version_id: int) -> dict[str, int]:
    rows = session.execute(select(Clause.slug, Clause.id).where(Clause.version_id == version_id))
    return {str(s): int(i) for s, i in rows}


def insert_comment(
    session: Session,
    *,
    author_id: int,
    body: str,
    clause_id: int | None = None,
    proposal_id: int | None = None,
    parent_id: int | None = None,
    created_at: object = None,
) -> Comment:
    """A comment with its counters (clause stats or proposal, parent's replies) kept in step."""
    comment = Comment(
        clause_id=clause_id,
        proposal_id=proposal_id,
        parent_id=parent_id,
        author_id=author_id,
        body=body,
        created_at=created_at or utcnow(),
    )
    session.add(comment)
    session.flush()
    if parent_id is not None:
        ps.bump_counter(session, Comment, Comment.id, parent_id, "reply_count", 1)
    ps.count_comment(session, comment, 1)
    return comment


def insert_supports(
    session: Session, *, target_type: str, target_id: int, user_ids: Iterable[int]
) -> int:
    """Supports by these people (distinct), with the target's counter raised by as many."""
    users = sorted(set(user_ids))
    for user_id in users:
        session.add(Support(user_id=user_id, target_type=target_type, target_id=target_id))
    session.flush()
    if not users:
        return 0
    if target_type == Target.CLAUSE:
        ps.ensure_clause_stats(session, [target_id])
        ps.bump_counter(
            session, ClauseStats, ClauseStats.clause_id, target_id, "support_count", len(users)
        )
    else:
        model: Any = Comment if target_type == Target.COMMENT else Proposal
        ps.bump_counter(session, model, model.id, target_id, "support_count", len(users))
    return len(users)


def insert_proposal(
    session: Session,
    *,
    version_id: int,
    author_id: int,
    title: str,
    body: str,
    rationale: str,
    clause_slug: str | None = None,
    section_slug: str | None = None,
) -> Proposal:
    base = (
        session.scalar(
            select(Clause).where(Clause.version_id == version_id, Clause.slug == clause_slug)
        )
        if clause_slug
        else None
    )
    proposal = Proposal(
        version_id=version_id,
        base_title=base.title if base else None,
        base_body=base.body if base else None,
        kind=ProposalKind.AMEND if clause_slug else ProposalKind.NEW,
        clause_slug=clause_slug,
        section_slug=section_slug,
        title=title,
        body=body,
        rationale=rationale,
        author_id=author_id,
    )
    session.add(proposal)
    session.flush()
    return proposal


def insert_report(session: Session, *, comment_id: int, reporter_id: int, reason: str) -> None:
    session.add(Report(comment_id=comment_id, reporter_id=reporter_id, reason=reason))
    session.flush()
    ps.bump_counter(session, Comment, Comment.id, comment_id, "report_count", 1)


def ensure_residents(session: Session, names: Iterable[str], *, extra: int = 0) -> list[int]:
    """Demo residents as real accounts (confirmed e-mails on the reserved .invalid domain)."""

    wanted = [(n, f"habitant-{slugify(fold_accents(n))}@{RESIDENT_DOMAIN}") for n in names]
    wanted += [(f"Habitante {i}", f"soutien-{i}@{RESIDENT_DOMAIN}") for i in range(1, extra + 1)]
    ids = []
    for name, email in wanted:
        user = accounts.find_user_by_email(session, email)
        if user is None:
            user = accounts.create_user(
                session, email=email, display_name=name, password=DEMO_PASSWORD, roles=[],
                actor_id=None,
            )  # fmt: skip
        ids.append(int(user.id or 0))
    return ids


# --- the demo consultation ---------------------------------------------------------------------


def load_consultation(
    session: Session, *, content: DemoConsultation, accounts: dict[str, int], version_number: int
) -> str:
    rng = random.Random(7)
    version = services.get_version(session, version_number)
    version_id = int(version.id or 0)
    open_schedule(session, version_id=version_id)
    clauses = clause_ids_by_slug(session, version_id)
    named = ensure_residents(session, content.residents)
    by_name = dict(zip(content.residents, named, strict=True))
    people = named + ensure_residents(session, [], extra=EXTRA_SUPPORTERS) + [accounts["habitant"]]
    start = utcnow() - timedelta(days=10)
    # A copy-paste campaign arrives as campaigns do, within the hour of its being shared (the
    # synthesis flags such a burst); the other comments come every 40 minutes.
    campaign_start, copies = start + timedelta(days=3, hours=18), 0
    ids: dict[int, int] = {}
    abusive: list[Comment] = []
    for n, item in enumerate(content.comments):
        clause_id = clauses.get(item.clause_slug)
        if clause_id is None:
            continue
        author = by_name.get(item.author, accounts["habitant"])
        when = start + timedelta(minutes=40 * n)
        if item.body.startswith(CAMPAIGN):
            when, copies = campaign_start + timedelta(minutes=3 * copies), copies + 1
        comment = insert_comment(
            session,
            author_id=author,
            body=item.body,
            clause_id=clause_id,
            parent_id=ids.get(item.parent_key) if item.parent_key else None,
            created_at=when,
        )
        ids[item.key] = int(comment.id or 0)
        if item.abusive:
            abusive.append(comment)
        supporters = rng.sample(
            [p for p in people if p != author], min(item.supports, len(people) - 1)
        )
        insert_supports(
            session, target_type=Target.COMMENT, target_id=int(comment.id or 0), user_ids=supporters
        )
    for clause_id in clauses.values():
        insert_supports(
            session,
            target_type=Target.CLAUSE,
            target_id=clause_id,
            user_ids=rng.sample(people, rng.randrange(0, 25)),
        )
    answered = 0
    for demo_proposal in content.proposals:
        item_p = demo_proposal
        proposal = insert_proposal(
            session,
            version_id=version_id,
            author_id=accounts["agent"],
            title=item_p.title,
            body=item_p.proposed_text,
            rationale=item_p.rationale,
            clause_slug=item_p.clause_slug,
            section_slug=item_p.section_slug,
        )
        pid = int(proposal.id or 0)
        insert_supports(
            session,
            target_type=Target.PROPOSAL,
            target_id=pid,
            user_ids=rng.sample(people, min(item_p.supports, len(people))),
        )
        for text in rng.sample(PROPOSAL_COMMENTS, 3):
            insert_comment(session, author_id=rng.choice(named), body=text, proposal_id=pid)
        if item_p.answer and item_p.answer_reason:
            review_services.answer_proposal(
                session,
                proposal_id=pid,
                official_id=accounts["elu"],
                decision=item_p.answer,
                reason=item_p.answer_reason,
                final_text=item_p.proposed_text + WITH_CHANGES_SENTENCE
                if item_p.answer == Decision.ACCEPTED_WITH_CHANGES
                else "",
                expected_lock=1,
            )
            answered += 1
    for n, comment in enumerate(abusive):
        for reporter in people[n : n + 2]:
            if reporter != comment.author_id:
                insert_report(
                    session, comment_id=int(comment.id or 0), reporter_id=reporter, reason="insult"
                )
    if abusive:
        moderation_services.hide_comment(
            session,
            comment_id=int(abusive[0].id or 0),
            moderator_id=accounts["moderation"],
            reason="insult",
        )
    total = session.scalar(select(func.count()).select_from(Comment)) or 0
    return (
        f"{total} comments, {len(content.proposals)} proposals ({answered} answered), "
        f"{len(abusive)} reported comments (1 hidden), {len(people)} residents"
    )
