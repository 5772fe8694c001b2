"""Taking part in the consultation: phases, comments, replies, supports, reports, proposals.

Every write checks the phase of the draft version under consultation and that the person is not
blocked, validates everything before it writes, keeps the maintained counters (ClauseStats,
Comment.reply_count, Proposal.comment_count, support counts) in the same transaction with
`UPDATE ... SET n = n + 1`, and writes an audit row. Nothing here commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal import audit
from portal import text as user_text
from portal.accounts.services import find_user_by_email
from portal.clock import utcnow
from portal.consultation.charter.models import CharterSection, CharterVersion, Clause
from portal.consultation.moderation.models import ProposalReport, Report
from portal.consultation.moderation.services import ensure_can_write
from portal.consultation.participation.models import (
    COMMENT_EDIT_MINUTES,
    COMMENT_MAX_CHARS,
    ClauseStats,
    Comment,
    ConsultationSchedule,
    Proposal,
    Support,
    store_html,
)
from portal.consultation.vocabulary import (
    CHANNELS,
    MODERATION_REASONS,
    PROPOSERS,
    Phase,
    ProposalKind,
    Proposers,
    Target,
    VersionStatus,
    phase_label,
)
from portal.errors import Forbidden, NotFound, PhaseClosed, ValidationFailed
from portal.web.i18n import current_locale, ngettext
from portal.web.i18n import gettext as _

COMMENTS_PER_PAGE = 20
DUPLICATE_MINUTES = 10  # the same text by the same person on the same thread: a double submit
TITLE_MAX_CHARS = 300
PROPOSAL_MAX_CHARS = 10_000


# --- phases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseInfo:
    """Where a version stands in the consultation, for pages and for the write checks."""

    phase: str
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    proposers: str = Proposers.AGENTS

    @property
    def is_open(self) -> bool:
        return self.phase == Phase.OPEN

    @property
    def label(self) -> str:
        return phase_label(self.phase)

    @property
    def opens_input(self) -> str:
        return _paris_input(self.opens_at)

    @property
    def closes_input(self) -> str:
        return _paris_input(self.closes_at)

    def time_left(self, now: datetime | None = None) -> str | None:
        """'3 jours et 4 heures' until the consultation closes (None when no date is set)."""
        if self.phase != Phase.OPEN or self.closes_at is None:
            return None
        return format_duration(_aware(self.closes_at) - (now or utcnow()))


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes for aware columns written by SQLAlchemy: they are UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _same_minute(a: datetime, b: datetime) -> bool:
    """The form shows dates to the minute: a stored date sent back is the same date."""
    return _aware(a).replace(second=0, microsecond=0) == _aware(b).replace(second=0, microsecond=0)


def _paris_input(value: datetime | None) -> str:
    """A datetime-local field's value, in Paris time (what an official reads on their clock)."""

    if value is None:
        return ""
    return _aware(value).astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")


def format_duration(delta: timedelta) -> str:
    """ "2 jours et 3 heures": the time left in a phase, in the visitor's language. Every view of
    the charter and clause pages shows it; the text changes once a minute, so it is kept per
    number of minutes and language."""
    minutes = max(0, int(delta.total_seconds() // 60))
    return _duration_text(minutes, current_locale.get())


@lru_cache(maxsize=1024)
def _duration_text(minutes: int, _locale: str) -> str:
    """`_locale` is part of the key: `_` and `ngettext` read the current language."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    day_text = ngettext("%(num)s jour", "%(num)s jours", days)
    hour_text = ngettext("%(num)s heure", "%(num)s heures", hours)
    minute_text = ngettext("%(num)s minute", "%(num)s minutes", mins)
    if days:
        return _("%(a)s et %(b)s", a=day_text, b=hour_text)
    if hours:
        return _("%(a)s et %(b)s", a=hour_text, b=minute_text)
    return minute_text


def version_under_consultation(session: Session) -> CharterVersion | None:
    """The latest draft version: the one residents comment on."""
    stmt = select(CharterVersion).where(CharterVersion.status == VersionStatus.DRAFT)
    return session.scalars(stmt.order_by(col(CharterVersion.number).desc()).limit(1)).first()


def schedule_of(session: Session, version: CharterVersion) -> ConsultationSchedule | None:
    return session.scalar(
        select(ConsultationSchedule).where(ConsultationSchedule.version_id == version.id)
    )


def phase_info(session: Session, version: CharterVersion) -> PhaseInfo:
    if version.status == VersionStatus.PUBLISHED:
        return PhaseInfo(Phase.PUBLISHED)
    schedule = schedule_of(session, version)
    if schedule is None:
        return PhaseInfo(Phase.DRAFTING)
    return PhaseInfo(schedule.phase, schedule.opens_at, schedule.closes_at, schedule.proposers)


def _draft(session: Session, number: int) -> CharterVersion:
    version = session.scalar(select(CharterVersion).where(CharterVersion.number == number))
    if version is None:
        raise NotFound(_("La version %(n)s de la charte n'existe pas.", n=number))
    if version.status != VersionStatus.DRAFT:
        raise PhaseClosed(_("Cette version est publiée : sa consultation est terminée."))
    return version


def _schedule_for_update(session: Session, version: CharterVersion) -> ConsultationSchedule:
    schedule = schedule_of(session, version)
    if schedule is None:
        schedule = ConsultationSchedule(version_id=version.id)
        session.add(schedule)
    return schedule


def _set_phase(
    session: Session,
    version: CharterVersion,
    schedule: ConsultationSchedule,
    phase: str,
    actor_id: int | None,
) -> None:
    previous = schedule.phase
    schedule.phase = phase
    schedule.changed_at = utcnow()
    schedule.changed_by = actor_id
    session.flush()
    if phase == Phase.OPEN:
        ensure_clause_stats(session, _clause_ids(session, version.id))
    audit.record(
        session, actor_id=actor_id, action="consultation.phase", object_type="charter_version",
        object_id=version.number, detail={"from": previous, "to": phase},
    )  # fmt: skip


def set_dates(
    session: Session,
    *,
    number: int,
    opens_at: datetime | None,
    closes_at: datetime | None,
    actor_id: int,
) -> ConsultationSchedule:
    """An official sets when the consultation opens and closes; the scheduler does the rest."""
    version = _draft(session, number)
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationFailed(
            _("La date de clôture doit venir après la date d'ouverture."), field="closes_at"
        )
    schedule = _schedule_for_update(session, version)
    # A date already past is refused unless it is the one stored (the form sends both back).
    now = utcnow()
    for value, stored, name in ((opens_at, schedule.opens_at, "opens_at"),
                                (closes_at, schedule.closes_at, "closes_at")):  # fmt: skip
        if (
            value is not None
            and value < now
            and (stored is None or not _same_minute(stored, value))
        ):
            raise ValidationFailed(
                _("Cette date est déjà passée : choisissez une date à venir."), field=name
            )
    schedule.opens_at, schedule.closes_at = opens_at, closes_at
    schedule.changed_at, schedule.changed_by = utcnow(), actor_id
    session.flush()
    audit.record(
        session, actor_id=actor_id, action="consultation.dates", object_type="charter_version",
        object_id=number,
        detail={"opens_at": opens_at.isoformat() if opens_at else None,
                "closes_at": closes_at.isoformat() if closes_at else None},
    )  # fmt: skip
    return schedule


def open_consultation(
    session: Session, *, number: int, actor_id: int | None, closes_at: datetime | None = None
) -> ConsultationSchedule:
    """Open the draft for comments now (by hand, or by the scheduler at opens_at)."""
    version = _draft(session, number)
    schedule = _schedule_for_update(session, version)
    if schedule.phase == Phase.OPEN:
        raise PhaseClosed(_("La consultation est déjà ouverte."))
    now = utcnow()
    if closes_at is not None:
        if closes_at <= now:
            raise ValidationFailed(
                _("La date de clôture doit être dans le futur."), field="closes_at"
            )
        schedule.closes_at = closes_at
    elif schedule.closes_at is not None and _aware(schedule.closes_at) <= now:
        schedule.closes_at = None  # an old closing date would close it again at once
    if schedule.opens_at is None or _aware(schedule.opens_at) > now:
        schedule.opens_at = now
    _set_phase(session, version, schedule, Phase.OPEN, actor_id)
    return schedule


def close_consultation(
    session: Session, *, number: int, actor_id: int | None
) -> ConsultationSchedule:
    """Close the comments: the draft moves to review (by hand, or by the scheduler at closes_at)."""
    version = _draft(session, number)
    schedule = _schedule_for_update(session, version)
    if schedule.phase != Phase.OPEN:
        raise PhaseClosed(_("La consultation n'est pas ouverte : il n'y a rien à clore."))
    now = utcnow()
    if schedule.closes_at is None or _aware(schedule.closes_at) > now:
        schedule.closes_at = now
    _set_phase(session, version, schedule, Phase.REVIEW, actor_id)
    return schedule


def advance_phases(session: Session, *, now: datetime) -> list[str]:
    """The scheduler's job: open drafts whose opening time came, close those whose time ended."""
    moved: list[str] = []
    rows = session.execute(
        select(ConsultationSchedule, CharterVersion)
        .join(CharterVersion, CharterVersion.id == ConsultationSchedule.version_id)
        .where(
            CharterVersion.status == VersionStatus.DRAFT,
            col(ConsultationSchedule.phase).in_([Phase.DRAFTING, Phase.OPEN]),
        )
    ).all()
    for schedule, version in rows:
        opens = _aware(schedule.opens_at) if schedule.opens_at else None
        closes = _aware(schedule.closes_at) if schedule.closes_at else None
        if schedule.phase == Phase.DRAFTING and opens and opens <= now:
            if closes and closes <= now:
                continue  # both dates passed while nobody ran the scheduler: let a person decide
            _set_phase(session, version, schedule, Phase.OPEN, None)
            moved.append(f"v{version.number}:open")
        elif schedule.phase == Phase.OPEN and closes and closes <= now:
            _set_phase(session, version, schedule, Phase.REVIEW, None)
            moved.append(f"v{version.number}:review")
    return moved


# --- shared checks and counters ----------------------------------------------------------------


def _require_open(session: Session, version_id: int) -> CharterVersion:
    version = session.get(CharterVersion, version_id)
    if version is None:
        raise NotFound(_("Cette version de la charte n'existe pas."))
    info = phase_info(session, version)
    if not info.is_open:
        raise PhaseClosed(
            _(
                "La consultation n'est pas ouverte (elle est %(phase)s) : rien n'a été enregistré.",
                phase=info.label,
            )
        )
    return version


def _clause_ids(session: Session, version_id: int | None) -> list[int]:
    return list(session.scalars(select(Clause.id).where(Clause.version_id == version_id)))


def ensure_clause_stats(session: Session, clause_ids: Iterable[int]) -> None:
    """Create the counters row of each clause if missing (safe when two requests race)."""
    ids = list(clause_ids)
    if not ids:
        return
    rows = [{"clause_id": i, "comment_count": 0, "support_count": 0} for i in ids]
    table: Any = ClauseStats.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).values(rows).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(table).values(rows).on_conflict_do_nothing()
    session.execute(stmt)


def bump_counter(
    session: Session, model: Any, key: Any, key_value: int, column: str, by: int
) -> None:
    """UPDATE t SET n = n + by: exact under concurrency (the row lock serialises the writers)."""
    target = getattr(model, column)
    session.execute(update(model).where(key == key_value).values({column: target + by}))


def _check_body(body: str, *, field: str = "body") -> str:
    body = body.strip()
    if not body:
        raise ValidationFailed(_("Le commentaire est vide : écrivez quelques mots."), field=field)
    if len(body) > COMMENT_MAX_CHARS:
        raise ValidationFailed(
            _(
                "Le commentaire est trop long (%(n)s caractères) : %(max)s caractères au plus.",
                n=len(body),
                max=COMMENT_MAX_CHARS,
            ),
            field=field,
        )
    return body


# --- one create per form, and contributions recorded at the front desk -------------------------

ASSISTED_NAME_MAX_CHARS = 120


def form_key(author_id: int, raw: str | None, *parts: object) -> str:
    """The stored idempotency key of a create form: the form's hidden key (a fresh random value
    per form shown) tied to its author, so nobody can spend another person's key. Without a key
    (an old page, a script), the content itself in a ten-minute window stands in for it."""
    if raw:
        seed = f"form:{author_id}:{raw[:200]}"
    else:
        window = int(utcnow().timestamp() // (DUPLICATE_MINUTES * 60))
        seed = "content:" + ":".join(str(p) for p in (author_id, window, *parts))
    return hashlib.sha256(seed.encode()).hexdigest()[:64]


@dataclass(frozen=True)
class Assisted:
    """A contribution an agent records on behalf of a resident without an account."""

    channel: str
    name: str | None


def check_assisted(session: Session, *, channel: str, name: str, email: str) -> Assisted:
    """The channel must be known; the name shown is optional and short; a person who has an
    account takes part under their own name, so an agent may not write for them."""
    if channel not in CHANNELS:
        raise ValidationFailed(
            _("Indiquez comment la contribution a été reçue : à l'accueil, par téléphone ou par "
              "courrier."),
            field="channel",
        )  # fmt: skip
    name = name.strip()
    if len(name) > ASSISTED_NAME_MAX_CHARS:
        raise ValidationFailed(
            _("Le nom affiché est limité à %(n)s caractères.", n=ASSISTED_NAME_MAX_CHARS),
            field="assisted_name",
        )
    email = email.strip()
    if email and find_user_by_email(session, email) is not None:
        raise Forbidden(
            _(
                "Cette personne a un compte sur le portail : elle participe elle-même, sous son "
                "nom. Un agent ne peut pas écrire à sa place ; aidez-la plutôt à se connecter. "
                "Rien n'a été enregistré."
            )
        )
    return Assisted(channel=channel, name=name or None)


def record_assisted_comment(
    session: Session,
    *,
    agent_id: int,
    clause_number: int | None,
    body: str,
    channel: str,
    name: str,
    email: str,
    key: str | None = None,
) -> Comment:
    """An agent at the front desk, on the phone or reading a letter records a resident's comment
    on an article of the draft under consultation."""
    version = version_under_consultation(session)
    if version is None:
        raise PhaseClosed(
            _("Aucun projet de charte n'est en consultation : rien n'a été enregistré.")
        )
    clause = session.scalar(
        select(Clause).where(Clause.version_id == version.id, Clause.number == clause_number)
    )
    if clause is None:
        raise ValidationFailed(_("Choisissez l'article commenté."), field="article")
    assisted = check_assisted(session, channel=channel, name=name, email=email)
    return add_comment(
        session, author_id=agent_id, body=body, clause_id=clause.id, key=key, assisted=assisted
    )


def _existing_by_key(session: Session, model: Any, key: str) -> Any:
    return session.scalars(select(model).where(model.idempotency_key == key).limit(1)).first()


# --- comments ----------------------------------------------------------------------------------


def get_clause_by_id(session: Session, clause_id: int) -> Clause:
    clause = session.get(Clause, clause_id)
    if clause is None:
        raise NotFound(_("Cet article n'existe pas."))
    return clause


def get_comment(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_("Ce commentaire n'existe pas."))
    return comment


def _version_of_comment(session: Session, comment: Comment) -> int:
    if comment.clause_id is not None:
        return get_clause_by_id(session, comment.clause_id).version_id
    return get_proposal(session, comment.proposal_id or 0).version_id


def add_comment(
    session: Session,
    *,
    author_id: int,
    body: str,
    clause_id: int | None = None,
    proposal_id: int | None = None,
    parent_id: int | None = None,
    key: str | None = None,
    assisted: Assisted | None = None,
) -> Comment:
    """A comment on a clause or a proposal, or a reply (one level: replies go to the top comment).

    The same form sent many times at once stores one comment: its key (`form_key`) is unique in
    the database, and every request but the first gets the comment already there. `assisted`: an
    agent (`author_id`) records it for a resident without an account."""
    if (clause_id is None) == (proposal_id is None):
        raise ValidationFailed(_("Un commentaire porte sur un article ou sur une proposition."))
    if clause_id is not None:
        version_id = get_clause_by_id(session, clause_id).version_id
    else:
        version_id = get_proposal(session, proposal_id or 0).version_id
    _require_open(session, version_id)
    ensure_can_write(session, user_id=author_id)
    body = _check_body(body)
    parent: Comment | None = None
    if parent_id is not None:
        parent = get_comment(session, parent_id)
        if parent.parent_id is not None:  # a reply to a reply joins the top comment's thread
            parent = get_comment(session, parent.parent_id)
        if parent.clause_id != clause_id or parent.proposal_id != proposal_id:
            raise ValidationFailed(_("Cette réponse ne correspond pas à la discussion."))
        if parent.deleted_at is not None or parent.hidden_at is not None:
            raise ValidationFailed(
                _("Ce commentaire a été retiré : on ne peut plus y répondre."), field="body"
            )
    stored_key = form_key(
        author_id, key, clause_id, proposal_id, parent.id if parent else None, body
    )
    existing = _existing_by_key(session, Comment, stored_key)
    if existing is not None:
        return existing  # a double submit: the comment is already there, once
    comment = Comment(
        clause_id=clause_id,
        proposal_id=proposal_id,
        parent_id=parent.id if parent else None,
        author_id=author_id,
        body=body,
        idempotency_key=stored_key,
        assisted_channel=assisted.channel if assisted else None,
        assisted_name=assisted.name if assisted else None,
    )
    try:
        with session.begin_nested():  # the same form sent at once: the unique key decides
            session.add(comment)
            session.flush()
    except IntegrityError:
        existing = _existing_by_key(session, Comment, stored_key)
        if existing is None:
            raise
        return existing
    if parent is not None:
        bump_counter(session, Comment, Comment.id, parent.id or 0, "reply_count", 1)
    count_comment(session, comment, 1)
    audit.record(
        session, actor_id=author_id, action="consultation.comment.create",
        object_type="comment", object_id=comment.id,
        detail={"clause_id": clause_id, "proposal_id": proposal_id, "parent_id": comment.parent_id},
    )  # fmt: skip
    return comment


def count_comment(session: Session, comment: Comment, by: int) -> None:
    if comment.clause_id is not None:
        ensure_clause_stats(session, [comment.clause_id])
        bump_counter(
            session, ClauseStats, ClauseStats.clause_id, comment.clause_id, "comment_count", by
        )
    elif comment.proposal_id is not None:
        bump_counter(session, Proposal, Proposal.id, comment.proposal_id, "comment_count", by)


def _own_live_comment(session: Session, comment_id: int, author_id: int) -> Comment:
    comment = get_comment(session, comment_id)
    if comment.author_id != author_id:
        raise Forbidden(_("Seul l'auteur d'un commentaire peut le modifier ou le supprimer."))
    if comment.deleted_at is not None:
        raise ValidationFailed(_("Ce commentaire est déjà supprimé."))
    return comment


def can_edit(comment: Comment, user_id: int | None, now: datetime | None = None) -> bool:
    return (
        user_id is not None
        and comment.author_id == user_id
        and comment.deleted_at is None
        and comment.hidden_at is None
        and (now or utcnow()) - _aware(comment.created_at) < timedelta(minutes=COMMENT_EDIT_MINUTES)
    )


def edit_comment(
    session: Session, *, comment_id: int, author_id: int, body: str, now: datetime | None = None
) -> Comment:
    """The author corrects a comment within COMMENT_EDIT_MINUTES of posting it."""
    comment = _own_live_comment(session, comment_id, author_id)
    _require_open(session, _version_of_comment(session, comment))
    ensure_can_write(session, user_id=author_id)
    if comment.hidden_at is not None:
        raise Forbidden(
            _("Ce commentaire a été masqué par la modération : il ne peut plus changer.")
        )
    if not can_edit(comment, author_id, now):
        raise Forbidden(
            _(
                "Un commentaire ne peut être modifié que dans les %(n)s minutes qui suivent "
                "sa publication.",
                n=COMMENT_EDIT_MINUTES,
            )
        )
    body = _check_body(body)
    before = comment.body
    comment.body, comment.edited_at = body, now or utcnow()
    session.flush()
    audit.record(
        session, actor_id=author_id, action="consultation.comment.edit", object_type="comment",
        object_id=comment.id, detail={"before": before},
    )  # fmt: skip
    return comment


def delete_comment(session: Session, *, comment_id: int, author_id: int) -> Comment:
    """The author withdraws a comment; a placeholder stays so that replies keep their context."""
    comment = _own_live_comment(session, comment_id, author_id)
    comment.deleted_at = utcnow()
    session.flush()
    count_comment(session, comment, -1)
    audit.record(
        session, actor_id=author_id, action="consultation.comment.delete", object_type="comment",
        object_id=comment.id,
    )  # fmt: skip
    return comment


def report_comment(
    session: Session, *, comment_id: int, reporter_id: int, reason: str, note: str = ""
) -> Report:
    """Anyone signed in reports a comment to the moderators, once per comment."""
    comment = get_comment(session, comment_id)
    if reason not in MODERATION_REASONS:
        raise ValidationFailed(_("Choisissez le motif du signalement."), field="reason")
    note = note.strip()
    if len(note) > 500:
        raise ValidationFailed(_("La précision est limitée à 500 caractères."), field="note")
    if comment.deleted_at is not None:
        raise ValidationFailed(_("Ce commentaire a été supprimé par son auteur."))
    if comment.author_id == reporter_id:
        raise ValidationFailed(_("Vous ne pouvez pas signaler votre propre commentaire."))
    ensure_can_write(session, user_id=reporter_id)
    already = session.scalar(
        select(Report.id).where(Report.comment_id == comment_id, Report.reporter_id == reporter_id)
    )
    if already is not None:
        raise ValidationFailed(
            _("Vous avez déjà signalé ce commentaire : la modération l'examinera.")
        )
    report = Report(
        comment_id=comment_id, reporter_id=reporter_id, reason=reason, note=note or None
    )
    try:
        with session.begin_nested():  # two reports sent at once: the unique constraint decides
            session.add(report)
            session.flush()
    except IntegrityError as exc:
        raise ValidationFailed(
            _("Vous avez déjà signalé ce commentaire : la modération l'examinera.")
        ) from exc
    bump_counter(session, Comment, Comment.id, comment_id, "report_count", 1)
    audit.record(
        session, actor_id=reporter_id, action="consultation.comment.report", object_type="comment",
        object_id=comment_id, detail={"reason": reason},
    )  # fmt: skip
    return report


def report_proposal(
    session: Session, *, proposal_id: int, reporter_id: int, reason: str, note: str = ""
) -> ProposalReport:
    """Anyone signed in reports a proposal to the moderators, once per proposal."""
    proposal = get_proposal(session, proposal_id)
    if reason not in MODERATION_REASONS:
        raise ValidationFailed(_("Choisissez le motif du signalement."), field="reason")
    note = note.strip()
    if len(note) > 500:
        raise ValidationFailed(_("La précision est limitée à 500 caractères."), field="note")
    if proposal.author_id == reporter_id and not proposal.assisted_channel:
        raise ValidationFailed(_("Vous ne pouvez pas signaler votre propre proposition."))
    if proposal.hidden_at is not None:
        raise ValidationFailed(_("Cette proposition est déjà masquée par la modération."))
    ensure_can_write(session, user_id=reporter_id)
    report = ProposalReport(
        proposal_id=proposal_id, reporter_id=reporter_id, reason=reason, note=note or None
    )
    try:
        with session.begin_nested():  # sent twice at once: the unique constraint decides
            session.add(report)
            session.flush()
    except IntegrityError as exc:
        raise ValidationFailed(
            _("Vous avez déjà signalé cette proposition : la modération l'examinera.")
        ) from exc
    bump_counter(session, Proposal, Proposal.id, proposal_id, "report_count", 1)
    audit.record(
        session, actor_id=reporter_id, action="consultation.proposal.report",
        object_type="proposal", object_id=proposal_id, detail={"reason": reason},
    )  # fmt: skip
    return report


@dataclass
class CommentPage:
    """One page of top comments with all their replies (three queries whatever the size)."""

    comments: list[Comment]
    replies: dict[int, list[Comment]] = field(default_factory=dict)
    page: int = 1
    has_more: bool = False
    total: int = 0

    def all(self) -> list[Comment]:
        return self.comments + [r for rs in self.replies.values() for r in rs]


def comment_page(
    session: Session,
    *,
    clause_id: int | None = None,
    proposal_id: int | None = None,
    page: int = 1,
    per_page: int = COMMENTS_PER_PAGE,
) -> CommentPage:
    """Top comments newest first, `per_page` at a time, with their replies oldest first."""
    page = max(1, page)
    where = (
        Comment.clause_id == clause_id
        if clause_id is not None
        else Comment.proposal_id == proposal_id
    )
    top = list(
        session.scalars(
            select(Comment)
            .where(where, col(Comment.parent_id).is_(None))
            .order_by(col(Comment.created_at).desc(), col(Comment.id).desc())
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
        )
    )
    has_more = len(top) > per_page
    top = top[:per_page]
    replies = _replies_of(session, [c.id for c in top if c.reply_count and c.id is not None])
    total = int(
        session.scalar(
            select(func.count()).select_from(Comment).where(where, col(Comment.parent_id).is_(None))
        )
        or 0
    )
    return CommentPage(top, replies, page, has_more, total)


def _replies_of(session: Session, parent_ids: list[int]) -> dict[int, list[Comment]]:
    replies: dict[int, list[Comment]] = {}
    if parent_ids:
        for reply in session.scalars(
            select(Comment)
            .where(col(Comment.parent_id).in_(parent_ids))
            .order_by(Comment.created_at, Comment.id)
        ):
            replies.setdefault(reply.parent_id or 0, []).append(reply)
    return replies


def thread(session: Session, comment_id: int) -> CommentPage:
    """One top comment (or the top comment of a reply) with its replies."""
    comment = get_comment(session, comment_id)
    if comment.parent_id is not None:
        comment = get_comment(session, comment.parent_id)
    return CommentPage([comment], _replies_of(session, [comment.id or 0]))


# --- supports ----------------------------------------------------------------------------------

_COUNTERS: dict[str, tuple[Any, Any]] = {
    Target.CLAUSE: (ClauseStats, ClauseStats.clause_id),
    Target.COMMENT: (Comment, Comment.id),
    Target.PROPOSAL: (Proposal, Proposal.id),
}


def _support_target_version(session: Session, target_type: str, target_id: int) -> int:
    if target_type == Target.CLAUSE:
        return get_clause_by_id(session, target_id).version_id
    if target_type == Target.PROPOSAL:
        return get_proposal(session, target_id).version_id
    if target_type == Target.COMMENT:
        comment = get_comment(session, target_id)
        if comment.deleted_at is not None or comment.hidden_at is not None:
            raise ValidationFailed(_("Ce commentaire a été retiré : il ne peut plus être soutenu."))
        return _version_of_comment(session, comment)
    raise NotFound(_("On ne peut soutenir qu'un article, un commentaire ou une proposition."))


def support(session: Session, *, user_id: int, target_type: str, target_id: int) -> bool:
    """Support once; a second support (double submit) changes nothing and returns False."""
    _require_open(session, _support_target_version(session, target_type, target_id))
    ensure_can_write(session, user_id=user_id)
    if target_type == Target.CLAUSE:
        ensure_clause_stats(session, [target_id])
    values = {"user_id": user_id, "target_type": target_type, "target_id": target_id,
              "created_at": utcnow()}  # fmt: skip
    table: Any = Support.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        stmt: Any = postgresql.insert(table).values(values).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(table).values(values).on_conflict_do_nothing()
    # RETURNING tells whether the row went in (rowcount is unreliable for ON CONFLICT inserts).
    if session.execute(stmt.returning(table.c.id)).scalar() is None:
        return False
    model, key = _COUNTERS[target_type]
    bump_counter(session, model, key, target_id, "support_count", 1)
    audit.record(
        session, actor_id=user_id, action="consultation.support", object_type=target_type,
        object_id=target_id,
    )  # fmt: skip
    return True


def withdraw_support(session: Session, *, user_id: int, target_type: str, target_id: int) -> bool:
    """Withdraw one's support (while the consultation is open); False if there was none."""
    _require_open(session, _support_target_version(session, target_type, target_id))
    removed = session.execute(
        delete(Support).where(
            col(Support.user_id) == user_id,
            col(Support.target_type) == target_type,
            col(Support.target_id) == target_id,
        )
    ).rowcount  # type: ignore[attr-defined]
    if removed != 1:
        return False
    model, key = _COUNTERS[target_type]
    bump_counter(session, model, key, target_id, "support_count", -1)
    audit.record(
        session, actor_id=user_id, action="consultation.support.withdraw",
        object_type=target_type, object_id=target_id,
    )  # fmt: skip
    return True


def supported_ids(
    session: Session, *, user_id: int | None, target_type: str, target_ids: Iterable[int]
) -> set[int]:
    """Which of these targets this person supports (their own view; never shown to others)."""
    ids = list(target_ids)
    if user_id is None or not ids:
        return set()
    return set(
        session.scalars(
            select(Support.target_id).where(
                Support.user_id == user_id,
                Support.target_type == target_type,
                col(Support.target_id).in_(ids),
            )
        )
    )


def supported_targets(
    session: Session, *, user_id: int | None, targets: Mapping[str, Iterable[int]]
) -> set[tuple[str, int]]:
    """Which of these targets, of several kinds, this person supports, in one query: a page's
    per-person marks (the article, its comments) come from one statement."""
    wanted = {kind: list(ids) for kind, ids in targets.items()}
    wanted = {kind: ids for kind, ids in wanted.items() if ids}
    if user_id is None or not wanted:
        return set()
    which = or_(
        *(
            and_(col(Support.target_type) == kind, col(Support.target_id).in_(ids))
            for kind, ids in wanted.items()
        )
    )
    rows = session.execute(
        select(Support.target_type, Support.target_id).where(Support.user_id == user_id, which)
    )
    return {(str(kind), int(target)) for kind, target in rows}


def support_count(session: Session, *, target_type: str, target_id: int) -> int:
    model, key = _COUNTERS[target_type]
    return int(session.scalar(select(model.support_count).where(key == target_id)) or 0)


def clause_stats_of(session: Session, clause_id: int) -> ClauseStats | None:
    return session.get(ClauseStats, clause_id)


def support_version_id(session: Session, target_type: str, target_id: int) -> int:
    """The version a supported clause, comment or proposal belongs to."""
    if target_type == Target.CLAUSE:
        return get_clause_by_id(session, target_id).version_id
    if target_type == Target.PROPOSAL:
        return get_proposal(session, target_id).version_id
    return _version_of_comment(session, get_comment(session, target_id))


def clause_stats(session: Session, version_id: int) -> dict[int, ClauseStats]:
    """Counters of every clause of a version, in one query."""
    rows = session.scalars(
        select(ClauseStats)
        .join(Clause, Clause.id == ClauseStats.clause_id)
        .where(Clause.version_id == version_id)
    )
    return {s.clause_id: s for s in rows}


# --- proposals ---------------------------------------------------------------------------------


def get_proposal(session: Session, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(_("Cette proposition n'existe pas."))
    return proposal


def create_proposal(
    session: Session,
    *,
    author_id: int,
    kind: str,
    title: str,
    body: str,
    rationale: str,
    clause_number: int | None = None,
    section_slug: str | None = None,
    is_agent: bool = True,
    key: str | None = None,
    assisted: Assisted | None = None,
) -> Proposal:
    """An agent proposes an amendment to a clause of the draft, or a new clause in a section;
    residents too when the cycle lets them (`may_propose`). The same form sent many times at once
    stores one proposal (its unique key); `assisted`: an agent records it for a resident without
    an account."""
    version = version_under_consultation(session)
    if version is None:
        raise PhaseClosed(_("Aucun projet de charte n'est en préparation."))
    info = phase_info(session, version)
    if info.phase not in (Phase.DRAFTING, Phase.OPEN):
        raise PhaseClosed(
            _(
                "Les propositions ne sont plus reçues (la consultation est %(phase)s) : "
                "rien n'a été enregistré.",
                phase=info.label,
            )
        )
    if not may_propose(session, version, is_agent=is_agent):
        raise Forbidden(
            _(
                "Pendant cette consultation, seuls les agents de la ville proposent des "
                "amendements ; vous pouvez commenter et soutenir les articles. Rien n'a été "
                "enregistré."
            )
        )
    ensure_can_write(session, user_id=author_id)
    title, body, rationale = title.strip(), body.strip(), rationale.strip()
    if kind not in (ProposalKind.AMEND, ProposalKind.NEW):
        raise ValidationFailed(_("Choisissez : modifier un article ou en proposer un nouveau."))
    clause_slug: str | None = None
    base_title: str | None = None
    base_body: str | None = None
    if kind == ProposalKind.AMEND:
        clause = session.scalar(
            select(Clause).where(Clause.version_id == version.id, Clause.number == clause_number)
        )
        if clause is None:
            raise NotFound(_("L'article à modifier n'existe pas dans le projet."))
        clause_slug, section_slug = clause.slug, clause.section_slug
        # The text the agent started from: the page diffs against it even after the draft changed.
        base_title, base_body = clause.title, clause.body
        if not title:
            title = clause.title
        if title == clause.title and body == clause.body.strip():
            raise ValidationFailed(
                _("Le texte proposé est identique au texte actuel : modifiez-le."), field="body"
            )
    else:
        known = session.scalar(
            select(CharterSection.id).where(
                CharterSection.version_id == version.id, CharterSection.slug == section_slug
            )
        )
        if known is None:
            raise ValidationFailed(_("Choisissez la section du nouvel article."), field="section")
    if not title:
        raise ValidationFailed(_("Donnez un titre à l'article proposé."), field="title")
    if len(title) > TITLE_MAX_CHARS:
        raise ValidationFailed(
            _("Le titre est limité à %(n)s caractères.", n=TITLE_MAX_CHARS), field="title"
        )
    for value, name in ((body, "body"), (rationale, "rationale")):
        if not value:
            raise ValidationFailed(
                _("Le texte proposé et sa justification sont obligatoires."), field=name
            )
        if len(value) > PROPOSAL_MAX_CHARS:
            raise ValidationFailed(
                _("Ce champ est limité à %(n)s caractères.", n=PROPOSAL_MAX_CHARS), field=name
            )
    proposal = Proposal(
        version_id=version.id,
        kind=kind,
        clause_slug=clause_slug,
        section_slug=section_slug,
        title=title,
        body=body,
        base_title=base_title,
        base_body=base_body,
        rationale=rationale,
        author_id=author_id,
        idempotency_key=form_key(author_id, key, kind, clause_slug, section_slug, title, body),
        assisted_channel=assisted.channel if assisted else None,
        assisted_name=assisted.name if assisted else None,
    )
    existing = _existing_by_key(session, Proposal, proposal.idempotency_key or "")
    if existing is not None:
        return existing  # the same form sent again: the proposal is already there, once
    try:
        with session.begin_nested():  # sent many times at once: the unique key decides
            session.add(proposal)
            session.flush()
    except IntegrityError:
        existing = _existing_by_key(session, Proposal, proposal.idempotency_key or "")
        if existing is None:
            raise
        return existing
    audit.record(
        session, actor_id=author_id, action="consultation.proposal.create",
        object_type="proposal", object_id=proposal.id,
        detail={"kind": kind, "clause": clause_slug, "section": section_slug},
    )  # fmt: skip
    return proposal


def may_propose(session: Session, version: CharterVersion | None, *, is_agent: bool) -> bool:
    """Agents always propose (while proposals are received); residents when the cycle says so."""
    if is_agent:
        return True
    if version is None:
        return False
    schedule = schedule_of(session, version)
    return schedule is not None and schedule.proposers == Proposers.RESIDENTS


def set_proposers(
    session: Session, *, number: int, proposers: str, actor_id: int
) -> ConsultationSchedule:
    """An official says who may propose amendments during this cycle."""
    if proposers not in PROPOSERS:
        raise ValidationFailed(
            _("Choisissez qui peut proposer : les agents seulement, ou les habitants aussi."),
            field="proposers",
        )
    version = _draft(session, number)
    schedule = _schedule_for_update(session, version)
    previous = schedule.proposers
    schedule.proposers = proposers
    schedule.changed_at, schedule.changed_by = utcnow(), actor_id
    session.flush()
    audit.record(
        session, actor_id=actor_id, action="consultation.proposers", object_type="charter_version",
        object_id=number, detail={"from": previous, "to": proposers},
    )  # fmt: skip
    return schedule


def proposals(
    session: Session, *, version_id: int | None = None, clause_slug: str | None = None
) -> list[Proposal]:
    """Proposals, most supported first (optionally of one version and one clause)."""
    stmt = select(Proposal)
    if version_id is not None:
        stmt = stmt.where(Proposal.version_id == version_id)
    if clause_slug is not None:
        stmt = stmt.where(Proposal.clause_slug == clause_slug)
    order = (col(Proposal.support_count).desc(), col(Proposal.created_at).desc())
    return list(session.scalars(stmt.order_by(*order)))


def current_text(session: Session, proposal: Proposal) -> Clause | None:
    """The clause a proposal amends, as it reads in the proposal's version."""
    if proposal.clause_slug is None:
        return None
    return session.scalar(
        select(Clause).where(
            Clause.version_id == proposal.version_id, Clause.slug == proposal.clause_slug
        )
    )


@dataclass(frozen=True)
class BaseText:
    """What a proposal is compared with, and which text that is."""

    title: str
    body: str
    source: str  # "proposal" (text the agent started from), "published", "draft"
    version_number: int | None = None


def base_text(session: Session, proposal: Proposal) -> BaseText | None:
    """The text an amendment changes: the one its author started from, else the version in force
    for a proposal already applied, else the draft's."""
    if proposal.clause_slug is None:
        return None
    if proposal.base_body is not None:
        return BaseText(proposal.base_title or "", proposal.base_body, "proposal")
    if proposal.applied_clause_id is not None or proposal.status.startswith("accepted"):
        row = session.execute(
            select(Clause, CharterVersion.number)
            .join(CharterVersion, CharterVersion.id == Clause.version_id)
            .where(
                Clause.slug == proposal.clause_slug,
                CharterVersion.status == VersionStatus.PUBLISHED,
            )
            .order_by(col(CharterVersion.number).desc())
            .limit(1)
        ).first()
        if row is not None:
            return BaseText(row[0].title, row[0].body, "published", int(row[1]))
    current = current_text(session, proposal)
    if current is None:
        return None
    return BaseText(current.title, current.body, "draft")


# --- stored HTML -------------------------------------------------------------------------------


def rerender_stale_html(session: Session, *, limit: int = 2000) -> int:
    """Render again, with today's rules, the comments and proposals whose stored HTML an older
    renderer made (or that have none): at most `limit` rows of each table per call; returns how
    many rows changed. The `consultation.rerender` job and `portal charter rerender` call it."""
    version = user_text.RENDERER_VERSION
    changed = 0
    for model in (Comment, Proposal):
        stale = (col(model.html_version) < version) | col(model.body_html).is_(None)
        for row in session.scalars(select(model).where(stale).order_by(model.id).limit(limit)):
            store_html(row)
            changed += 1
    session.flush()
    return changed
