#!/usr/bin/env python3
"""Sanity checker for the blind council-minutes evaluation set (eval2).

Stdlib + PyYAML only; deliberately independent of the portal code.

Checks, for every question in questions.yaml:
  * required fields and allowed values (kind, split);
  * every answer ``text`` is 30-120 characters long, contains no line break,
    occurs exactly once in the named meeting's minutes file, and that single
    occurrence lies within one physical line of the file;
  * the ``split`` field equals the value given by the fixed split rule
    (see ``assign_splits``), so nobody can move questions between halves.

Prints counts per split and kind; exits non-zero on any error.

Usage:  python tests/council/eval2/check.py
"""

import collections
import hashlib
import pathlib
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
MINUTES = HERE / "minutes"
QUESTIONS = HERE / "questions.yaml"

KINDS = ["amount", "date", "person", "vote", "reason", "other"]
SPLITS = ["dev", "test"]


def qhash(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def assign_splits(entries):
    """The fixed split rule.

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

    files = {}
    for path in sorted(MINUTES.glob("*.txt")):
        files[path.stem] = path.read_text(encoding="utf-8")
    if not files:
        errors.append(f"no minutes found in {MINUTES}")

    seen_q = set()
    for n, e in enumerate(entries, 1):
        where = "question %d (%r)" % (n, e.get("q"))
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
            if not 30 <= len(text) <= 120:
                errors.append("%s: answer length %d outside 30-120" % (where, len(text)))
            if "\n" in text or "\f" in text:
                errors.append(f"{where}: answer contains a line break")
            doc = files[date]
            count = doc.count(text)
            if count != 1:
                errors.append(
                    "%s: answer occurs %d times in %s.txt: %r" % (where, count, date, text)
                )
                continue
            start = doc.index(text)
            if "\n" in doc[start : start + len(text)]:
                errors.append(f"{where}: answer crosses a line in {date}.txt")

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
    print("minutes files: %d (%s)" % (len(files), ", ".join(sorted(files))))
    print("questions: %d" % len(entries))
    for split in SPLITS:
        for status in ("answerable", "unanswerable"):
            counts = {k: table[(split, status, k)] for k in KINDS}
            total = sum(counts.values())
            detail = ", ".join("%s=%d" % (k, v) for k, v in counts.items() if v)
            print("  %-4s %-12s %3d  (%s)" % (split, status, total, detail))
    if errors:
        print("\n%d error(s):" % len(errors), file=sys.stderr)
        for msg in errors:
            print("  " + msg, file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
