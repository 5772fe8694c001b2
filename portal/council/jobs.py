"""Jobs of the council module: uploaded minutes, the watched folder, spaCy's reading of new
passages, and minutes an older reader read, read again."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from sqlalchemy import select

from portal.council import alerts, reread, services, uploads
from portal.council.ingest import minutes_files
from portal.council.models import Meeting
from portal.council.nlp import spacy_read
from portal.council.parse import MinutesError
from portal.db import session_scope
from portal.manifest import Job, JobContext

log = logging.getLogger("portal.council")


def watch_folder(ctx: JobContext) -> str | None:
    """Ingest the new or corrected minutes dropped in PORTAL_COUNCIL_WATCH_DIR. A file already
    stored (same content) is skipped without being parsed; a bad file is reported, never stored.
    Each file is read outside any transaction, in a process capped like uploads, and stored in
    a short transaction of its own (a write transaction held while parsing would block every
    other writer on SQLite)."""
    folder = ctx.settings.watch_dir
    if folder is None or not folder.is_dir():
        return "no watched folder"
    with session_scope(ctx.engine, write=False) as session:
        known = set(session.scalars(select(Meeting.source_sha256)))
    caps = uploads.caps_from(ctx.settings)
    loaded, refused = 0, []
    for path in minutes_files([folder]):
        try:
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() in known:
                continue
            parsed = uploads.parse_capped(data, path.name, caps)
        except MinutesError as exc:
            log.warning("council: refused %s", exc)
            refused.append(str(exc))
            continue
        except OSError as exc:
            refused.append(f"{path.name} : fichier illisible ({exc.strerror})")
            continue
        with session_scope(ctx.engine) as session:
            result = services.ingest(
                session, parsed=parsed, filename=path.name, data=data, actor_id=None
            )
            if result.status != "unchanged":
                services.tidy_search_index(session)
        loaded += result.status != "unchanged"
    return f"loaded={loaded} refused={len(refused)}" + "".join(f"\n{r}" for r in refused)


def read_uploads(ctx: JobContext) -> str:
    """Read the minutes agents uploaded (uploads.py): outside any transaction, in a process
    capped in time and memory; store each meeting, or the reason it was refused."""
    return uploads.read_queued(ctx.engine, ctx.settings)


def index_entities(ctx: JobContext) -> str:
    """spaCy reads new passages outside any write transaction (it takes seconds; on SQLite a
    write transaction blocks every other writer), then the results are stored at once."""
    with session_scope(ctx.engine, write=False) as session:
        pending = services.pending_passages(session, limit=500)
    if not pending:
        return "passages read by spaCy: 0"
    found = spacy_read(p[2] for p in pending)
    done = services.store_readings(ctx.session, pending=pending, found=found)
    services.tidy_search_index(ctx.session)
    return f"passages read by spaCy: {done}"


# Meetings read again per run: each is read in a capped child process like an upload, then
# stored in a short transaction; a ten-year archive (some 120 meetings) takes a quarter of an hour.
REREAD_PER_RUN = 10


def reread_minutes(ctx: JobContext) -> str:
    """Read again, a few at a time, the minutes an older reader read (parse.READER_VERSION):
    each source outside any transaction, in a process capped like uploads; unchanged passages
    keep their rows and links (reread.py). A meeting left (source unreadable, date of another
    meeting) is logged and not tried again until the reader changes."""
    caps = uploads.caps_from(ctx.settings)
    summary = reread.reread_outdated(
        ctx.engine,
        read=lambda data, name: uploads.parse_capped(data, name, caps),
        retry_left=False,
        limit=REREAD_PER_RUN,
    )
    return summary.line()


def saved_search_alerts(ctx: JobContext) -> str:
    """Mail residents whose followed searches match minutes stored since the last run."""
    looked, mailed = alerts.send_alerts(ctx.session)
    return f"followed searches looked at: {looked}, mails: {mailed}"


JOBS = [
    Job("council.read_uploads", timedelta(seconds=10), read_uploads,
        "Read uploaded minutes outside any transaction, capped in time, memory and size"),
    Job("council.watch_folder", timedelta(minutes=1), watch_folder,
        "Ingest minutes dropped in the watched folder (PORTAL_COUNCIL_WATCH_DIR)"),
    Job("council.index_entities", timedelta(minutes=1), index_entities,
        "Read new passages with spaCy: lemmas for search, people, places and organisations"),
    Job("council.reread", timedelta(minutes=1), reread_minutes,
        "Read again, a few at a time, the minutes stored by an older reader of minutes"),
    Job("council.saved_search_alerts", timedelta(minutes=15), saved_search_alerts,
        "Mail residents whose followed searches match newly stored minutes"),
]  # fmt: skip
