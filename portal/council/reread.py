"""Minutes an older reader read, read again from their source with today's reader.

When the reader's rules change what is read from minutes (parse.READER_VERSION is raised), the
meetings stored before are read again from the file they keep (`council_meeting.source_bytes`):
`portal council reread` does all of them, the `council.reread` job (jobs.py) a few at a time.
Each source is read outside any transaction (a PDF may take seconds), then stored in a short one
by services.reread, which keeps the rows and anchors of unchanged passages. A meeting whose
source cannot be read any more, or whose date as read today is another stored meeting's, is left
as it is and reported with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from portal.council import parse, services
from portal.council.models import Meeting
from portal.council.parse import MinutesError, ParsedMinutes
from portal.db import session_scope

Reader = Callable[[bytes, str], ParsedMinutes]


@dataclass
class Summary:
    """What one pass did, meeting by meeting."""

    done: list[services.Reread] = field(default_factory=list)

    def of(self, status: str) -> list[services.Reread]:
        return [r for r in self.done if r.status == status]

    def line(self) -> str:
        """'2 meetings read again, 5 unchanged, 1 left (2023-12-19: its reason)'."""
        left = self.of(services.LEFT) + self.of(services.GONE)
        reasons = "; ".join(f"{r.before}: {r.reason}" for r in left)
        done = len(self.of(services.REREAD))
        return (
            f"{done} meeting{'' if done == 1 else 's'} read again, "
            f"{len(self.of(services.UNCHANGED))} unchanged, {len(left)} left"
            + (f" ({reasons})" if reasons else "")
        )


def outdated(engine: Engine, *, retry_left: bool, limit: int | None = None) -> list[int]:
    """The meetings an older reader read, oldest stored first; with `retry_left` false, not
    those today's reader has already tried and left."""
    version = parse.READER_VERSION
    query = select(Meeting.id).where(col(Meeting.reader_version) < version)
    if not retry_left:
        query = query.where(col(Meeting.reader_tried) < version)
    with session_scope(engine, write=False) as session:
        return [int(i) for i in session.scalars(query.order_by(col(Meeting.id)).limit(limit))]


def reread_one(
    engine: Engine, meeting_id: int, *, read: Reader = parse.parse_bytes
) -> services.Reread:
    """Read one stored meeting again with `read` (today's reader), outside any transaction,
    then store the reading in a short transaction of its own."""
    with session_scope(engine, write=False) as session:
        row = session.execute(
            select(Meeting.meeting_date, Meeting.source_filename, Meeting.source_sha256,
                   Meeting.source_bytes).where(Meeting.id == meeting_id)
        ).one_or_none()  # fmt: skip
    if row is None:
        return services.Reread(meeting_id, date.min, date.min, services.GONE, "séance retirée")
    day, filename, sha, data = row
    reason = None
    parsed = None
    if not data:
        reason = "aucune source n'est enregistrée pour cette séance"
    else:
        try:
            parsed = read(bytes(data), filename)
        except MinutesError as exc:
            reason = f"la source ne se lit plus : {exc.reason}"
    with session_scope(engine) as session:
        if parsed is None:
            assert reason is not None
            left = services.leave_unread(
                session, meeting_id=meeting_id, source_sha256=sha, reason=reason, actor_id=None
            )
            return left or services.Reread(meeting_id, day, day, services.GONE, reason)
        result = services.reread(session, meeting_id=meeting_id, parsed=parsed, actor_id=None)
        if result.status == services.REREAD:
            services.tidy_search_index(session)
        return result


def reread_outdated(
    engine: Engine,
    *,
    read: Reader = parse.parse_bytes,
    retry_left: bool = True,
    limit: int | None = None,
    progress: Callable[[int, int, services.Reread], None] | None = None,
) -> Summary:
    """Read again every meeting an older reader read (at most `limit`), one after the other;
    `progress(n, total, result)` after each."""
    ids = outdated(engine, retry_left=retry_left, limit=limit)
    summary = Summary()
    for n, meeting_id in enumerate(ids, 1):
        result = reread_one(engine, meeting_id, read=read)
        summary.done.append(result)
        if progress:
            progress(n, len(ids), result)
    return summary
