"""The charter and its versions. Other modules use only this file (e.g. `published_clauses`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal import audit
from portal.clock import utcnow
from portal.consultation import urls
from portal.consultation.charter.diff import ClauseText, VersionDiff, diff_versions
from portal.consultation.charter.models import CharterSection, CharterVersion, Clause
from portal.consultation.charter.source import CharterSource, ClauseSource, SectionSource
from portal.consultation.follow import services as follow_services
from portal.consultation.moderation.models import ProposalReport, Report
from portal.consultation.participation.models import Comment, ConsultationSchedule, Proposal
from portal.consultation.vocabulary import Decision, Phase, Proposers, Target, VersionStatus
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.web.i18n import gettext as _


@dataclass(frozen=True)
class ClauseRef:
    """A clause of the latest published version, as other modules link to it."""

    number: int
    slug: str
    title: str
    url: str


@dataclass(frozen=True)
class VersionView:
    version: CharterVersion
    sections: list[CharterSection]
    clauses: list[Clause]

    def clauses_in(self, section_slug: str) -> list[Clause]:
        return [c for c in self.clauses if c.section_slug == section_slug]


def create_version(
    session: Session,
    *,
    source: CharterSource,
    number: int,
    actor_id: int | None,
) -> CharterVersion:
    """Store a charter read from content/ as version `number` (a draft)."""
    if session.scalar(select(CharterVersion.id).where(CharterVersion.number == number)):
        raise Conflict(_("La version %(n)s existe déjà.", n=number))
    version = CharterVersion(number=number, title=source.title, preamble=source.preamble)
    session.add(version)
    session.flush()
    for position, section in enumerate(source.sections):
        session.add(
            CharterSection(
                version_id=version.id, slug=section.slug, title=section.title, position=position
            )
        )
    for clause in source.clauses:
        session.add(
            Clause(
                version_id=version.id,
                number=clause.number,
                slug=clause.slug,
                section_slug=clause.section_slug,
                title=clause.title,
                body=clause.body,
            )
        )
    audit.record(
        session, actor_id=actor_id, action="charter.version.create", object_type="charter_version",
        object_id=number, detail={"clauses": len(source.clauses)},
    )  # fmt: skip
    return version


def next_number(session: Session) -> int:
    """The number the next version takes: after every version, published or not."""
    return int(session.scalar(select(func.max(CharterVersion.number))) or 0) + 1


def open_next_draft(session: Session, *, actor_id: int | None) -> CharterVersion:
    """The next cycle: a new draft, numbered after every version, copied from the latest published
    one, in preparation (officials edit it and set the consultation's dates, as for the first).

    One draft at a time: while a draft exists, opening another is a conflict. Two officials opening
    at once: the unique version number lets one win and the other gets the conflict.
    """
    draft = latest(session, VersionStatus.DRAFT)
    if draft is not None:
        raise Conflict(
            _(
                "La version %(n)s est déjà en préparation : publiez-la avant d'en ouvrir une autre.",
                n=draft.number,
            )
        )
    published = latest(session, VersionStatus.PUBLISHED)
    if published is None:
        raise NotFound(_("Aucune version de la charte n'est publiée : il n'y a rien à reprendre."))
    data = view(session, published)
    source = CharterSource(
        title=published.title,
        preamble=published.preamble,
        sections=[SectionSource(slug=s.slug, title=s.title) for s in data.sections],
        clauses=[
            ClauseSource(number=c.number, section_slug=c.section_slug, title=c.title, body=c.body,
                         slug=c.slug)
            for c in data.clauses
        ],
    )  # fmt: skip
    # The published version's successor, not max + 1: an official whose check ran before another's
    # draft was committed must collide on this number, not take the one after it.
    number = published.number + 1
    try:
        with session.begin_nested():
            version = create_version(session, source=source, number=number, actor_id=actor_id)
    except IntegrityError:
        raise Conflict(
            _("Quelqu'un vient d'ouvrir la version %(n)s : rien n'a été créé en double.", n=number)
        ) from None
    audit.record(
        session, actor_id=actor_id, action="charter.version.next", object_type="charter_version",
        object_id=number, detail={"from": published.number},
    )  # fmt: skip
    return version


PUBLICATION_REASON_MAX_CHARS = 5000
NOTE_MAX_CHARS = 5000


@dataclass(frozen=True)
class PublicationCheck:
    """What is not done before a draft is published: the consultation still running (open, or
    planned and not yet held), proposals without an answer, reports awaiting a moderator."""

    version: CharterVersion
    phase: str
    opens_at: datetime | None
    closes_at: datetime | None
    unanswered: list[Proposal]
    pending_reports: int

    @property
    def consultation_running(self) -> bool:
        return self.phase == Phase.OPEN or (
            self.phase == Phase.DRAFTING and self.opens_at is not None
        )

    @property
    def done(self) -> bool:
        return not (self.consultation_running or self.unanswered or self.pending_reports)

    @property
    def digest(self) -> str:
        """What the official saw, in a few characters: the page carries it, and a publication
        with a reason is refused as stale when the list changed since (a new proposal, a report)."""
        parts = [
            self.phase,
            self.closes_at.isoformat() if self.closes_at else "",
            ",".join(str(p.id) for p in self.unanswered),
            str(self.pending_reports),
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def publication_check(session: Session, version: CharterVersion) -> PublicationCheck:
    schedule = session.scalar(
        select(ConsultationSchedule).where(ConsultationSchedule.version_id == version.id)
    )
    if version.status == VersionStatus.PUBLISHED:
        phase = Phase.PUBLISHED
    else:
        phase = schedule.phase if schedule else Phase.DRAFTING
    unanswered = list(
        session.scalars(
            select(Proposal)
            .where(
                Proposal.version_id == version.id,
                Proposal.status == Decision.PENDING,
                col(Proposal.hidden_at).is_(None),
            )
            .order_by(col(Proposal.created_at), col(Proposal.id))
        )
    )
    proposal_ids = select(Proposal.id).where(Proposal.version_id == version.id)
    clause_ids = select(Clause.id).where(Clause.version_id == version.id)
    on_comments = session.scalar(
        select(func.count())
        .select_from(Report)
        .join(Comment, Comment.id == Report.comment_id)
        .where(
            col(Report.resolved_at).is_(None),
            col(Comment.clause_id).in_(clause_ids) | col(Comment.proposal_id).in_(proposal_ids),
        )
    )
    on_proposals = session.scalar(
        select(func.count())
        .select_from(ProposalReport)
        .where(
            col(ProposalReport.resolved_at).is_(None),
            col(ProposalReport.proposal_id).in_(proposal_ids),
        )
    )
    return PublicationCheck(
        version=version,
        phase=phase,
        opens_at=schedule.opens_at if schedule else None,
        closes_at=schedule.closes_at if schedule else None,
        unanswered=unanswered,
        pending_reports=int(on_comments or 0) + int(on_proposals or 0),
    )


class PublicationIncomplete(Conflict):
    """Something is not done and no reason was written: the confirmation page lists it."""


class PublicationStale(Conflict):
    """The list of what is not done changed since the confirmation page was shown."""


class AlreadyPublished(Conflict):
    """Someone published (or changed) the version first: nothing was overwritten."""


def publish_version(
    session: Session,
    *,
    number: int,
    note: str,
    actor_id: int,
    expected_lock: int,
    reason: str = "",
    seen: str | None = None,
) -> CharterVersion:
    """Publish a draft, guarded.

    When something is not done (`publication_check`), a written `reason` is required and is
    published with the version; `seen`, the digest of the list the official was shown, must match
    the list now (otherwise the page was stale). Two officials publishing at once: the conditional
    update on `lock_version` lets one win; the other gets `AlreadyPublished`. Followers of its
    clauses and of the proposals made on it get a mail through the outbox.
    """
    note, reason = note.strip(), reason.strip()
    version = get_version(session, number)
    if version.status != VersionStatus.DRAFT or version.lock_version != expected_lock:
        raise AlreadyPublished(_stale_message(session, version))
    if not note:
        raise ValidationFailed(_("La note de publication est obligatoire."), field="note")
    if len(note) > NOTE_MAX_CHARS:
        raise ValidationFailed(
            _("La note de publication est limitée à %(n)s caractères.", n=NOTE_MAX_CHARS),
            field="note",
        )
    check = publication_check(session, version)
    if check.done:
        reason = ""
    else:
        if seen is not None and seen != check.digest:
            raise PublicationStale(
                _(
                    "La situation a changé depuis l'affichage de cette page (une proposition, une "
                    "réponse ou un signalement) : relisez la liste ci-dessous avant de publier. "
                    "Rien n'a été publié."
                )
            )
        if not reason:
            raise PublicationIncomplete(
                _(
                    "Tout n'est pas terminé : réglez les points ci-dessous, ou écrivez pourquoi vous "
                    "publiez quand même (cette raison sera publiée avec la version). Rien n'a été "
                    "publié."
                ),
                field="reason",
            )
        if len(reason) > PUBLICATION_REASON_MAX_CHARS:
            raise ValidationFailed(
                _(
                    "La raison est limitée à %(n)s caractères.",
                    n=PUBLICATION_REASON_MAX_CHARS,
                ),
                field="reason",
            )
    updated = session.execute(
        CharterVersion.__table__.update()  # type: ignore[attr-defined]
        .where(CharterVersion.id == version.id, CharterVersion.lock_version == expected_lock)
        .values(
            status=VersionStatus.PUBLISHED,
            publication_note=note,
            publication_reason=reason or None,
            published_at=utcnow(),
            published_by=actor_id,
            lock_version=expected_lock + 1,
        )
    )
    if updated.rowcount != 1:  # type: ignore[attr-defined]
        session.expire(version)
        raise AlreadyPublished(_stale_message(session, version))
    session.refresh(version)
    detail: dict[str, object] = {"note": note}
    if reason:
        detail.update(
            reason=reason,
            running=check.consultation_running,
            unanswered=[p.id for p in check.unanswered],
            pending_reports=check.pending_reports,
        )
    audit.record(
        session, actor_id=actor_id, action="charter.version.publish", object_type="charter_version",
        object_id=number, detail=detail,
    )  # fmt: skip
    _notify_publication(session, version)
    return version


def _stale_message(session: Session, version: CharterVersion) -> str:
    session.refresh(version)
    if version.status == VersionStatus.PUBLISHED:
        return _(
            "Quelqu'un a publié la version %(n)s juste avant vous : rien n'a été écrasé, votre "
            "note n'a pas été enregistrée.",
            n=version.number,
        )
    return _("Quelqu'un a modifié ou publié cette version juste avant vous : rien n'a été écrasé.")


def _notify_publication(session: Session, version: CharterVersion) -> None:
    subject = _("La version %(n)s de la charte est publiée", n=version.number)
    for clause in view(session, version).clauses:
        follow_services.notify(
            session, target_type=Target.CLAUSE, target_key=clause.slug, subject=subject,
            body=_("L'article %(n)s « %(t)s », que vous suivez, fait partie de la version publiée.",
                   n=clause.number, t=clause.title),
            path=urls.version(version.number, article=clause.number),
        )  # fmt: skip
    proposals = session.execute(
        select(Proposal.id, Proposal.title).where(Proposal.version_id == version.id)
    )
    for proposal_id, title in proposals:
        follow_services.notify(
            session, target_type=Target.PROPOSAL, target_key=str(proposal_id), subject=subject,
            body=_("La proposition « %(t)s », que vous suivez, portait sur cette version.", t=title),
            path=urls.version(version.number),
        )  # fmt: skip


def get_version(session: Session, number: int) -> CharterVersion:
    version = session.scalar(select(CharterVersion).where(CharterVersion.number == number))
    if version is None:
        raise NotFound(_("La version %(n)s de la charte n'existe pas.", n=number))
    return version


def latest(session: Session, status: str) -> CharterVersion | None:
    stmt = (
        select(CharterVersion)
        .where(CharterVersion.status == status)
        .order_by(col(CharterVersion.number).desc())
    )
    return session.scalars(stmt.limit(1)).first()


def versions(session: Session) -> list[CharterVersion]:
    return list(session.scalars(select(CharterVersion).order_by(col(CharterVersion.number).desc())))


def view(session: Session, version: CharterVersion) -> VersionView:
    sections = list(
        session.scalars(
            select(CharterSection)
            .where(CharterSection.version_id == version.id)
            .order_by(CharterSection.position)
        )
    )
    clauses = list(
        session.scalars(
            select(Clause).where(Clause.version_id == version.id).order_by(Clause.number)
        )
    )
    return VersionView(version, sections, clauses)


def current_view(session: Session) -> VersionView | None:
    """What /charter shows: the draft under consultation if any, else the latest published version."""
    version = latest(session, VersionStatus.DRAFT) or latest(session, VersionStatus.PUBLISHED)
    return view(session, version) if version else None


def get_clause(session: Session, version: CharterVersion, number: int) -> Clause:
    clause = session.scalar(
        select(Clause).where(Clause.version_id == version.id, Clause.number == number)
    )
    if clause is None:
        raise NotFound(_("L'article %(n)s n'existe pas dans cette version de la charte.", n=number))
    return clause


def clause_history(session: Session, slug: str) -> list[tuple[CharterVersion, Clause]]:
    """The same clause (by its stable slug) in every version, oldest first."""
    rows = session.execute(
        select(CharterVersion, Clause)
        .join(Clause, Clause.version_id == CharterVersion.id)
        .where(Clause.slug == slug)
        .order_by(CharterVersion.number)
    )
    return [(v, c) for v, c in rows]


def version_diff(session: Session, old: CharterVersion, new: CharterVersion) -> VersionDiff:
    def texts(version: CharterVersion) -> list[ClauseText]:
        return [
            ClauseText(c.slug, c.number, c.title, c.body) for c in view(session, version).clauses
        ]

    return diff_versions(texts(old), texts(new))


def published_clauses(session: Session) -> list[ClauseRef]:
    version = latest(session, VersionStatus.PUBLISHED)
    if version is None:
        return []
    return [
        ClauseRef(c.number, c.slug, c.title, urls.version(version.number, article=c.number))
        for c in view(session, version).clauses
    ]


def version_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(CharterVersion)) or 0)


def version_as_markdown(data: VersionView) -> str:
    lines = [f"# {data.version.title}", "", f"Version {data.version.number}", ""]
    if data.version.preamble:
        lines += [data.version.preamble, ""]
    for section in data.sections:
        lines += [f"## {section.title}", ""]
        for clause in data.clauses_in(section.slug):
            lines += [f"### Article {clause.number} — {clause.title}", "", clause.body, ""]
    return "\n".join(lines).rstrip() + "\n"


def version_as_dict(data: VersionView) -> dict[str, object]:
    v = data.version
    return {
        "number": v.number,
        "status": v.status,
        "title": v.title,
        "preamble": v.preamble,
        "publication_note": v.publication_note,
        "published_at": v.published_at.isoformat() if v.published_at else None,
        "sections": [
            {
                "slug": s.slug,
                "title": s.title,
                "clauses": [
                    {"number": c.number, "slug": c.slug, "title": c.title, "body": c.body}
                    for c in data.clauses_in(s.slug)
                ],
            }
            for s in data.sections
        ],
    }


# --- cycles --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CycleFigures:
    """The consultation that produced one version, in figures."""

    comments: int  # visible comments and replies (neither deleted nor hidden)
    hidden: int
    residents: int  # distinct accounts that commented or proposed
    assisted: int  # contributions recorded by an agent for a resident without an account
    proposals: int
    by_decision: dict[str, int]  # Decision value -> proposals whose latest answer is that


@dataclass(frozen=True)
class Cycle:
    version: CharterVersion
    phase: str
    opens_at: datetime | None
    closes_at: datetime | None
    proposers: str
    figures: CycleFigures


def _cycle_comments(version: CharterVersion) -> Any:
    clause_ids = select(Clause.id).where(Clause.version_id == version.id)
    proposal_ids = select(Proposal.id).where(Proposal.version_id == version.id)
    return col(Comment.clause_id).in_(clause_ids) | col(Comment.proposal_id).in_(proposal_ids)


def cycle_figures(session: Session, version: CharterVersion) -> CycleFigures:
    on_cycle = _cycle_comments(version)
    live = (col(Comment.deleted_at).is_(None), col(Comment.hidden_at).is_(None))
    comments = session.scalar(select(func.count()).select_from(Comment).where(on_cycle, *live))
    hidden = session.scalar(
        select(func.count())
        .select_from(Comment)
        .where(on_cycle, col(Comment.hidden_at).is_not(None))
    )
    people = (
        select(Comment.author_id)
        .where(on_cycle, col(Comment.assisted_channel).is_(None))
        .union(
            select(Proposal.author_id).where(
                Proposal.version_id == version.id, col(Proposal.assisted_channel).is_(None)
            )
        )
    )
    residents = session.scalar(select(func.count()).select_from(people.subquery()))
    assisted = int(
        session.scalar(
            select(func.count())
            .select_from(Comment)
            .where(on_cycle, col(Comment.assisted_channel).is_not(None))
        )
        or 0
    ) + int(
        session.scalar(
            select(func.count())
            .select_from(Proposal)
            .where(Proposal.version_id == version.id, col(Proposal.assisted_channel).is_not(None))
        )
        or 0
    )
    by_decision = {
        str(status): int(n)
        for status, n in session.execute(
            select(Proposal.status, func.count())
            .where(Proposal.version_id == version.id)
            .group_by(Proposal.status)
        )
    }
    return CycleFigures(
        comments=int(comments or 0),
        hidden=int(hidden or 0),
        residents=int(residents or 0),
        assisted=assisted,
        proposals=sum(by_decision.values()),
        by_decision=by_decision,
    )


def cycle(session: Session, version: CharterVersion) -> Cycle:
    schedule = session.scalar(
        select(ConsultationSchedule).where(ConsultationSchedule.version_id == version.id)
    )
    if version.status == VersionStatus.PUBLISHED:
        phase = Phase.PUBLISHED
    else:
        phase = schedule.phase if schedule else Phase.DRAFTING
    return Cycle(
        version=version,
        phase=phase,
        opens_at=schedule.opens_at if schedule else None,
        closes_at=schedule.closes_at if schedule else None,
        proposers=schedule.proposers if schedule else Proposers.AGENTS,
        figures=cycle_figures(session, version),
    )


def cycle_proposals(session: Session, version: CharterVersion) -> list[Proposal]:
    """Every proposal of a cycle, whatever its fate, oldest first (hidden ones included: the page
    shows them as hidden)."""
    return list(
        session.scalars(
            select(Proposal)
            .where(Proposal.version_id == version.id)
            .order_by(col(Proposal.created_at), col(Proposal.id))
        )
    )


def comment_counts(session: Session, version: CharterVersion) -> dict[int, int]:
    """Visible comments (and replies) per clause id of a version, in one query."""
    rows = session.execute(
        select(Comment.clause_id, func.count())
        .join(Clause, Clause.id == Comment.clause_id)
        .where(
            Clause.version_id == version.id,
            col(Comment.deleted_at).is_(None),
            col(Comment.hidden_at).is_(None),
        )
        .group_by(Comment.clause_id)
    )
    return {int(cid): int(n) for cid, n in rows}
