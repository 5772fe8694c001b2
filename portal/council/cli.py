"""`portal council ingest PATH...` and `portal council index`: load minutes into the database
named by PORTAL_DATABASE_URL, then let spaCy read them; `portal council reread` reads stored
minutes again with today's reader; `portal council thesaurus` checks the municipal thesaurus
file."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from portal.nlp.french import THESAURUS_FILE, ThesaurusError, load_thesaurus


def _engine():  # type: ignore[no-untyped-def]
    from portal.db import check_migrated, make_cli_engine
    from portal.settings import load_settings

    engine = make_cli_engine(load_settings().database_url)
    check_migrated(engine)
    return engine


def cmd_ingest(args: argparse.Namespace) -> int:
    from portal.council.ingest import index_entities, ingest_paths

    engine = _engine()

    def progress(n: int, total: int, name: str) -> None:
        print(f"[{n}/{total}] {name}", file=sys.stderr, flush=True)

    results, errors = ingest_paths(
        engine, [Path(p) for p in args.paths], progress=progress, workers=args.workers
    )
    for result in results:
        print(
            f"{result.meeting_date}: {result.status} ({result.passages} passages, {result.kept_anchors} anchors kept)"
        )
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if not results and not errors:
        print("error: no minutes file found (.pdf, .html, .md, .txt)", file=sys.stderr)
        return 2
    if results and not args.no_index:
        print(
            f"spaCy read {index_entities(engine, progress=_index_progress)} passages",
            file=sys.stderr,
        )
    return 1 if errors else 0


def cmd_index(args: argparse.Namespace) -> int:
    from portal.council.ingest import index_entities

    print(f"spaCy read {index_entities(_engine(), progress=_index_progress)} passages")
    return 0


def cmd_reread(args: argparse.Namespace) -> int:
    from portal.council.ingest import index_entities
    from portal.council.reread import reread_outdated
    from portal.council.services import Reread

    engine = _engine()

    def progress(n: int, total: int, result: Reread) -> None:
        moved = f" (was {result.before})" if result.meeting_date != result.before else ""
        detail = (
            f"{result.kept} passages kept, {result.added} new, {result.removed} removed"
            if result.status == "reread"
            else result.reason or ""
        )
        print(
            f"[{n}/{total}] {result.meeting_date}{moved}: {result.status}"
            + (f" ({detail})" if detail else ""),
            file=sys.stderr,
            flush=True,
        )

    summary = reread_outdated(engine, limit=args.limit, progress=progress)
    print(summary.line())
    if summary.of("reread") and not args.no_index:
        print(
            f"spaCy read {index_entities(engine, progress=_index_progress)} passages",
            file=sys.stderr,
        )
    return 1 if len(summary.done) > len(summary.of("reread")) + len(summary.of("unchanged")) else 0


def _index_progress(done: int, total: int) -> None:
    print(f"spaCy: {done}/{total} passages read", file=sys.stderr, flush=True)


def cmd_thesaurus(args: argparse.Namespace) -> int:
    """Check the municipal thesaurus file: its size, or its first error with the line number."""
    path = Path(args.file) if args.file else THESAURUS_FILE
    try:
        table = load_thesaurus(path)
    except ThesaurusError as exc:
        print(f"{path} : {exc}", file=sys.stderr)
        return 1
    print(f"{path} : {len(table)} termes reliés")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    council = sub.add_parser("council", help="council minutes").add_subparsers(
        dest="council_command", required=True
    )
    p = council.add_parser(
        "ingest",
        help="load minutes files or folders (re-loading the same file changes nothing)",
        description="Load council minutes (.pdf with a text layer, .html, .md, .txt) into the "
        "database named by PORTAL_DATABASE_URL. A corrected file replaces its meeting and keeps "
        "the links to unchanged paragraphs. A file that cannot be read (corrupt, encrypted, "
        "scanned without text, empty) is refused whole, with the reason; the others still load. "
        "Then spaCy reads the new passages (lemmas for search; people, places, organisations).",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument(
        "--workers",
        type=int,
        default=min(4, os.cpu_count() or 1),
        help="processes reading and parsing files (default: cores, at most 4)",
    )
    p.add_argument(
        "--no-index",
        action="store_true",
        help="skip spaCy now; the council.index_entities job (portal worker) does it later",
    )
    p.set_defaults(handler=cmd_ingest)
    p = council.add_parser(
        "index",
        help="let spaCy read the passages not read yet (lemmas, people, places, organisations)",
        description="Let spaCy's French pipeline read the passages not read yet: the lemmas of "
        "their words are added to the search index, and the people, places and organisations "
        "they name become facets. The council.index_entities job does the same in the "
        "background; the minutes are searchable by their words before.",
    )
    p.set_defaults(handler=cmd_index)
    p = council.add_parser(
        "reread",
        help="read stored minutes again with today's reader (after its rules changed)",
        description="Read again, from the source file each meeting keeps, the minutes stored "
        "by an older version of the minutes reader (portal/council/parse.py READER_VERSION), "
        "and store what today's reader makes of them: the meeting's date and facts, its "
        "deliberations and votes, its passages. A passage whose text did not change keeps its "
        "permanent link (#p<n>), lemmas and entities; new or changed passages get new links; "
        "links to removed passages lead to the minutes' 'no such paragraph' page; when the "
        "date read today is another, the links under the old date redirect to the new one. "
        "A meeting "
        "whose source cannot be read any more, or whose date as read today is another stored "
        "meeting's, is left as it is and reported. Progress goes to stderr, then one line: "
        "'N meetings read again, M unchanged, K left (reasons)'. Exit status 1 when some were "
        "left. The council.reread job (portal worker) does the same a few meetings at a time.",
    )
    p.add_argument("--limit", type=int, help="read at most this many meetings (oldest first)")
    p.add_argument(
        "--no-index",
        action="store_true",
        help="skip spaCy now; the council.index_entities job (portal worker) does it later",
    )
    p.set_defaults(handler=cmd_reread)
    p = council.add_parser(
        "thesaurus", help="check the municipal thesaurus file (content/thesaurus.txt)"
    )
    p.add_argument("file", nargs="?", help="another thesaurus file to check")
    p.set_defaults(handler=cmd_thesaurus)
