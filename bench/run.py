"""`make bench`: run every bench/bench_*.py and write their sections into docs/benchmarks.md.

`python -m bench.run [NAME ...]` runs only the named benchmarks (e.g. `consultation`); the sections
of the others are kept from the previous docs/benchmarks.md so one benchmark can be re-run alone.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import time
import traceback

from bench.common import ROOT, machine, today

DOC = ROOT / "docs" / "benchmarks.md"
MARK = "<!-- bench:{} -->"


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in (ROOT / "bench").glob("bench_*.py"))


def previous_sections() -> dict[str, str]:
    if not DOC.exists():
        return {}
    text = DOC.read_text()
    sections = {}
    for match in re.finditer(r"<!-- bench:(\w+) -->\n(.*?)(?=\n<!-- bench:|\Z)", text, re.S):
        sections[match.group(1)] = match.group(2).rstrip() + "\n"
    return sections


def parse_args(argv: list[str]) -> list[str]:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Run the benchmarks (all of them, or those named) and write their sections "
        "into docs/benchmarks.md; the sections of the others are kept. Set "
        "PORTAL_BENCH_POSTGRES_URL to measure PostgreSQL too.",
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"one of: {', '.join(available())}"
    )
    return list(parser.parse_args(argv).names)


def main(argv: list[str]) -> int:
    names = parse_args(argv) or available()
    unknown = set(names) - set(available())
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(sorted(unknown))}; available: {', '.join(available())}"
        )
        return 2
    sections = previous_sections()
    failed = []
    for name in names:
        print(f"== bench {name}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.bench_{name}")
            sections[name] = module.main().rstrip() + "\n"
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        print(f"   done in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    header = (
        "# Benchmarks\n\n"
        "Written by `make bench` (bench/run.py). Speed targets are checked here, never by timed unit\n"
        "tests. Page speeds are ratios against a bare Starlette endpoint (bench/bare.py) measured in\n"
        "the same run, so they compare across machines.\n\n"
        f"Last run: {today()} on {machine()}.\n"
    )
    body = "\n".join(f"{MARK.format(n)}\n{sections[n]}" for n in sorted(sections))
    DOC.write_text(header + "\n" + body)
    print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
