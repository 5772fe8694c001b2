#!/usr/bin/env python3
"""Sanity checker for the tenth blind council-minutes evaluation set (eval10).

Stdlib + PyYAML only; deliberately independent of the portal code.  Copied
from tests/council/eval9/check.py and adapted: same question schema (with an
``id``), same kinds, same split rule (``assign_splits`` is unchanged).

The minutes mix four hands: a procès-verbal exported from a word processor
(one paragraph per long line, blank lines between paragraphs, decimal
numbering "2.1", "2.1.3", "3.1.2.4", superscript footnote markers "¹" and
the notes gathered at the end, one per line); a relevé de décisions in a
fixed-width two-column layout (labels with dotted leaders in a 15-character
left column, "Exposé ....... ", values wrapped with a hanging indent of 15
spaces, blocks titled "N° 2025-004 — ..." and separated by rules of "-");
a compte rendu wrapped at 70 columns with NO blank line between paragraphs,
words hyphenated at line ends, "Point n° 4 – ..." titles, form feeds with
page breaks falling mid-sentence, a running header on pages 2-3 and a
right-aligned "Page N/M" footer, votes, amounts and dates in words or short
forms ("par vingt-deux voix pour", "1,2 M€", "612 k€", "le 3/02", "courant
mars"); a newsletter to residents in Markdown WITHOUT front matter ("##"
headings with emoji, "- " lists, "> " quoted questions from the public).

Answers are checked against *stretches*: a run of lines delimited by blank
lines, form feeds and heading lines, and cut before any line that starts a
new paragraph or entry (a labelled field "Vote ......... ", a numbered
sub-point "2.1.3 ", a footnote "¹ ", a Markdown list item, quote or table
row...) and after any line that ends with a hyphen (a word hyphenated at
the line end: answers never cross one).  Hanging-indented continuation
lines of a labelled field stay in the field's stretch.  A heading line is
an item title ("#", "1. ", "N° 2025-004 ", "Point n° 4 ", "Questions
diverses"), a "Page N/M" footer, the running header, a rule of "-" or "=",
or a line in capitals with no digit.

Checks, for every question in questions.yaml:
  * required fields (id, q, kind, split, answers) and allowed values;
  * ids and question texts unique;
  * every answer ``text`` is 15-200 characters long and contains no line
    break; after whitespace normalisation it occurs exactly once in the named
    meeting's file, and that occurrence lies inside a single stretch (so it
    never spans a page break, a heading, a hyphenated line end or two
    paragraphs or fields);
  * the ``split`` field equals the value given by the fixed split rule
    (see ``assign_splits``);
  * at least 170 answerable and 32 unanswerable questions, and at least 12
    unanswerable questions in each half.

It also checks the files: Markdown files have no front matter and give the
meeting date in words ("26 juin 2025") near the top, text files have no
front matter; no byte order mark, UTF-8, LF, printable characters only (tabs
allowed), sizes of 6-9 KiB, at least one file with form feeds, one with
words hyphenated at line ends and one Markdown file.

Prints counts per split and kind; exits non-zero on any error.

Usage:  python tests/council/eval10/check.py
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

MIN_ANSWERABLE = 170
MIN_UNANSWERABLE = 32
MIN_UNANSWERABLE_PER_SPLIT = 12
MIN_BYTES, MAX_BYTES = 6 * 1024, 9 * 1024

NAME = re.compile(r"^\d{4}-\d{2}-\d{2}\.(txt|md)$")
ITEM_TITLE = re.compile(
    r"^(#|\d{1,2}\. |N° \d{4}-\d{3} |Point n° \d{1,2} |Questions diverses$|Page \d+/\d+$"
    r"|Saint-Aurèle-du-Comtat – CM du |-{3,}$|={3,}$)"
)
NEW_STRETCH = re.compile(
    r"^(\t|- |\* |> |\||\d{1,2}(\.\d{1,2})+\.? |[¹²³⁴⁵⁶⁷⁸⁹]+ |\*\*Vote"
    r"|[A-ZÉ][A-Za-zéèêû ]{1,13} \.+ )"
)
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def norm(text):
    """Collapse every run of whitespace to one space and strip."""
    return re.sub(r"\s+", " ", text).strip()


def qhash(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def assign_splits(entries):
    """The fixed split rule (identical to eval2's, eval3's and eval4's).

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


def is_heading(line):
    s = line.strip()
    if ITEM_TITLE.match(s):
        return True
    letters = [c for c in s if c.isalpha()]
    if any(c.isdigit() for c in s):
        return False  # "CONTRE : 0 — ABSTENTIONS : 0." is a vote, not a title
    return len(letters) >= 6 and all(c.isupper() for c in letters)


def stretches(text):
    """Split a file into stretches (see the module docstring)."""
    out = []
    for page in text.split("\f"):
        cur = []
        prev_tab = False
        for line in page.split("\n"):
            ends_list = prev_tab and not line.startswith("\t")  # text after a tab list
            prev_tab = line.startswith("\t")
            if not line.strip() or is_heading(line) or NEW_STRETCH.match(line) or ends_list:
                if cur:
                    out.append(norm(" ".join(cur)))
                cur = []
                if line.strip() and is_heading(line):
                    out.append(norm(line))
                    continue
            if line.strip():
                cur.append(line)
                if line.rstrip().endswith("-"):
                    out.append(norm(" ".join(cur)))
                    cur = []
        if cur:
            out.append(norm(" ".join(cur)))
    return out


def check_markdown_date(path, text, errors):
    """A Markdown file has no front matter and names its date in words near the top."""
    if text.startswith("---"):
        errors.append(f"{path.name}: Markdown file with front matter (eval10 has none)")
    y, m, d = (int(x) for x in path.stem.split("-"))
    words = f"{'1er' if d == 1 else d} {MONTHS[m - 1]} {y}"
    if words not in text[:600]:
        errors.append(f"{path.name}: date {words!r} not written near the top")


def load_minutes(errors):
    """Return {stem: (normalised whole text, [normalised stretches])}."""
    files = {}
    ff_files = md_files = hy_files = 0
    paths = sorted(list(MINUTES.glob("*.txt")) + list(MINUTES.glob("*.md")))
    for path in paths:
        if not NAME.match(path.name):
            errors.append(f"{path.name}: file name must be YYYY-MM-DD.txt or .md")
        raw = path.read_bytes()
        if not MIN_BYTES <= len(raw) <= MAX_BYTES:
            errors.append(f"{path.name}: {len(raw)} bytes, outside {MIN_BYTES}-{MAX_BYTES}")
        if raw.startswith(b"\xef\xbb\xbf"):
            errors.append(f"{path.name}: starts with a byte order mark")
        if b"\r" in raw:
            errors.append(f"{path.name}: carriage returns (all files are LF)")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            errors.append(f"{path.name}: not UTF-8 ({exc})")
            continue
        if "\f" in text:
            ff_files += 1
        if path.suffix == ".md":
            md_files += 1
        if path.suffix == ".md":
            check_markdown_date(path, text, errors)
        if re.search(r"[a-zà-ü]-\n", text):
            hy_files += 1
        if path.suffix == ".txt" and text.lstrip().startswith("---"):
            errors.append(f"{path.name}: a text file must not start with front matter")
        for n, line in enumerate(text.split("\n"), 1):
            bad = [c for c in line.replace("\f", "").replace("\t", "") if not c.isprintable()]
            if bad:
                errors.append(f"{path.name}:{n}: unprintable characters {bad!r}")
        files[path.stem] = (norm(text), stretches(text))
    if not files:
        errors.append(f"no minutes found in {MINUTES}")
    if not ff_files:
        errors.append("no file with form feeds (page breaks)")
    if not md_files:
        errors.append("no Markdown file")
    if not hy_files:
        errors.append("no file with words hyphenated at line ends")
    print(
        f"files with page breaks: {ff_files}; with hyphenated line ends: {hy_files}; "
        f"Markdown files: {md_files}"
    )
    return files


def main():
    errors = []
    entries = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        print("questions.yaml must be a YAML list", file=sys.stderr)
        return 1

    files = load_minutes(errors)

    seen_q, seen_id = set(), set()
    for n, e in enumerate(entries, 1):
        where = f"question {n} ({e.get('id')}: {e.get('q')!r})"
        if not isinstance(e.get("q"), str) or not e["q"].strip():
            errors.append(f"{where}: missing q")
            continue
        if not isinstance(e.get("id"), str) or not e["id"].strip():
            errors.append(f"{where}: missing id")
        elif e["id"] in seen_id:
            errors.append(f"{where}: duplicate id")
        seen_id.add(e.get("id"))
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
            whole, parts = files[date]
            in_file = whole.count(needle)
            in_parts = sum(p.count(needle) for p in parts)
            if in_file != 1 or in_parts != 1:
                errors.append(
                    f"{where}: answer occurs {in_file} times in {date}"
                    f" ({in_parts} inside one stretch): {text!r}"
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
