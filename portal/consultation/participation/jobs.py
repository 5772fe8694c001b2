"""Jobs of the consultation module."""

from __future__ import annotations

from datetime import timedelta

from portal.consultation.participation import services as participation_services
from portal.manifest import Job, JobContext


def advance_phases(ctx: JobContext) -> str:
    moved = participation_services.advance_phases(ctx.session, now=ctx.now)
    return ", ".join(moved) or "no change"


def rerender(ctx: JobContext) -> str:
    """User text whose stored HTML an older renderer made, rendered again (a batch per run)."""
    changed = participation_services.rerender_stale_html(ctx.session)
    return f"{changed} rendered again" if changed else "no change"


JOBS = [
    Job("consultation.phases", timedelta(minutes=1), advance_phases,
        "Open a draft for comments at its opening time and close it at its closing time"),
    Job("consultation.rerender", timedelta(minutes=10), rerender,
        "Render again the comments and proposals stored with an older renderer's HTML"),
]  # fmt: skip
