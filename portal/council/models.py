"""Tables of the council module: meetings, their items (deliberations) and passages."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.clock import utcnow


class Meeting(SQLModel, table=True):
    __tablename__ = "council_meeting"
    # The index's state (fulltext.STATE) read from this index: on SQLite the row's later columns
    # lie past the source file's overflow pages (migration 0025).
    __table_args__ = (
        Index("ix_council_meeting_state", "id", "source_sha256", "reader_version", "unread"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_date: date = Field(unique=True)
    title: str = Field(max_length=300)
    place: str | None = Field(default=None, max_length=300)
    chair: str | None = Field(default=None, max_length=200)
    secretary: str | None = Field(default=None, max_length=200)
    present: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    absent: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    proxies: list[list[str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source_filename: str = Field(max_length=300)
    source_sha256: str = Field(max_length=64, index=True)
    source_format: str = Field(max_length=10)
    source_bytes: bytes = b""
    ingested_at: datetime = Field(default_factory=utcnow)
    next_anchor: int = 0
    # Passages of this meeting spaCy has not read yet (nlp_done false), kept by the writes that
    # change it (migration 0023): a search reads the index's state at every view, and counting
    # them took 30 ms on PostgreSQL over a 55,000-passage archive not yet read.
    unread: int = 0
    # The reader (parse.READER_VERSION) whose rules read the stored meeting, and the one that
    # last tried to read it again (migration 0024; see reread.py): a meeting read by an older
    # reader is read again from its source, unless that reader already tried and left it.
    reader_version: int = 0
    reader_tried: int = 0


class Item(SQLModel, table=True):
    """An agenda item; a deliberation when it has a number and a vote."""

    __tablename__ = "council_item"
    __table_args__ = (UniqueConstraint("meeting_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="council_meeting.id", index=True, ondelete="CASCADE")
    position: int
    number: str | None = Field(default=None, max_length=40, index=True)
    title: str = Field(max_length=500)
    rapporteur: str | None = Field(default=None, max_length=200)
    vote_for: int | None = None
    vote_against: int | None = None
    vote_abstentions: int | None = None
    # How many voted, and the members in office, when the minutes say (migration 0022).
    vote_voters: int | None = None
    vote_members: int | None = None
    unanimous: bool = False
    adopted: bool | None = None
    # One subject per item, chosen by our keyword rules (portal/council/nlp.py), for the filters.
    topic: str | None = Field(default=None, max_length=80, index=True)


class Passage(SQLModel, table=True):
    """A paragraph. `anchor` (the n of #p<n>) survives corrected versions of the same minutes."""

    __tablename__ = "council_passage"
    __table_args__ = (
        UniqueConstraint("meeting_id", "anchor"),
        Index("ix_council_passage_meeting_position", "meeting_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="council_meeting.id", ondelete="CASCADE")
    item_id: int | None = Field(
        default=None, foreign_key="council_item.id", ondelete="SET NULL", index=True
    )
    position: int
    anchor: int
    page: int | None = None
    kind: str = Field(max_length=20)
    text: str
    text_hash: str = Field(max_length=64)
    search_text: str  # the passage's words, as portal/council/text.py prepares them
    search_title: str = ""  # the same for its item's title: matches there count less
    # The lemmas spaCy gives the words whose stem they change ("travaux" -> "travail"), one per
    # occurrence, indexed with the words; and the same as {word: lemma}, to highlight them.
    search_lemmas: str = ""
    lemmas: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Set once spaCy has read the passage (lemmas, people, places, organisations); see jobs.py.
    nlp_done: bool = Field(default=False, index=True)


class Entity(SQLModel, table=True):
    """A facet of a passage: a person, place or organisation (spaCy), an amount in euros or a date
    (our patterns). `key` is the folded form the filters and counts use."""

    __tablename__ = "council_entity"
    __table_args__ = (Index("ix_council_entity_kind_key", "kind", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="council_meeting.id", index=True, ondelete="CASCADE")
    passage_id: int = Field(foreign_key="council_passage.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=20)  # person, place, organisation, amount, date
    value: str = Field(max_length=200)
    key: str = Field(max_length=200)


class Upload(SQLModel, table=True):
    """A minutes file an agent sent, waiting for the worker to read it (parse.py runs outside
    any transaction, in a capped child process: see uploads.py). The request only stores the file
    and `queued`; the status then goes parsing -> done or refused (with the reason in French).
    `sha256` is unique: the same file sent many times at once is one upload."""

    __tablename__ = "council_upload"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, unique=True)
    filename: str = Field(max_length=300)
    data: bytes = b""  # emptied once read: the meeting keeps the source
    size: int = 0
    status: str = Field(default="queued", max_length=10, index=True)
    reason: str | None = None
    meeting_date: date | None = None
    outcome: str | None = Field(default=None, max_length=10)  # created, replaced, unchanged
    actor_id: int | None = Field(default=None, foreign_key="accounts_user.id", ondelete="SET NULL")
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None


class Question(SQLModel, table=True):
    """A question the minutes did not answer, forwarded by a resident to the clerk's office;
    answered in public (questions.py). `dedup_key` makes the same question from the same person
    one row, however often it is sent."""

    __tablename__ = "council_question"

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(max_length=300)
    dedup_key: str = Field(max_length=64, unique=True)
    asker_id: int | None = Field(default=None, foreign_key="accounts_user.id", ondelete="SET NULL")
    status: str = Field(default="open", max_length=10, index=True)  # open, answered
    answer: str | None = None
    # The passage the answer cites, by its meeting and permanent anchor (urls.passage).
    cited_meeting: date | None = None
    cited_anchor: int | None = None
    answered_by: int | None = Field(
        default=None, foreign_key="accounts_user.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow)
    answered_at: datetime | None = None


class SavedSearch(SQLModel, table=True):
    """A search a signed-in resident follows (alerts.py): mailed when minutes stored after
    `seen_meeting_id` have passages matching it. `params` is the search's address query string
    (q and its filters, sorted), one row per person and search; `unsubscribe_token` is the only
    credential the mail's unsubscribe link needs."""

    __tablename__ = "council_saved_search"
    __table_args__ = (UniqueConstraint("user_id", "params"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="accounts_user.id", index=True, ondelete="CASCADE")
    query: str = Field(max_length=300)
    params: str = Field(max_length=2000)
    # Meetings up to this id were stored before the follow or already looked at.
    seen_meeting_id: int = 0
    unsubscribe_token: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_mailed_at: datetime | None = None


class FormerDate(SQLModel, table=True):
    """A date a meeting was stored under before a newer reader read its minutes again and found
    another (services.reread): its links (/council/m/<former date>/…) lead to the meeting's new
    date, so that no permanent link breaks. A meeting stored at that date later takes the links
    over (the meeting's own date is looked up first)."""

    __tablename__ = "council_former_date"

    day: date = Field(primary_key=True)
    meeting_id: int = Field(foreign_key="council_meeting.id", ondelete="CASCADE", index=True)
