"""`python -m bench.run --help` (what `make bench` runs) says what it does and names every
benchmark; an unknown name is refused with the list, before anything runs or is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench.run", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_help_names_every_benchmark() -> None:
    shown = _run("--help")
    assert shown.returncode == 0, shown.stderr
    assert "docs/benchmarks.md" in shown.stdout and "PORTAL_BENCH_POSTGRES_URL" in shown.stdout
    names = sorted(p.stem.removeprefix("bench_") for p in (ROOT / "bench").glob("bench_*.py"))
    assert names and all(name in shown.stdout for name in names)


def test_an_unknown_benchmark_is_refused_with_the_list() -> None:
    before = (ROOT / "docs" / "benchmarks.md").read_bytes()
    refused = _run("nope")
    assert refused.returncode == 2
    assert "unknown benchmark(s): nope; available: consultation" in refused.stdout
    assert (ROOT / "docs" / "benchmarks.md").read_bytes() == before
