"""Tables of taking part: the phase of a draft, proposals, comments, supports, counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint, event, inspect, text
from sqlalchemy.orm import ORMExecuteState, Session
from sqlmodel import Field, SQLModel

from portal import text as user_text
from portal.clock import utcnow
from portal.consultation.vocabulary import Decision, Phase, Proposers

COMMENT_MAX_CHARS = 5000
COMMENT_EDIT_MINUTES = 15


class ConsultationSchedule(SQLModel, table=True):
    """The phase of one draft version and the dates at which the scheduler moves it on."""

    __tablename__ = "consultation_schedule"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="consultation_version.id", unique=True, ondelete="CASCADE")
    phase: str = Field(default=Phase.DRAFTING, max_length=20, index=True)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    changed_at: datetime = Field(default_factory=utcnow)
    changed_by: int | None = Field(default=None, foreign_key="accounts_user.id")
    # Who may propose amendments during this cycle: Proposers.AGENTS or Proposers.RESIDENTS.
    proposers: str = Field(default=Proposers.AGENTS, max_length=20)


class Proposal(SQLModel, table=True):
    """An agent's amendment to a clause (by its stable slug) or a new clause, for a draft version."""

    __tablename__ = "consultation_proposal"
    __table_args__ = (
        Index("ix_consultation_proposal_version_status", "version_id", "status"),
        Index("uq_consultation_proposal_idempotency_key", "idempotency_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="consultation_version.id", ondelete="CASCADE")
    kind: str = Field(max_length=10)  # PROPOSAL_AMEND or PROPOSAL_NEW
    clause_slug: str | None = Field(default=None, max_length=80, index=True)  # amended clause
    section_slug: str | None = Field(default=None, max_length=80)  # where a new clause goes
    title: str = Field(max_length=300)
    body: str  # the proposed text of the clause
    # The text the author started from (amendments): the page diffs against it even after an
    # accepted answer changed the draft.
    base_title: str | None = Field(default=None, max_length=300)
    base_body: str | None = None
    rationale: str
    # `body` and `rationale` as safe HTML, rendered when written (see `store_html` below) with
    # the renderer's rules of version `html_version`; pages show these, never render per view.
    body_html: str | None = None
    rationale_html: str | None = None
    html_version: int = Field(default=0, index=True)
    author_id: int = Field(foreign_key="accounts_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default=Decision.PENDING, max_length=30)
    support_count: int = 0
    comment_count: int = 0
    lock_version: int = 1
    # The clause of the next draft that the accepted text became (links answer -> change).
    applied_clause_id: int | None = Field(default=None, foreign_key="consultation_clause.id")
    # Recorded by an agent (author_id) on behalf of a resident without an account: the channel
    # (vocabulary.Channel) and the name the resident agreed to show; never shown under the agent's.
    assisted_channel: str | None = Field(default=None, max_length=20)
    assisted_name: str | None = Field(default=None, max_length=120)
    # One create per form: the same form sent many times at once stores one row (a hash of the
    # author and the form's hidden key).
    idempotency_key: str | None = Field(default=None, max_length=64)
    hidden_at: datetime | None = None
    hidden_by: int | None = Field(default=None, foreign_key="accounts_user.id")
    hidden_reason: str | None = Field(default=None, max_length=60)
    report_count: int = 0


class Comment(SQLModel, table=True):
    """A resident's comment on a clause or on a proposal; replies have a parent (one level)."""

    __tablename__ = "consultation_comment"
    __table_args__ = (
        Index("ix_consultation_comment_clause_created", "clause_id", "created_at"),
        Index("ix_consultation_comment_proposal_created", "proposal_id", "created_at"),
        Index("uq_consultation_comment_idempotency_key", "idempotency_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    clause_id: int | None = Field(
        default=None, foreign_key="consultation_clause.id", ondelete="CASCADE"
    )
    proposal_id: int | None = Field(
        default=None, foreign_key="consultation_proposal.id", ondelete="CASCADE"
    )
    parent_id: int | None = Field(default=None, foreign_key="consultation_comment.id", index=True)
    author_id: int = Field(foreign_key="accounts_user.id", index=True)
    body: str
    body_html: str | None = None  # `body` as safe HTML, rendered when written (`store_html`)
    html_version: int = Field(default=0, index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    edited_at: datetime | None = None
    # Deleted by its author: the row stays as a placeholder so replies keep their context.
    deleted_at: datetime | None = None
    hidden_at: datetime | None = Field(default=None, index=True)
    hidden_by: int | None = Field(default=None, foreign_key="accounts_user.id")
    hidden_reason: str | None = Field(default=None, max_length=60)  # a key of MODERATION_REASONS
    hidden_note: str | None = Field(default=None, max_length=500)
    support_count: int = 0
    reply_count: int = 0
    report_count: int = 0
    # Recorded by an agent (author_id) on behalf of a resident without an account: the channel
    # (vocabulary.Channel) and the name the resident agreed to show; never shown under the agent's.
    assisted_channel: str | None = Field(default=None, max_length=20)
    assisted_name: str | None = Field(default=None, max_length=120)
    # One create per form: the same form sent many times at once stores one row (a hash of the
    # author and the form's hidden key).
    idempotency_key: str | None = Field(default=None, max_length=64)


class ClauseStats(SQLModel, table=True):
    """Maintained counters of one clause (kept apart so a published Clause row never changes)."""

    __tablename__ = "consultation_clause_stats"

    clause_id: int = Field(
        foreign_key="consultation_clause.id", primary_key=True, ondelete="CASCADE"
    )
    comment_count: int = 0
    support_count: int = 0


class Support(SQLModel, table=True):
    """One person's support of a clause, comment or proposal; only counts are ever public."""

    __tablename__ = "consultation_support"
    __table_args__ = (UniqueConstraint("user_id", "target_type", "target_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="accounts_user.id", ondelete="CASCADE")
    target_type: str = Field(max_length=20)
    target_id: int
    created_at: datetime = Field(default_factory=utcnow)


class ConsultationGeneration(SQLModel, table=True):
    """A counter raised by every transaction that writes to the consultation's tables.

    Shared fragments (the charter's text, a page of comments) are kept by each web process under
    the generation they were rendered at; a request reads the counter (one primary-key query) and
    uses a fragment only if it was rendered at the current value. The counter is raised in the
    same transaction as the write, so once the write is visible the old fragments are unusable
    in every process, and a fragment can only ever be newer than its generation.
    """

    __tablename__ = "consultation_generation"

    scope: str = Field(primary_key=True, max_length=40)
    value: int = Field(sa_column=Column(BigInteger, nullable=False))


GENERATION_SCOPE = "consultation"


def store_html(row: Comment | Proposal) -> None:
    """Render the row's user text to safe HTML with today's rules and stamp their version.

    Called for every insert and for every update that changes the text (the mapper events
    below), whoever writes (services, the moderation desk, the demo loader), and by the
    `consultation.rerender` job for rows rendered by older rules."""
    if isinstance(row, Comment):
        row.body_html = str(user_text.render_markdown(row.body or ""))
    else:
        row.body_html = str(user_text.render_markdown(row.body or ""))
        row.rationale_html = str(user_text.render_markdown(row.rationale or ""))
    row.html_version = user_text.RENDERER_VERSION


def _text_changed(row: Comment | Proposal, *names: str) -> bool:
    state = inspect(row)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Comment, "before_insert")
@event.listens_for(Proposal, "before_insert")
def _html_on_insert(_mapper: Any, _connection: Any, row: Comment | Proposal) -> None:
    store_html(row)


@event.listens_for(Comment, "before_update")
def _comment_html_on_update(_mapper: Any, _connection: Any, row: Comment) -> None:
    if row.body_html is None or _text_changed(row, "body"):
        store_html(row)


@event.listens_for(Proposal, "before_update")
def _proposal_html_on_update(_mapper: Any, _connection: Any, row: Proposal) -> None:
    if (
        row.body_html is None
        or row.rationale_html is None
        or _text_changed(row, "body", "rationale")
    ):
        store_html(row)


# --- the generation: raised once by each transaction that wrote a consultation table ---------

_CHANGED = "consultation_changed"


# Tables whose writes change what the consultation's shared pages show: the consultation's own,
# the register's (a clause page lists the systems committed to it) and people's names and roles
# (shown beside comments, proposals and versions). Not the generation itself, nor the follow
# mails' bookkeeping, which no page shows.
_WATCHED_PREFIXES = ("consultation_", "registry_")
_WATCHED_TABLES = frozenset({"accounts_user", "accounts_user_role"})
_UNWATCHED_TABLES = frozenset(
    {"consultation_generation", "consultation_follow_delivery", "consultation_follow_digest"}
)


def raises_generation(table_name: object) -> bool:
    """Whether a write to this table raises the consultation's generation."""
    return (
        isinstance(table_name, str)
        and (table_name.startswith(_WATCHED_PREFIXES) or table_name in _WATCHED_TABLES)
        and table_name not in _UNWATCHED_TABLES
    )


def _is_consultation(obj: object) -> bool:
    return raises_generation(getattr(obj, "__tablename__", ""))


def _mark_if_pending(session: Session) -> None:
    if not session.info.get(_CHANGED) and any(
        _is_consultation(o) for o in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info[_CHANGED] = True


@event.listens_for(Session, "before_flush")
def _note_flush(session: Session, _context: Any, _instances: Any) -> None:
    _mark_if_pending(session)


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    # Counters, supports and bulk changes go through insert()/update()/delete() statements (on
    # a mapped class or on its table), not through objects.
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if raises_generation(getattr(table, "name", "")):
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _raise_generation(session: Session) -> None:
    # Last statement of the transaction: the counter's row is locked only for the commit itself,
    # and never before a row the transaction locks later (no lock-order deadlock on PostgreSQL).
    # SQLAlchemy fires before_commit when a SAVEPOINT is released too (a comment is inserted in
    # one: the same form sent twice at once): wait for the transaction's own commit, or the row
    # is locked before the article's counters (the production load test's deadlocks).
    if session.in_nested_transaction():
        return
    _mark_if_pending(session)
    if session.info.pop(_CHANGED, False):
        session.flush()
        session.connection().execute(
            # An upsert (same SQL on SQLite and PostgreSQL): a database whose row is missing
            # (emptied by hand) starts counting again rather than staying still.
            text(
                "INSERT INTO consultation_generation (scope, value) VALUES (:s, 1) "
                "ON CONFLICT (scope) DO UPDATE SET value = consultation_generation.value + 1"
            ),
            {"s": GENERATION_SCOPE},
        )


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def current_generation(session: Session) -> int:
    """The consultation's generation as committed now (one primary-key query)."""
    # The driver's own SQL (a constant: no parameter, nothing to compile), made by every view of
    # a shared page (the register's list): in the session's transaction when it has begun, else
    # on a pooled connection, so a view that needs nothing more opens no ORM transaction.
    from portal.db import read_rows

    rows = read_rows(session, _GENERATION_SQL)
    return int(rows[0][0] or 0) if rows else 0


_GENERATION_SQL = "SELECT value FROM consultation_generation WHERE scope = 'consultation'"
assert GENERATION_SCOPE in _GENERATION_SQL
