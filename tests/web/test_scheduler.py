"""The scheduler runs each job slot once, whatever the number of processes; first job: purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.accounts.models import AuthSession, User
from portal.clock import utcnow
from portal.core_models import JobRun
from portal.db import make_engine, session_scope
from portal.manifest import Job, JobContext
from portal.modules import all_jobs
from portal.scheduler import run_once, slot_of
from portal.settings import Settings
from tests.helpers import login, run_concurrently


def test_slot_is_the_start_of_the_interval() -> None:
    """Two instants in the same interval share a slot; the next interval has another."""
    job = Job("x", timedelta(hours=1), lambda ctx: None)
    a = datetime(2026, 5, 1, 10, 5, tzinfo=UTC)
    assert slot_of(job, a) == slot_of(job, a + timedelta(minutes=50)) == "2026-05-01T10:00:00Z"
    assert slot_of(job, a + timedelta(hours=1)) == "2026-05-01T11:00:00Z"


def test_a_slot_runs_once_even_with_concurrent_workers(settings: Settings) -> None:
    """Four schedulers firing the same job at the same moment run it exactly once."""
    calls: list[int] = []
    job = Job("test.count", timedelta(minutes=10), lambda ctx: calls.append(1) or "ok")
    now = utcnow()
    engines = [make_engine(settings.database_url) for _ in range(4)]
    try:
        outcomes = run_concurrently(4, lambda i: run_once(engines[i], settings, job, now=now))
    finally:
        for e in engines:
            e.dispose()
    assert outcomes.errors == []
    assert sorted(outcomes.results) == [False, False, False, True]
    assert calls == [1]


def test_failing_job_is_recorded_and_next_slot_runs(engine: Engine, settings: Settings) -> None:
    """A job that raises is recorded as failed; the scheduler goes on with the next slot."""

    def explode(ctx: JobContext) -> str:
        raise ValueError("panne")

    job = Job("test.explode", timedelta(minutes=1), explode)
    now = utcnow()
    assert run_once(engine, settings, job, now=now)
    assert run_once(engine, settings, job, now=now + timedelta(minutes=1))
    with session_scope(engine, write=False) as session:
        runs = list(session.scalars(select(JobRun).where(JobRun.job == "test.explode")))
    assert [r.status for r in runs] == ["failed", "failed"]
    assert runs[0].message == "ValueError: panne"


def test_purge_job_removes_expired_sessions_and_stale_accounts(
    engine: Engine, settings: Settings, make_user: Any, client: TestClient
) -> None:
    """The purge job drops ended sessions and accounts never confirmed after a week."""
    make_user(email="p@exemple.fr")
    login(client, "p@exemple.fr")
    with session_scope(engine) as session:
        session.execute(update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.add(User(email="old@exemple.fr", display_name="Ancien", password_hash="x",
                         created_at=utcnow() - timedelta(days=8)))  # fmt: skip
        session.add(User(email="new@exemple.fr", display_name="Récent", password_hash="x"))
    purge = next(j for j in all_jobs() if j.name == "accounts.purge_expired")
    assert run_once(engine, settings, purge)
    with session_scope(engine, write=False) as session:
        assert session.scalar(select(func.count()).select_from(AuthSession)) == 0
        emails = set(session.scalars(select(User.email)))
    assert "old@exemple.fr" not in emails
    assert {"p@exemple.fr", "new@exemple.fr"} <= emails


def test_healthz_reports_database_and_last_run(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    """/healthz gives JSON with the database status and the scheduler's last run."""
    before = client.get("/healthz").json()
    assert before["status"] == "ok"
    assert before["database"]["status"] == "ok"
    assert before["scheduler"]["last_run_at"] is None
    job = Job("test.noop", timedelta(minutes=5), lambda ctx: "fine")
    run_once(engine, settings, job)
    after = client.get("/healthz").json()
    assert after["scheduler"]["last_job"] == "test.noop"
    assert after["scheduler"]["last_status"] == "ok"
