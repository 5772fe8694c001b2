"""The production topology in real processes: `portal serve --workers 2` keeps serving while one
of its workers is stopped and replaced, and one `portal worker` runs the scheduled jobs."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from portal.settings import Settings, normalise_database_url
from tests.helpers import SECRET

PORTAL = [sys.executable, "-m", "portal.cli"]


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "PORTAL_DATABASE_URL": settings.database_url,
        "PORTAL_DATA_DIR": str(settings.data_dir),
        "PORTAL_SECRET_KEY": SECRET,
        "PORTAL_ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_DEMO": "",
        "PORTAL_RUN_SCHEDULER": "",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: str | int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def workers_of(pid: int) -> list[int]:
    """The uvicorn worker processes of a `portal serve` (multiprocessing's resource tracker and
    anything else that is not a worker left out)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
                found.append(int(child))
    return sorted(found)


@pytest.fixture
def served(settings: Settings) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = _free_port()
    proc = subprocess.Popen(
        [*PORTAL, "serve", "--port", str(port), "--workers", "2", "--no-access-log",
         "--graceful-timeout", "5"],
        env=_env(settings), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.time() + 120
        while True:
            try:
                if _get(port, "/healthz") == 200 and len(workers_of(proc.pid)) == 2:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                err = proc.stderr.read().decode() if proc.stderr else ""
                pytest.fail(f"portal serve did not start: {err[-2000:]}")
            time.sleep(0.3)
        yield proc, port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_a_stopped_worker_is_replaced_and_the_others_keep_serving(
    served: tuple[subprocess.Popen[bytes], int],
) -> None:
    """SIGTERM to one of two workers: every request meanwhile is answered (200), and a new
    worker takes its place."""
    proc, port = served
    before = workers_of(proc.pid)
    os.kill(before[0], signal.SIGTERM)
    statuses = []
    deadline = time.time() + 90
    while time.time() < deadline:
        statuses.append(_get(port, "/registry"))
        now = workers_of(proc.pid)
        if len(now) == 2 and before[0] not in now and len(statuses) >= 20:
            break
        time.sleep(0.05)
    after = workers_of(proc.pid)
    assert before[0] not in after and len(after) == 2, (before, after)
    assert statuses and set(statuses) == {200}


def test_sighup_restarts_every_worker_one_by_one_while_serving(
    served: tuple[subprocess.Popen[bytes], int],
) -> None:
    """SIGHUP to `portal serve` (a new release): both workers are replaced, one after the other,
    each new one given the time to load the app and spaCy (uvicorn's default 5 s made the
    restart give up here), and every request meanwhile is answered."""
    proc, port = served
    before = set(workers_of(proc.pid))
    proc.send_signal(signal.SIGHUP)
    statuses = []
    deadline = time.time() + 180
    while time.time() < deadline:
        statuses.append(_get(port, "/registry"))
        now = set(workers_of(proc.pid))
        if len(now) == 2 and not now & before and len(statuses) >= 20:
            break
        time.sleep(0.1)
    after = set(workers_of(proc.pid))
    assert len(after) == 2 and not after & before, (before, after)
    assert statuses and set(statuses) == {200}


def test_one_worker_process_runs_the_scheduled_jobs(settings: Settings) -> None:
    """`portal worker --once` runs each job's current slot and records each run in the database."""
    first = subprocess.run([*PORTAL, "worker", "--once"], env=_env(settings),
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert first.returncode == 0, first.stderr
    ran = [line for line in first.stdout.splitlines() if line.endswith(": ran")]
    assert ran
    engine = create_engine(normalise_database_url(settings.database_url))
    try:
        with engine.connect() as conn:
            recorded = conn.execute(text("SELECT count(*) FROM core_job_run")).scalar_one()
    finally:
        engine.dispose()
    assert recorded == len(ran)


def test_serve_warns_when_web_processes_would_each_run_the_scheduler(settings: Settings) -> None:
    """`portal serve --workers 2` with PORTAL_RUN_SCHEDULER on says to run one `portal worker`
    instead (here the port is taken, so it stops right after saying so)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*PORTAL, "serve", "--port", str(port), "--workers", "2"],
            env={**_env(settings), "PORTAL_RUN_SCHEDULER": "1"},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert "warning: PORTAL_RUN_SCHEDULER is on" in done.stderr
    assert "run one `portal worker`" in done.stderr
    assert done.returncode != 0


def test_the_worker_stops_cleanly_on_sigterm(settings: Settings) -> None:
    """SIGTERM to `portal worker` (systemd stopping it) lets the running jobs finish: it exits
    with status 0, says so, and every job run it claimed is recorded as finished."""
    proc = subprocess.Popen([*PORTAL, "worker"], env=_env(settings),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    engine = create_engine(normalise_database_url(settings.database_url))
    try:
        deadline = time.time() + 120
        while True:
            with engine.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM core_job_run")).scalar_one():
                    break
            assert proc.poll() is None and time.time() < deadline, "the worker ran no job"
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "worker stopping (SIGTERM)" in err and "worker stopped" in err
        with engine.connect() as conn:
            unfinished = conn.execute(
                text("SELECT count(*) FROM core_job_run WHERE finished_at IS NULL")
            ).scalar_one()
        assert unfinished == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        engine.dispose()
