"""Jobs of the consultation module."""

from __future__ import annotations

from datetime import timedelta

from portal.consultation.participation import services as participation_services
from portal.manifest import Job, JobContext


def advance_phases(ctx: JobContext) -> str:
    moved = participation_services.advance_phases(ctx.session, now=ctx.now)
    return ", ".join(moved) or "no change"


JOBS = [
    Job("consultation.phases", timedelta(minutes=1), advance_phases,
        "Open a draft for comments at its opening time and close it at its closing time"),
]  # fmt: skip
