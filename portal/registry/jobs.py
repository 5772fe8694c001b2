"""Jobs of the registry module: entries past their review date are flagged to their owner."""

from __future__ import annotations

from datetime import timedelta

from portal.manifest import Job, JobContext
from portal.registry import services


def review_overdue(ctx: JobContext) -> str:
    mailed = services.flag_overdue(ctx.session, today=ctx.now.date())
    return f"mailed={mailed}"


JOBS = [
    Job("registry.review_overdue", timedelta(hours=6), review_overdue,
        "Mail the owner of each register entry whose next-review date has passed"),
]  # fmt: skip
