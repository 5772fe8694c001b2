"""`portal council ingest PATH...`: load minutes into the database named by PORTAL_DATABASE_URL."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_ingest(args: argparse.Namespace) -> int:
    from portal.council.ingest import ingest_paths
    from portal.db import check_migrated, make_cli_engine
    from portal.settings import load_settings

    settings = load_settings()
    engine = make_cli_engine(settings.database_url)
    check_migrated(engine)

    def progress(n: int, total: int, name: str) -> None:
        print(f"[{n}/{total}] {name}", file=sys.stderr, flush=True)

    results, errors = ingest_paths(engine, [Path(p) for p in args.paths], progress=progress)
    for result in results:
        print(
            f"{result.meeting_date}: {result.status} ({result.passages} passages, {result.kept_anchors} anchors kept)"
        )
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if not results and not errors:
        print("error: no minutes file found (.md, .txt)", file=sys.stderr)
        return 2
    return 1 if errors else 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    council = sub.add_parser("council", help="council minutes").add_subparsers(
        dest="council_command", required=True
    )
    p = council.add_parser(
        "ingest",
        help="load minutes files or folders (re-loading the same file changes nothing)",
        description="Load council minutes (.md, .txt) into the database named by PORTAL_DATABASE_URL. "
        "A corrected file replaces its meeting and keeps the links to unchanged paragraphs. "
        "A file that cannot be read is refused whole, with the reason; the others still load.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.set_defaults(handler=cmd_ingest)
