#!/usr/bin/env python3
"""Sanity checker for the third blind council-minutes evaluation set (eval3).

Stdlib + PyYAML only; deliberately independent of the portal code.  Adapted
from tests/council/eval2/check.py: same question schema, same kinds, same
split rule; the minutes here are Markdown files and answers are checked
against *paragraphs* instead of physical lines.

A paragraph is a block of lines separated by a blank line; a Markdown heading
line (``#`` to ``######`` followed by a space) is always a paragraph of its
own.  Inside a paragraph, runs of whitespace (including the line breaks of
hard-wrapped paragraphs) count as a single space.

Checks, for every question in questions.yaml:
  * required fields and allowed values (kind, split);
  * every answer ``text`` is 15-200 characters long and contains no line
    break; after whitespace normalisation it occurs exactly once in the named
    meeting's file, and that occurrence lies inside a single paragraph;
  * the ``split`` field equals the value given by the fixed split rule
    (see ``assign_splits``), so nobody can move questions between halves;
  * overall at least 70 answerable and 20 unanswerable questions, and at
    least 10 unanswerable questions in each half.

Prints counts per split and kind; exits non-zero on any error.

Usage:  python tests/council/eval3/check.py
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

MIN_ANSWERABLE = 70
MIN_UNANSWERABLE = 20
MIN_UNANSWERABLE_PER_SPLIT = 10

HEADING = re.compile(r"^#{1,6}\s")


def norm(text):
    """Collapse every run of whitespace to one space and strip."""
    return re.sub(r"\s+", " ", text).strip()


def paragraphs(doc):
    """Split a Markdown file into paragraphs (see module docstring)."""
    paras, current = [], []
    for line in doc.splitlines():
        if not line.strip():
            if current:
                paras.append(current)
            current = []
        elif HEADING.match(line):
            if current:
                paras.append(current)
            paras.append([line])
            current = []
        else:
            current.append(line)
    if current:
        paras.append(current)
    return [norm(" ".join(p)) for p in paras]


def qhash(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def assign_splits(entries):
    """The fixed split rule (identical to eval2's).

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


def main():
    errors = []
    entries = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        print("questions.yaml must be a YAML list", file=sys.stderr)
        return 1

    files, paras = {}, {}
    for path in sorted(MINUTES.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if text.lstrip().startswith("---"):
            errors.append(f"{path.name}: must not start with front matter")
        files[path.stem] = norm(text)
        paras[path.stem] = paragraphs(text)
    if not files:
        errors.append(f"no minutes found in {MINUTES}")

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
            if "\n" in text or "\f" in text:
                errors.append(f"{where}: answer contains a line break")
            needle = norm(text)
            in_file = files[date].count(needle)
            in_paras = sum(p.count(needle) for p in paras[date])
            if in_file != 1 or in_paras != 1:
                errors.append(
                    f"{where}: answer occurs {in_file} times in {date}.md"
                    f" ({in_paras} inside a paragraph): {text!r}"
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
