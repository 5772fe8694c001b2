"""`python -m bench.compare REV [NAME ...]`: the same benchmarks on an earlier commit and on the
working tree, in one run, written side by side into docs/benchmarks.md.

A refactoring must not make pages slower; a figure taken last week on a quieter machine cannot say
so. This checks out REV into a temporary worktree, then runs each named benchmark (default:
foundation, consultation, registry) on REV and on the working tree in turn, in the same minutes,
and keeps both tables. Each side's page speeds are already ratios to a bare Starlette endpoint
measured in its own run; the section also gives the load average.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, machine, today

DOC = ROOT / "docs" / "benchmarks.md"
MARK = "<!-- bench:compare -->"
DEFAULT = ("foundation", "consultation", "registry")


def _section(doc: Path, name: str) -> str:
    text = doc.read_text(encoding="utf-8")
    match = re.search(rf"<!-- bench:{name} -->\n(.*?)(?=\n<!-- bench:|\Z)", text, re.S)
    return match.group(1).strip() if match else "(no figures)"


def _tables(section: str) -> str:
    """The section's tables only (its heading and prose are the same on both sides)."""
    return "\n".join(line for line in section.splitlines() if line.startswith("|")) or section


def _run(tree: Path, name: str) -> str:
    """One benchmark in `tree`'s own code (its package first on the path), its section back."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", name], cwd=tree, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        return (
            f"(failed: {done.stderr.strip().splitlines()[-1] if done.stderr else done.returncode})"
        )
    return _tables(_section(tree / "docs" / "benchmarks.md", name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.compare",
        description="Run benchmarks on an earlier commit and on the working tree, side by side.",
    )
    parser.add_argument("rev", help="the earlier commit (e.g. cb2cbac or HEAD~5)")
    parser.add_argument("names", nargs="*", default=list(DEFAULT), help="benchmarks to compare")
    args = parser.parse_args(argv)
    label = subprocess.run(
        ["git", "rev-parse", "--short", args.rev],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    now = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        old = Path(tmp) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(old), label], cwd=ROOT,
                       check=True)  # fmt: skip
        try:
            rows = []
            for n, name in enumerate(args.names, 1):
                print(f"[{n}/{len(args.names)}] {name}: {label} …", file=sys.stderr, flush=True)
                start = time.perf_counter()
                before = _run(old, name)
                print(
                    f"[{n}/{len(args.names)}] {name}: working tree …", file=sys.stderr, flush=True
                )
                after = _run(ROOT, name)
                rows.append((name, before, after, time.perf_counter() - start))
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=False
            )
    load = os.getloadavg()[0]
    parts = [
        MARK,
        f"## Before and after: {label} against the working tree (on {now})\n",
        f"{today()}, {machine()}; load average {load:.1f} at the end (other work shared the "
        "machine). Each benchmark ran on the earlier commit, then on the working tree, in the same "
        "minutes; compare the ratios to bare Starlette, which each side measured for itself.\n",
    ]
    for name, before, after, seconds in rows:
        parts.append(f"### {name} ({seconds:.0f} s for both)\n\nBefore ({label}):\n\n{before}\n")
        parts.append(f"After (working tree):\n\n{after}\n")
    section = "\n".join(parts).rstrip() + "\n"
    text = DOC.read_text(encoding="utf-8")
    if MARK in text:
        text = re.sub(rf"{re.escape(MARK)}\n.*?(?=\n<!-- bench:|\Z)", section, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + section
    DOC.write_text(text, encoding="utf-8")
    print(f"written to {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
