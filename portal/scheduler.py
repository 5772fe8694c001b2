"""Run the jobs that the packages' manifests declare, each slot once even when several run.

The jobs are handed in by the composition root (`app.py`, `portal worker`): this module knows no
domain package.

A job's slot is the start of its current interval; a worker claims it by inserting
(job, slot) into core_job_run, which is unique: the losers see the conflict and skip.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portal.clock import utcnow
from portal.core_models import JobRun
from portal.db import session_scope
from portal.manifest import Job, JobContext
from portal.settings import Settings

log = logging.getLogger("portal.scheduler")


def slot_of(job: Job, now: datetime) -> str:
    seconds = int(job.every.total_seconds())
    epoch = int(now.timestamp())
    start = datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)
    return start.strftime("%Y-%m-%dT%H:%M:%SZ")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_once(engine: Engine, settings: Settings, job: Job, *, now: datetime | None = None) -> bool:
    """Run `job` for the slot containing `now`, unless another process already claimed it."""
    now = now or utcnow()
    slot = slot_of(job, now)
    try:
        with session_scope(engine) as session:
            run = JobRun(job=job.name, slot=slot, worker=worker_name())
            session.add(run)
            session.flush()
            run_id = run.id
    except IntegrityError:
        log.debug("job %s slot %s already claimed", job.name, slot)
        return False
    status, message = "ok", None
    try:
        with session_scope(engine) as session:
            message = job.run(
                JobContext(session=session, settings=settings, engine=engine, now=now)
            )
    except Exception as exc:
        log.exception("job %s failed", job.name)
        status, message = "failed", f"{type(exc).__name__}: {exc}"[:1000]
    with session_scope(engine) as session:
        row = session.get(JobRun, run_id)
        if row is not None:
            row.finished_at = utcnow()
            row.status = status
            row.message = message
    return True


def last_runs(session: Session, limit: int = 10) -> list[JobRun]:
    stmt = select(JobRun).order_by(JobRun.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def _add_jobs(
    scheduler: BaseScheduler, engine: Engine, settings: Settings, jobs: Sequence[Job]
) -> None:
    for job in jobs:
        scheduler.add_job(
            run_once,
            "interval",
            args=[engine, settings, job],
            seconds=int(job.every.total_seconds()),
            id=job.name,
            next_run_time=datetime.now(UTC) + timedelta(seconds=5),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(job.every.total_seconds()),
        )


def start_background(
    engine: Engine, settings: Settings, jobs: Sequence[Job]
) -> BackgroundScheduler:
    """In-process scheduler for the single-process demo (`make run`)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    _add_jobs(scheduler, engine, settings, jobs)
    scheduler.start()
    return scheduler


def run_blocking(engine: Engine, settings: Settings, jobs: Sequence[Job]) -> None:
    """`portal worker`: the production scheduler process. SIGTERM or SIGINT (systemd stopping
    it, Ctrl-C) starts no new job, lets a running one finish and record its outcome, then
    returns, so a slot is never left claimed by a job killed half-way.

    The scheduler runs in its own thread and the signal handler only sets an event: shutting the
    scheduler down from inside the handler (as APScheduler's BlockingScheduler invites) can
    interrupt the main thread while it holds the executor's lock to submit a job, and then
    `shutdown(wait=True)` waits for a job thread that waits for that lock, for ever."""
    scheduler = BackgroundScheduler(timezone="UTC")
    _add_jobs(scheduler, engine, settings, jobs)
    stopping = threading.Event()

    def stop(signum: int, _frame: object) -> None:
        log.warning("worker stopping (%s): no new job; a running one finishes first",
                    signal.Signals(signum).name)  # fmt: skip
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    log.info("worker started with jobs: %s", ", ".join(j.name for j in jobs))
    scheduler.start()
    while not stopping.wait(1.0):
        pass
    scheduler.shutdown(wait=True)
    log.warning("worker stopped")
