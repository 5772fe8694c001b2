"""The shared layout's cost: the home and login pages against a bare Starlette endpoint."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import machine, median_ms, serve, today, wrk
from portal.migrate import upgrade


def main() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade(url)
        env = {"PORTAL_DATABASE_URL": url, "PORTAL_DATA_DIR": tmp, "PORTAL_SECRET_KEY": "b" * 40}
        with serve("bench.bare:create") as bare:
            baseline = wrk(f"{bare}/")
        rows = []
        with serve("portal.app:app_from_env", env) as base:
            for path in ("/", "/login"):
                load = wrk(f"{base}{path}")
                rows.append((path, median_ms(f"{base}{path}"), load))
    lines = [
        "## Foundation: shared layout",
        "",
        f"{today()}, {machine()}; wrk, 8 connections, 5 s, one uvicorn worker each, SQLite.",
        "",
        "| page | median (1 visitor) | requests/s | ratio to bare Starlette | p99 under load |",
        "| --- | --- | --- | --- | --- |",
        f"| bare Starlette endpoint | – | {baseline.rps:,.0f} | 1.00 | {baseline.p99_ms:.1f} ms |",
    ]
    for path, median, load in rows:
        lines.append(
            f"| `{path}` | {median:.1f} ms | {load.rps:,.0f} | {load.rps / baseline.rps:.2f} | {load.p99_ms:.1f} ms |"
        )
    return "\n".join(lines) + "\n"
