"""The synthesis is recomputed in the worker when comments changed (never in a web request)."""

from __future__ import annotations

from datetime import timedelta

from portal.consultation.synthesis import services as synthesis_services
from portal.manifest import Job, JobContext


def recompute(ctx: JobContext) -> str:
    # The job's own session stays unused: clustering takes seconds to minutes, so the service
    # reads and writes in short transactions of its own and computes with none open.
    runs = synthesis_services.recompute_all(ctx.engine)
    return ", ".join(f"version {r.version_id}: {r.comment_count} comments" for r in runs) or (
        "no change"
    )


JOBS = [
    Job("consultation.synthesis", timedelta(minutes=5), recompute,
        "Recompute the draft synthesis of comments when comments changed"),
]  # fmt: skip
