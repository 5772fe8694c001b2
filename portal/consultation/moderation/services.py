"""Moderation: the queue of reported comments, hiding with a reason, restoring, blocking people.

A moderator never moderates their own content. Only administrators restore a hidden comment.
Every decision is a ModerationAction row: the public figures by reason are counted from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlmodel import Session, col

from portal import audit
from portal.accounts.services import get_user, roles_of
from portal.clock import utcnow
from portal.consultation import urls
from portal.consultation.charter.models import Clause
from portal.consultation.moderation.models import Block, ModerationAction, ProposalReport, Report
from portal.consultation.participation.models import ClauseStats, Comment, Proposal
from portal.consultation.vocabulary import MODERATION_REASONS, reason_heading
from portal.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.web.i18n import gettext as _

NOTE_MAX_CHARS = 500
ACTION_HIDE = "hide"
ACTION_RESTORE = "restore"
ACTION_BLOCK = "block"
ACTION_UNBLOCK = "unblock"


def _check_reason(reason: str) -> str:
    if reason not in MODERATION_REASONS:
        raise ValidationFailed(_("Choisissez un motif dans la liste."), field="reason")
    return reason


def _check_note(note: str) -> str | None:
    note = note.strip()
    if len(note) > NOTE_MAX_CHARS:
        raise ValidationFailed(
            _("La précision est limitée à %(n)s caractères.", n=NOTE_MAX_CHARS), field="note"
        )
    return note or None


def _comment(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_("Ce commentaire n'existe pas."))
    return comment


def _count_visible(session: Session, comment: Comment, by: int) -> None:
    """Counters count live comments: hiding takes one off, restoring puts it back."""
    if comment.deleted_at is not None:
        return
    if comment.clause_id is not None:
        session.execute(
            update(ClauseStats)
            .where(col(ClauseStats.clause_id) == comment.clause_id)
            .values(comment_count=col(ClauseStats.comment_count) + by)
            .execution_options(synchronize_session=False)
        )
    elif comment.proposal_id is not None:
        session.execute(
            update(Proposal)
            .where(col(Proposal.id) == comment.proposal_id)
            .values(comment_count=col(Proposal.comment_count) + by)
            .execution_options(synchronize_session=False)
        )


def _resolve_reports(session: Session, comment_id: int, moderator_id: int, outcome: str) -> None:
    session.execute(
        update(Report)
        .where(col(Report.comment_id) == comment_id, col(Report.resolved_at).is_(None))
        .values(resolved_at=utcnow(), resolved_by=moderator_id, outcome=outcome)
        .execution_options(synchronize_session=False)
    )


def hide_comment(
    session: Session, *, comment_id: int, moderator_id: int, reason: str, note: str = ""
) -> Comment:
    """Hide a comment; the public sees "Masqué par la modération : <reason>" in its place."""
    reason, clean_note = _check_reason(reason), _check_note(note)
    comment = _comment(session, comment_id)
    if comment.author_id == moderator_id:
        raise Forbidden(
            _("Vous ne pouvez pas modérer votre propre commentaire : un autre modérateur le fera.")
        )
    if comment.hidden_at is not None:
        raise Conflict(_("Ce commentaire est déjà masqué par la modération."))
    # Optimistic: only the first of two moderators acting at once hides it.
    done = session.execute(
        update(Comment)
        .where(col(Comment.id) == comment_id, col(Comment.hidden_at).is_(None))
        .values(
            hidden_at=utcnow(), hidden_by=moderator_id, hidden_reason=reason, hidden_note=clean_note
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("Ce commentaire est déjà masqué par la modération."))
    _count_visible(session, comment, -1)
    _resolve_reports(session, comment_id, moderator_id, "hidden")
    session.add(
        ModerationAction(
            action=ACTION_HIDE,
            comment_id=comment_id,
            moderator_id=moderator_id,
            reason=reason,
            note=clean_note,
        )
    )
    audit.record(
        session, actor_id=moderator_id, action="consultation.comment.hide", object_type="comment",
        object_id=comment_id, detail={"reason": reason},
    )  # fmt: skip
    session.refresh(comment)
    return comment


def keep_comment(session: Session, *, comment_id: int, moderator_id: int) -> int:
    """Close the reports of a comment that breaks no rule; returns how many were closed."""
    comment = _comment(session, comment_id)
    if comment.author_id == moderator_id:
        raise Forbidden(
            _("Vous ne pouvez pas modérer votre propre commentaire : un autre modérateur le fera.")
        )
    open_reports = int(
        session.scalar(
            select(func.count())
            .select_from(Report)
            .where(Report.comment_id == comment_id, col(Report.resolved_at).is_(None))
        )
        or 0
    )
    _resolve_reports(session, comment_id, moderator_id, "kept")
    audit.record(
        session, actor_id=moderator_id, action="consultation.comment.keep", object_type="comment",
        object_id=comment_id, detail={"reports": open_reports},
    )  # fmt: skip
    return open_reports


def restore_comment(session: Session, *, comment_id: int, admin_id: int, note: str = "") -> Comment:
    """Administrators only (checked by the route's permission): show a hidden comment again."""
    clean_note = _check_note(note)
    comment = _comment(session, comment_id)
    if comment.hidden_at is None:
        raise Conflict(_("Ce commentaire n'est pas masqué."))
    if comment.author_id == admin_id:
        raise Forbidden(_("Vous ne pouvez pas rétablir votre propre commentaire."))
    reason = comment.hidden_reason or "off_topic"
    comment.hidden_at = None
    comment.hidden_by = None
    comment.hidden_reason = None
    comment.hidden_note = None
    session.add(comment)
    session.flush()
    _count_visible(session, comment, 1)
    session.add(
        ModerationAction(
            action=ACTION_RESTORE,
            comment_id=comment_id,
            moderator_id=admin_id,
            reason=reason,
            note=clean_note,
        )
    )
    audit.record(
        session, actor_id=admin_id, action="consultation.comment.restore", object_type="comment",
        object_id=comment_id, detail={"reason": reason},
    )  # fmt: skip
    return comment


# --- proposals (a resident's proposal is user text like a comment) -----------------------------


def _proposal(session: Session, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(_("Cette proposition n'existe pas."))
    return proposal


def _resolve_proposal_reports(
    session: Session, proposal_id: int, moderator_id: int, outcome: str
) -> None:
    session.execute(
        update(ProposalReport)
        .where(
            col(ProposalReport.proposal_id) == proposal_id,
            col(ProposalReport.resolved_at).is_(None),
        )
        .values(resolved_at=utcnow(), resolved_by=moderator_id, outcome=outcome)
        .execution_options(synchronize_session=False)
    )


def _not_own_proposal(proposal: Proposal, moderator_id: int) -> None:
    if proposal.author_id == moderator_id and not proposal.assisted_channel:
        raise Forbidden(
            _("Vous ne pouvez pas modérer votre propre proposition : un autre modérateur le fera.")
        )


def hide_proposal(
    session: Session, *, proposal_id: int, moderator_id: int, reason: str, note: str = ""
) -> Proposal:
    """Hide a proposal: the public sees its place and the reason, not its text."""
    reason, clean_note = _check_reason(reason), _check_note(note)
    proposal = _proposal(session, proposal_id)
    _not_own_proposal(proposal, moderator_id)
    done = session.execute(
        update(Proposal)
        .where(col(Proposal.id) == proposal_id, col(Proposal.hidden_at).is_(None))
        .values(hidden_at=utcnow(), hidden_by=moderator_id, hidden_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("Cette proposition est déjà masquée par la modération."))
    _resolve_proposal_reports(session, proposal_id, moderator_id, "hidden")
    session.add(
        ModerationAction(action=ACTION_HIDE, proposal_id=proposal_id, moderator_id=moderator_id,
                         reason=reason, note=clean_note)
    )  # fmt: skip
    audit.record(
        session, actor_id=moderator_id, action="consultation.proposal.hide",
        object_type="proposal", object_id=proposal_id, detail={"reason": reason},
    )  # fmt: skip
    session.refresh(proposal)
    return proposal


def keep_proposal(session: Session, *, proposal_id: int, moderator_id: int) -> None:
    """Close the reports of a proposal that breaks no rule."""
    proposal = _proposal(session, proposal_id)
    _not_own_proposal(proposal, moderator_id)
    _resolve_proposal_reports(session, proposal_id, moderator_id, "kept")
    audit.record(
        session, actor_id=moderator_id, action="consultation.proposal.keep",
        object_type="proposal", object_id=proposal_id,
    )  # fmt: skip


@dataclass(frozen=True)
class ProposalQueueItem:
    proposal: Proposal
    reports: int
    reasons: list[str]
    author_blocked: bool


def proposal_queue(session: Session, *, limit: int = 100) -> list[ProposalQueueItem]:
    """Proposals with unresolved reports, most reported first."""
    counts = list(
        session.execute(
            select(ProposalReport.proposal_id, func.count())
            .where(col(ProposalReport.resolved_at).is_(None))
            .group_by(ProposalReport.proposal_id)
            .order_by(func.count().desc(), ProposalReport.proposal_id)
            .limit(limit)
        )
    )
    if not counts:
        return []
    ids = [int(i) for i, _n in counts]
    found = {p.id: p for p in session.scalars(select(Proposal).where(col(Proposal.id).in_(ids)))}
    reasons: dict[int, list[str]] = {}
    for pid, reason in session.execute(
        select(ProposalReport.proposal_id, ProposalReport.reason)
        .where(col(ProposalReport.proposal_id).in_(ids), col(ProposalReport.resolved_at).is_(None))
        .distinct()
    ):
        reasons.setdefault(int(pid), []).append(str(reason))
    blocked = blocked_among(session, [p.author_id for p in found.values()])
    return [
        ProposalQueueItem(
            found[i], int(n), sorted(reasons.get(i, [])), found[i].author_id in blocked
        )
        for i, n in counts
        if i in found
    ]


def hidden_proposals(session: Session, *, limit: int = 50) -> list[Proposal]:
    stmt = (
        select(Proposal)
        .where(col(Proposal.hidden_at).is_not(None))
        .order_by(col(Proposal.hidden_at).desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def blocked_among(session: Session, user_ids: list[int]) -> set[int]:
    """Which of these people are blocked (one query)."""
    if not user_ids:
        return set()
    return set(session.scalars(select(Block.user_id).where(col(Block.user_id).in_(set(user_ids)))))


# --- who may write, who may block whom ----------------------------------------------------------


def is_blocked(session: Session, user_id: int) -> bool:
    return session.scalar(select(Block.id).where(Block.user_id == user_id)) is not None


def ensure_can_write(session: Session, *, user_id: int) -> None:
    """The one check that a person may write: a block stops every kind of user text (comments,
    replies, proposals, register questions, questions forwarded to the council). Other packages
    call it through `portal.consultation.services`."""
    if is_blocked(session, user_id):
        raise Forbidden(
            _(
                "Votre compte a été suspendu de la consultation par la modération : "
                "vous pouvez lire, mais plus écrire."
            )
        )


def can_block(actor_roles: frozenset[str], target_roles: frozenset[str]) -> bool:
    """A moderator blocks residents (no role beyond "resident"); only an administrator blocks staff
    (agents, moderators, officials, administrators)."""
    if "admin" in actor_roles:
        return True
    return "moderator" in actor_roles and not (target_roles - {"resident"})


def _check_standing(session: Session, *, user_id: int, moderator_id: int) -> None:
    if not can_block(roles_of(session, moderator_id), roles_of(session, user_id)):
        raise Forbidden(
            _(
                "Seul un administrateur peut bloquer ou débloquer un membre de l'équipe "
                "(agent, modérateur, élu ou administrateur)."
            )
        )


def block_user(
    session: Session, *, user_id: int, moderator_id: int, reason: str, note: str = ""
) -> Block:
    """Block someone from writing in the consultation (reading stays open)."""
    reason, clean_note = _check_reason(reason), _check_note(note)
    if user_id == moderator_id:
        raise Forbidden(_("Vous ne pouvez pas vous bloquer vous-même."))

    get_user(session, user_id)
    _check_standing(session, user_id=user_id, moderator_id=moderator_id)
    if is_blocked(session, user_id):
        raise Conflict(_("Cette personne est déjà bloquée."))
    block = Block(user_id=user_id, blocked_by=moderator_id, reason=reason)
    session.add(block)
    session.add(
        ModerationAction(
            action=ACTION_BLOCK,
            user_id=user_id,
            moderator_id=moderator_id,
            reason=reason,
            note=clean_note,
        )
    )
    session.flush()
    audit.record(
        session, actor_id=moderator_id, action="consultation.user.block", object_type="user",
        object_id=user_id, detail={"reason": reason},
    )  # fmt: skip
    return block


def unblock_user(session: Session, *, user_id: int, moderator_id: int) -> None:
    block = session.scalar(select(Block).where(Block.user_id == user_id))
    if block is None:
        raise Conflict(_("Cette personne n'est pas bloquée."))
    _check_standing(session, user_id=user_id, moderator_id=moderator_id)
    session.execute(delete(Block).where(col(Block.id) == block.id))
    session.add(
        ModerationAction(
            action=ACTION_UNBLOCK, user_id=user_id, moderator_id=moderator_id, reason=block.reason
        )
    )
    audit.record(
        session, actor_id=moderator_id, action="consultation.user.unblock", object_type="user",
        object_id=user_id,
    )  # fmt: skip


@dataclass(frozen=True)
class QueueItem:
    comment: Comment
    reports: int
    reasons: list[str]
    author_blocked: bool
    where: str | None = None  # a link to the comment in its discussion


def queue(session: Session, *, limit: int = 100) -> list[QueueItem]:
    """Comments with unresolved reports, most reported first (three queries)."""
    counts = list(
        session.execute(
            select(Report.comment_id, func.count())
            .where(col(Report.resolved_at).is_(None))
            .group_by(Report.comment_id)
            .order_by(func.count().desc(), Report.comment_id)
            .limit(limit)
        )
    )
    if not counts:
        return []
    ids = [int(i) for i, _n in counts]
    comments = {c.id: c for c in session.scalars(select(Comment).where(col(Comment.id).in_(ids)))}
    reasons: dict[int, list[str]] = {}
    for comment_id, reason in session.execute(
        select(Report.comment_id, Report.reason)
        .where(col(Report.comment_id).in_(ids), col(Report.resolved_at).is_(None))
        .distinct()
    ):
        reasons.setdefault(int(comment_id), []).append(str(reason))
    blocked = set(
        session.scalars(
            select(Block.user_id).where(
                col(Block.user_id).in_({c.author_id for c in comments.values()})
            )
        )
    )
    clause_numbers = {
        int(i): int(n)
        for i, n in session.execute(
            select(Clause.id, Clause.number).where(
                col(Clause.id).in_({c.clause_id for c in comments.values() if c.clause_id})
            )
        )
    }

    def where(c: Comment) -> str | None:
        if c.proposal_id is not None:
            return urls.proposal(c.proposal_id, comment=c.id)
        if c.clause_id in clause_numbers:
            return urls.clause(clause_numbers[c.clause_id], comment=c.id)
        return None

    return [
        QueueItem(
            comments[i],
            int(n),
            sorted(reasons.get(i, [])),
            comments[i].author_id in blocked,
            where(comments[i]),
        )
        for i, n in counts
        if i in comments
    ]


def hidden_comments(session: Session, *, limit: int = 50) -> list[Comment]:
    stmt = (
        select(Comment)
        .where(col(Comment.hidden_at).is_not(None))
        .order_by(col(Comment.hidden_at).desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class FigureRow:
    reason: str
    label: str
    hidden: int
    restored: int
    blocks: int
    # Comments and proposals reported for this reason, examined and left visible ("keep").
    kept: int = 0


def figures(session: Session) -> list[FigureRow]:
    """Public moderation figures by reason: hides, restores and blocks (one query), and the
    reported comments and proposals a moderator examined and kept (one query each)."""
    counts: dict[tuple[str, str], int] = {
        (str(action), str(reason)): int(n)
        for action, reason, n in session.execute(
            select(ModerationAction.action, ModerationAction.reason, func.count()).group_by(
                ModerationAction.action, ModerationAction.reason
            )
        )
    }
    kept: dict[str, int] = {}
    for table, item in ((Report, Report.comment_id), (ProposalReport, ProposalReport.proposal_id)):
        for reason, n in session.execute(
            select(table.reason, func.count(func.distinct(item)))
            .where(table.outcome == "kept")
            .group_by(table.reason)
        ):
            kept[str(reason)] = kept.get(str(reason), 0) + int(n)
    return [
        FigureRow(
            reason,
            reason_heading(reason),
            counts.get((ACTION_HIDE, reason), 0),
            counts.get((ACTION_RESTORE, reason), 0),
            counts.get((ACTION_BLOCK, reason), 0),
            kept.get(reason, 0),
        )
        for reason in MODERATION_REASONS
    ]


def blocked_users(session: Session) -> list[Block]:
    return list(session.scalars(select(Block).order_by(col(Block.created_at).desc())))


def report_total(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Report)) or 0)


@dataclass(frozen=True)
class PersonRecord:
    """What a moderator needs to decide about one person: their block, what they wrote in the
    consultation (newest first, hidden ones marked) and how often it was reported."""

    user_id: int
    block: Block | None
    comments: list[tuple[Comment, str | None]]  # with the address where it is read
    proposals: list[Proposal]
    comment_count: int
    hidden_count: int
    reports_received: int


def person_record(session: Session, *, user_id: int, limit: int = 30) -> PersonRecord:
    get_user(session, user_id)  # NotFound for an unknown account
    block = session.scalar(select(Block).where(Block.user_id == user_id))
    own = select(Comment).where(Comment.author_id == user_id, col(Comment.deleted_at).is_(None))
    own = own.where(col(Comment.assisted_channel).is_(None))  # words taken for others
    recent = list(
        session.scalars(
            own.order_by(col(Comment.created_at).desc(), col(Comment.id).desc()).limit(limit)
        )
    )
    numbers = {
        int(i): int(n)
        for i, n in session.execute(
            select(Clause.id, Clause.number).where(
                col(Clause.id).in_({c.clause_id for c in recent if c.clause_id is not None})
            )
        )
    }

    def where(c: Comment) -> str | None:
        if c.proposal_id is not None:
            return urls.proposal(c.proposal_id, comment=c.id)
        if c.clause_id in numbers:
            return urls.clause(numbers[c.clause_id], comment=c.id)
        return None

    mine = own.subquery()
    total, hidden = session.execute(
        select(func.count(), func.count(mine.c.hidden_at)).select_from(mine)
    ).one()
    reports = session.scalar(
        select(func.count(Report.id))
        .join(Comment, col(Comment.id) == Report.comment_id)
        .where(Comment.author_id == user_id)
    )
    proposals = list(
        session.scalars(
            select(Proposal)
            .where(Proposal.author_id == user_id, col(Proposal.assisted_channel).is_(None))
            .order_by(col(Proposal.created_at).desc())
            .limit(limit)
        )
    )
    return PersonRecord(
        user_id,
        block,
        [(c, where(c)) for c in recent],
        proposals,
        int(total or 0),
        int(hidden or 0),
        int(reports or 0),
    )
