"""Shared benchmark helpers: serve an app in its own process, load it with wrk, time requests.

Every speed figure is a ratio against the bare Starlette endpoint measured in the same run, so
the numbers compare across machines.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(factory: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run `uvicorn --factory <factory>` (one worker) in a child process; yield its base URL."""
    port = free_port()
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.Popen(
        [PYTHON, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=full_env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 240  # a loaded machine: the app loads spaCy before it listens
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"server {factory} did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass(frozen=True)
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(value: str) -> float:
    match = re.match(r"([\d.]+)(\w+)", value)
    if match is None:  # wrk prints "-nan" or an empty cell when a run had too few samples
        return float("nan")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    url: str,
    *,
    seconds: int = 5,
    connections: int = 8,
    threads: int = 1,
    headers: tuple[str, ...] = (),
    script: Path | None = None,
) -> Load:
    """Requests per second under load (wrk, from Debian's package); `headers` ("Cookie: …")
    go with every request, `script` is a wrk Lua script (e.g. a query changing each request)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    extra = [arg for h in headers for arg in ("-H", h)] + (["-s", str(script)] if script else [])
    for _attempt in range(3):
        out = subprocess.run(
            ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", *extra, url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
        p50 = _ms(re.search(r"50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
        p99 = _ms(re.search(r"99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
        errors_match = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        # Debian's wrk 4.1 sometimes prints "-nan" percentiles for a run of thousands of
        # requests (seen 2026-12-01, two cells of twenty): the run is made again.
        if p99 == p99:
            break
    return Load(rps, p50, p99, int(errors_match.group(1)) if errors_match else 0)


def median_ms(url: str, *, n: int = 100, warmup: int = 10) -> float:
    """Median wall time of one request at a time (the latency a single visitor sees)."""
    parts = re.match(r"http://([^:/]+):(\d+)(.*)", url)
    assert parts
    host, port, path = parts.group(1), int(parts.group(2)), parts.group(3) or "/"
    conn = http.client.HTTPConnection(host, port, timeout=30)
    times = []
    for i in range(n + warmup):
        start = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        if response.status >= 400:
            raise RuntimeError(f"{url} answered {response.status}")
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    conn.close()
    return statistics.median(times)


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    return f"{os.cpu_count()} cores, {cpu}{mem}, Python {platform.python_version()}, {platform.system()}"


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
