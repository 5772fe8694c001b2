"""Uploaded minutes: the request stores the file, the worker reads it.

Reading a PDF is pure Python (pypdf), and a hostile one can cost minutes of CPU and gigabytes of
memory. So the upload request only stores the file with the status `queued` (one short write),
and the job `council.read_uploads` (jobs.py) reads it outside any transaction, in a child process
capped in time (PORTAL_COUNCIL_PARSE_SECONDS) and memory (PORTAL_COUNCIL_PARSE_MEMORY_MB), with
parse.py's caps on pages and inflated size (PORTAL_COUNCIL_MAX_PAGES,
PORTAL_COUNCIL_MAX_INFLATED_MB). Only the result is stored, in one transaction; a refusal is
stored with its French reason. The upload page shows each status: queued, parsing, done, refused.

The same file is one upload (`sha256` is unique): fifty identical uploads at once give one row
and fifty answers pointing at it; a file refused before, one whose meeting has since been
replaced by another version, or one whose meeting an older reader read (parse.READER_VERSION),
is queued again: the worker then reads that meeting again (services.reread).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal import audit
from portal.clock import utcnow
from portal.council import parse, services
from portal.council.models import Meeting, Upload
from portal.council.parse import MB, SUPPORTED, Limits, MinutesError, ParsedMinutes
from portal.council.sandbox import Caps, parse_capped
from portal.db import session_scope
from portal.errors import NotFound, ValidationFailed
from portal.web.i18n import N_
from portal.web.i18n import gettext as _

if TYPE_CHECKING:
    from portal.settings import Settings

log = logging.getLogger("portal.council")

QUEUED, PARSING, DONE, REFUSED = "queued", "parsing", "done", "refused"
STATUS_LABELS = {
    QUEUED: N_("en attente de lecture"),
    PARSING: N_("en cours de lecture"),
    DONE: N_("enregistré"),
    REFUSED: N_("refusé"),
}
# A reading interrupted (the worker stopped) is tried again once, then refused.
MAX_ATTEMPTS = 2
MAX_FILENAME = 300


def caps_from(settings: Settings) -> Caps:
    return Caps(
        limits=Limits(
            max_pages=settings.council_max_pages,
            max_inflated_bytes=settings.council_max_inflated_mb * MB,
        ),
        seconds=float(settings.council_parse_seconds),
        memory_bytes=settings.council_parse_memory_mb * MB,
    )


# --- the request: store the file, queued ---------------------------------------------------------


def submit(session: Session, *, filename: str, data: bytes, actor_id: int | None) -> Upload:
    """Store a minutes file to be read by the worker; return its upload. What can be told
    without reading the file (format, emptiness, name) is refused here with a French message
    (ValidationFailed, nothing stored). The same file again is the same upload."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED:
        raise ValidationFailed(
            _(
                "%(name)s : format non pris en charge (%(suffix)s) : PDF, HTML, Markdown ou "
                "texte attendu",
                name=filename,
                suffix=suffix or _("sans extension"),
            ),
            field="file",
        )
    if len(filename) > MAX_FILENAME:
        raise ValidationFailed(
            _("Le nom du fichier est trop long (%(n)s caractères au plus).", n=MAX_FILENAME),
            field="file",
        )
    if not data.strip():
        raise ValidationFailed(_("%(name)s : le fichier est vide", name=filename), field="file")
    sha = hashlib.sha256(data).hexdigest()
    upload = _by_sha(session, sha)
    if upload is None:
        try:
            # A savepoint: if the same file is being stored by a parallel request (PostgreSQL
            # lets both read "none yet"), the unique key refuses the second row and this
            # request answers with the first one.
            with session.begin_nested():
                upload = Upload(
                    sha256=sha, filename=filename, data=data, size=len(data), actor_id=actor_id
                )
                session.add(upload)
                session.flush()
        except IntegrityError:
            upload = _by_sha(session, sha)
            if upload is None:  # pragma: no cover - the row that won is committed, never gone
                raise
            return upload
        audit.record(
            session, actor_id=actor_id, action="council.upload.queued",
            object_type="council_upload", object_id=str(upload.id),
            detail={"file": filename, "bytes": len(data)},
        )  # fmt: skip
        return upload
    if upload.status == REFUSED or (upload.status == DONE and not _stored(session, sha)):
        # Read it again: a refused file (the caps may have changed), an older version of
        # minutes whose meeting has been replaced since (sending it back restores it), or
        # minutes an older reader read (read again with today's). Only one of several parallel
        # requests moves the row; the others see it queued.
        session.execute(
            update(Upload)
            .where(col(Upload.id) == upload.id, col(Upload.status) == upload.status)
            .values(status=QUEUED, data=data, filename=filename, reason=None, outcome=None,
                    meeting_date=None, attempts=0, actor_id=actor_id, created_at=utcnow(),
                    started_at=None, finished_at=None)
        )  # fmt: skip
        session.refresh(upload)
    return upload


def _by_sha(session: Session, sha: str) -> Upload | None:
    return session.scalar(select(Upload).where(col(Upload.sha256) == sha))


def _stored(session: Session, sha: str) -> bool:
    """Whether a meeting holds this file as today's reader reads it."""
    return (
        session.scalar(
            select(func.count()).where(
                col(Meeting.source_sha256) == sha,
                col(Meeting.reader_version) >= parse.READER_VERSION,
            )
        )
        != 0
    )


def get(session: Session, upload_id: int) -> Upload:
    upload = session.get(Upload, upload_id)
    if upload is None:
        raise NotFound(_("Cet envoi de procès-verbal n'existe pas."))
    return upload


def recent(session: Session, *, limit: int = 20) -> list[Upload]:
    return list(session.scalars(select(Upload).order_by(col(Upload.id).desc()).limit(limit)))


def waiting_count(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).where(col(Upload.status).in_([QUEUED, PARSING]))) or 0
    )


# --- the worker: read outside any transaction, in a capped process -------------------------------


@dataclass(frozen=True)
class Claimed:
    id: int
    sha256: str
    filename: str
    data: bytes
    actor_id: int | None


def claim(engine: Engine, *, now: datetime | None = None) -> Claimed | None:
    """Take the oldest queued upload (queued -> parsing, in a short transaction): a conditional
    update, so two workers never read the same file."""
    now = now or utcnow()
    while True:
        with session_scope(engine) as session:
            upload_id = session.scalar(
                select(Upload.id)
                .where(col(Upload.status) == QUEUED)
                .order_by(col(Upload.id))
                .limit(1)
            )
            if upload_id is None:
                return None
            moved = session.execute(
                update(Upload)
                .where(col(Upload.id) == upload_id, col(Upload.status) == QUEUED)
                .values(status=PARSING, started_at=now, attempts=col(Upload.attempts) + 1)
            )
            if getattr(moved, "rowcount", 0) != 1:
                continue  # another worker took it first
            upload = session.get(Upload, upload_id)
            assert upload is not None and upload.id is not None
            return Claimed(upload.id, upload.sha256, upload.filename, upload.data, upload.actor_id)


def finish(engine: Engine, claimed: Claimed, outcome: ParsedMinutes | MinutesError) -> str:
    """Store what reading gave, in one transaction: the meeting and `done`, or `refused` with
    the reason. Returns the upload's new status."""
    with session_scope(engine) as session:
        upload = session.get(Upload, claimed.id)
        if upload is None or upload.status != PARSING or upload.sha256 != claimed.sha256:
            return "gone"  # deleted or re-queued while it was read
        upload.finished_at = utcnow()
        upload.data = b""
        if isinstance(outcome, MinutesError):
            upload.status, upload.reason = REFUSED, outcome.reason
            audit.record(
                session, actor_id=claimed.actor_id, action="council.upload.refused",
                object_type="council_upload", object_id=str(claimed.id),
                detail={"file": claimed.filename, "reason": outcome.reason},
            )  # fmt: skip
            return REFUSED
        result = services.ingest(
            session,
            parsed=outcome,
            filename=claimed.filename,
            data=claimed.data,
            actor_id=claimed.actor_id,
        )
        if result.status != "unchanged":
            services.tidy_search_index(session)
        # created, replaced, unchanged, or for a file an older reader read: reread, or left
        # (with why: a date another meeting has), each said so on the status page.
        upload.status, upload.outcome = DONE, result.status
        if result.status == "left":
            upload.reason = result.reason
        upload.meeting_date = result.meeting_date
        return DONE


def requeue_stale(engine: Engine, caps: Caps, *, now: datetime | None = None) -> int:
    """Uploads left `parsing` by a worker that stopped mid-reading: queued again, or refused
    after MAX_ATTEMPTS readings."""
    now = now or utcnow()
    stale_before = now - timedelta(seconds=caps.seconds + 60)
    with session_scope(engine) as session:
        stale = col(Upload.status) == PARSING
        old = col(Upload.started_at) < stale_before
        refused = session.execute(
            update(Upload)
            .where(stale, old, col(Upload.attempts) >= MAX_ATTEMPTS)
            .values(status=REFUSED, finished_at=now, data=b"",
                    reason="la lecture a été interrompue plusieurs fois : envoyez le fichier "
                           "à nouveau, ou signalez-le")
        )  # fmt: skip
        queued = session.execute(
            update(Upload).where(stale, old).values(status=QUEUED, started_at=None)
        )
        return int(getattr(refused, "rowcount", 0) or 0) + int(getattr(queued, "rowcount", 0) or 0)


def read_queued(
    engine: Engine, settings: Settings, *, budget_seconds: float = 300, now: datetime | None = None
) -> str:
    """The worker's job: read queued uploads one after the other, for about `budget_seconds`."""
    caps = caps_from(settings)
    requeue_stale(engine, caps, now=now)
    started = utcnow()
    counts = {DONE: 0, REFUSED: 0}
    while (utcnow() - started).total_seconds() < budget_seconds:
        claimed = claim(engine, now=now)
        if claimed is None:
            break
        outcome: ParsedMinutes | MinutesError
        try:
            outcome = parse_capped(claimed.data, claimed.filename, caps)
        except MinutesError as exc:
            outcome = exc
        try:
            status = finish(engine, claimed, outcome)
        except Exception:  # a database error: left `parsing`, queued again by requeue_stale
            log.exception("council: storing upload %s failed", claimed.id)
            status = "failed"
        counts[status] = counts.get(status, 0) + 1
    return f"uploads read: done={counts[DONE]} refused={counts[REFUSED]}"
