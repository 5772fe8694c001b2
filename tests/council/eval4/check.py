#!/usr/bin/env python3
"""Sanity checker for the fourth blind council-minutes evaluation set (eval4).

Stdlib + PyYAML only; deliberately independent of the portal code.  Adapted
from tests/council/eval3/check.py: same question schema, same kinds, same
split rule (``assign_splits`` is copied unchanged).  The minutes here are
plain-text word-processor exports (``*.txt``, some with Windows CRLF line
endings) where a paragraph is one physical line, so answers are checked
against *physical lines*.

Files are read as bytes and decoded as UTF-8, so the line endings are seen as
they are on disk; ``str.splitlines`` then treats CRLF, LF and CR alike.

Checks, for every question in questions.yaml:
  * required fields and allowed values (kind, split);
  * every answer ``text`` is 15-200 characters long and contains no line
    break; after whitespace normalisation it occurs exactly once in the named
    meeting's file, and that occurrence lies inside a single physical line;
  * the ``split`` field equals the value given by the fixed split rule
    (see ``assign_splits``), so nobody can move questions between halves;
  * overall at least 110 answerable and 30 unanswerable questions, and at
    least 12 unanswerable questions in each half.

It also checks the layout promised in README.md: no front matter, no byte
order mark, every line printable (tabs allowed, since the PDF maker copies the
files line for line), at least two files with CRLF line endings and at least
two files without any blank line.

Prints counts per split and kind; exits non-zero on any error.

Usage:  python tests/council/eval4/check.py
"""

import collections
import hashlib
import pathlib
import re
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
MINUTES = HERE / "minutes"
QUESTIONS = HERE / "questions.yaml"

KINDS = ["amount", "date", "person", "vote", "reason", "other"]
SPLITS = ["dev", "test"]

MIN_ANSWERABLE = 110
MIN_UNANSWERABLE = 30
MIN_UNANSWERABLE_PER_SPLIT = 12
MIN_CRLF_FILES = 2
MIN_NO_BLANK_FILES = 2

NAME = re.compile(r"^\d{4}-\d{2}-\d{2}\.(txt|md)$")


def norm(text):
    """Collapse every run of whitespace to one space and strip."""
    return re.sub(r"\s+", " ", text).strip()


def qhash(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def assign_splits(entries):
    """The fixed split rule (identical to eval2's and eval3's).

    Questions are grouped by (answerable?, kind), answerable groups first and
    kinds in the order of KINDS.  Inside a group they are sorted by the SHA-1
    of the UTF-8 question text.  Walking the groups in that order, questions
    are dealt alternately to dev, test, dev, test... with a single counter that
    runs across all groups.  Returns a list of split names parallel to
    ``entries``.  Depends only on the question text, kind and whether the
    answer list is empty -- never on any system output.
    """
    order = []
    for answerable in (True, False):
        for kind in KINDS:
            group = [
                i
                for i, e in enumerate(entries)
                if bool(e.get("answers")) == answerable and e.get("kind") == kind
            ]
            group.sort(key=lambda i: qhash(entries[i]["q"]))
            order.extend(group)
    splits = [None] * len(entries)
    for n, i in enumerate(order):
        splits[i] = SPLITS[n % 2]
    return splits


def load_minutes(errors):
    """Return {stem: (normalised whole text, [normalised lines])}."""
    files = {}
    crlf_files = no_blank_files = 0
    paths = sorted(list(MINUTES.glob("*.txt")) + list(MINUTES.glob("*.md")))
    for path in paths:
        if not NAME.match(path.name):
            errors.append(f"{path.name}: file name must be YYYY-MM-DD.txt or .md")
        raw = path.read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):
            errors.append(f"{path.name}: starts with a byte order mark")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            errors.append(f"{path.name}: not UTF-8 ({exc})")
            continue
        crlf = raw.count(b"\r\n")
        bare_lf = raw.count(b"\n") - crlf
        if crlf and bare_lf:
            errors.append(f"{path.name}: mixes CRLF ({crlf}) and LF ({bare_lf}) line endings")
        if crlf:
            crlf_files += 1
        if text.lstrip().startswith("---"):
            errors.append(f"{path.name}: must not start with front matter")
        lines = text.splitlines()
        if all(line.strip() for line in lines):
            no_blank_files += 1
        for n, line in enumerate(lines, 1):
            bad = [c for c in line if not (c.isprintable() or c == "\t")]
            if bad:
                errors.append(f"{path.name}:{n}: unprintable characters {bad!r}")
        files[path.stem] = (norm(text), [norm(line) for line in lines if line.strip()])
    if not files:
        errors.append(f"no minutes found in {MINUTES}")
    if crlf_files < MIN_CRLF_FILES:
        errors.append(f"only {crlf_files} files with CRLF line endings (< {MIN_CRLF_FILES})")
    if no_blank_files < MIN_NO_BLANK_FILES:
        errors.append(f"only {no_blank_files} files without blank lines (< {MIN_NO_BLANK_FILES})")
    print(f"CRLF files: {crlf_files}; files without blank lines: {no_blank_files}")
    return files


def main():
    errors = []
    entries = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        print("questions.yaml must be a YAML list", file=sys.stderr)
        return 1

    files = load_minutes(errors)

    seen_q = set()
    for n, e in enumerate(entries, 1):
        where = f"question {n} ({e.get('q')!r})"
        if not isinstance(e.get("q"), str) or not e["q"].strip():
            errors.append(f"{where}: missing q")
            continue
        if e["q"] in seen_q:
            errors.append(f"{where}: duplicate question")
        seen_q.add(e["q"])
        if e.get("kind") not in KINDS:
            errors.append("{}: bad kind {!r}".format(where, e.get("kind")))
        if e.get("split") not in SPLITS:
            errors.append("{}: bad split {!r}".format(where, e.get("split")))
        answers = e.get("answers")
        if not isinstance(answers, list):
            errors.append(f"{where}: answers must be a list (empty if unanswerable)")
            continue
        for a in answers:
            date = str(a.get("date"))
            text = a.get("text")
            if date not in files:
                errors.append(f"{where}: no minutes file for date {date}")
                continue
            if not isinstance(text, str):
                errors.append(f"{where}: answer text missing")
                continue
            if not 15 <= len(text) <= 200:
                errors.append(f"{where}: answer length {len(text)} outside 15-200")
            if "\n" in text or "\r" in text or "\f" in text:
                errors.append(f"{where}: answer contains a line break")
            needle = norm(text)
            whole, lines = files[date]
            in_file = whole.count(needle)
            in_lines = sum(line.count(needle) for line in lines)
            if in_file != 1 or in_lines != 1:
                errors.append(
                    f"{where}: answer occurs {in_file} times in {date}"
                    f" ({in_lines} inside one line): {text!r}"
                )

    expected = assign_splits(entries)
    for e, want in zip(entries, expected, strict=True):
        if e.get("split") != want:
            errors.append(
                "split of {!r} is {!r}, rule says {!r}".format(e.get("q"), e.get("split"), want)
            )

    # Report.
    table = collections.Counter()
    for e in entries:
        status = "answerable" if e.get("answers") else "unanswerable"
        table[(e.get("split"), status, e.get("kind"))] += 1
    print(f"minutes files: {len(files)} ({', '.join(sorted(files))})")
    print(f"questions: {len(entries)}")
    for split in SPLITS:
        for status in ("answerable", "unanswerable"):
            counts = {k: table[(split, status, k)] for k in KINDS}
            total = sum(counts.values())
            detail = ", ".join(f"{k}={v}" for k, v in counts.items() if v)
            print(f"  {split:<4} {status:<12} {total:3d}  ({detail})")

    n_answerable = sum(1 for e in entries if e.get("answers"))
    n_unanswerable = len(entries) - n_answerable
    if n_answerable < MIN_ANSWERABLE:
        errors.append(f"only {n_answerable} answerable questions (< {MIN_ANSWERABLE})")
    if n_unanswerable < MIN_UNANSWERABLE:
        errors.append(f"only {n_unanswerable} unanswerable questions (< {MIN_UNANSWERABLE})")
    for split in SPLITS:
        k = sum(table[(split, "unanswerable", kind)] for kind in KINDS)
        if k < MIN_UNANSWERABLE_PER_SPLIT:
            errors.append(
                f"{split} half has {k} unanswerable questions (< {MIN_UNANSWERABLE_PER_SPLIT})"
            )

    if errors:
        print(f"\n{len(errors)} error(s):", file=sys.stderr)
        for msg in errors:
            print("  " + msg, file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
