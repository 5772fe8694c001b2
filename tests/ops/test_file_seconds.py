"""tests/file_seconds.py: the files' seconds summed from a JUnit report, the longest first, in
the format the conftest reads; a report naming no file of ours is refused."""

from __future__ import annotations

import json
from pathlib import Path

from tests.file_seconds import TARGET, main

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="tests.council.test_eval2" name="test_a[sqlite]" time="40.5"/>
<testcase classname="tests.council.test_eval2" name="test_a[postgres]" time="41.0"/>
<testcase classname="tests.web.test_router" name="test_b" time="2.25"/>
<testcase classname="tests.web.test_legal.TestPages" name="test_c" time="1.5"/>
<testcase classname="tests.nowhere.test_gone" name="test_d" time="9.0"/>
</testsuite></testsuites>
"""


def test_seconds_are_summed_per_file_longest_first(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(REPORT, encoding="utf-8")
    out = tmp_path / "file_seconds.json"
    assert main([str(report), "--out", str(out)]) == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    assert list(written.items()) == [
        ("tests/council/test_eval2.py", 81.5),
        ("tests/web/test_router.py", 2.2),
        ("tests/web/test_legal.py", 1.5),
    ]
    # the committed file is in the same form
    committed = json.loads(TARGET.read_text(encoding="utf-8"))
    assert all(k.startswith("tests/") and k.endswith(".py") for k in committed)
    assert list(committed.values()) == sorted(committed.values(), reverse=True)


def test_a_report_of_no_file_of_ours_is_refused(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text('<testsuites><testsuite><testcase classname="x.y" name="z" time="1"/>'
                      "</testsuite></testsuites>", encoding="utf-8")  # fmt: skip
    out = tmp_path / "file_seconds.json"
    assert main([str(report), "--out", str(out)]) == 1
    assert not out.exists()
