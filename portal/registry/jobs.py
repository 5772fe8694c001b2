"""Jobs of the registry module: entries past their review date are flagged to their owner."""

from __future__ import annotations

from datetime import timedelta

from portal.manifest import Job, JobContext
from portal.registry import services
from portal.registry.commitments import services as commitments


def review_overdue(ctx: JobContext) -> str:
    mailed = services.flag_overdue(ctx.session, today=ctx.now.date())
    return f"mailed={mailed}"


def commitments_check(ctx: JobContext) -> str:
    mailed = commitments.notify_broken(ctx.session, today=ctx.now.date(), now=ctx.now)
    return f"mailed={mailed}"


JOBS = [
    Job("registry.review_overdue", timedelta(hours=6), review_overdue,
        "Mail the owner of each register entry whose next-review date has passed"),
    Job("registry.commitments_check", timedelta(hours=6), commitments_check,
        "Mail the owner of a system when one of the charter's checkable commitments stops being met"),
]  # fmt: skip
