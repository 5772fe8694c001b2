"""The synthesis is recomputed in the worker when comments changed (never in a web request)."""

from __future__ import annotations

from datetime import timedelta

from portal.consultation import synthesis_services
from portal.scheduler import Job, JobContext


def recompute(ctx: JobContext) -> str:
    done = []
    for version_id in synthesis_services.versions_with_comments(ctx.session):
        run = synthesis_services.compute_run(ctx.session, version_id=version_id)
        if run is not None:
            done.append(f"version {version_id}: {run.comment_count} comments")
    return ", ".join(done) or "no change"


JOBS = [
    Job("consultation.synthesis", timedelta(minutes=5), recompute,
        "Recompute the draft synthesis of comments when comments changed"),
]  # fmt: skip
