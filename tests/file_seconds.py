"""Write tests/file_seconds.json (each test file's seconds in a full run, which the conftest uses
to run the longest files first) from the JUnit XML report of a full run:

    make test PYTEST_ARGS="--junitxml=/tmp/junit.xml -o junit_duration_report=total"
    .venv/bin/python -m tests.file_seconds /tmp/junit.xml

A file the report does not name keeps no entry (the conftest estimates it from its number of
tests). Run it again when files are added or grow: a long file that is not listed is scheduled
late, and one worker then runs it alone at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = Path(__file__).with_name("file_seconds.json")


def file_of(classname: str) -> str | None:
    """The test file of a JUnit classname ("tests.council.test_eval2" or
    "tests.web.test_x.TestClass"), relative to the repository, if it exists."""
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        path = Path(*parts[:end]).with_suffix(".py")
        if (ROOT / path).is_file():
            return path.as_posix()
    return None


def seconds_by_file(report: Path) -> dict[str, float]:
    totals: dict[str, float] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = file_of(case.get("classname", ""))
        if name is not None:
            totals[name] = totals.get(name, 0.0) + float(case.get("time", "0") or 0)
    # the longest first, as the file has always been written
    return {name: round(t, 1) for name, t in sorted(totals.items(), key=lambda x: (-x[1], x[0]))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.file_seconds",
        description="Write tests/file_seconds.json from a full run's JUnit XML report.",
    )
    parser.add_argument("report", type=Path, help="the JUnit XML report (pytest --junitxml)")
    parser.add_argument(
        "--out", type=Path, default=TARGET, help="where to write (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    found = seconds_by_file(args.report)
    if not found:
        print(f"{args.report}: no test case of a file of this repository", file=sys.stderr)
        return 1
    args.out.write_text(json.dumps(found, indent=0) + "\n", encoding="utf-8")
    total = sum(found.values())
    print(f"wrote {args.out}: {len(found)} files, {total / 60:.1f} min in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
