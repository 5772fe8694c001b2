"""`portal registry load DIR`: check and publish register entries from Markdown files.

The handler imports what it needs when it runs, so that `portal --help` stays light (see
portal/cli.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_load(args: argparse.Namespace) -> int:
    from portal.db import check_migrated, make_cli_engine, session_scope
    from portal.registry import services
    from portal.registry.loader import EntryError, load_folder
    from portal.settings import load_settings

    try:
        entries = load_folder(Path(args.folder))
    except EntryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("nothing was loaded", file=sys.stderr)
        return 2
    print(f"{len(entries)} files checked against the schema", file=sys.stderr)
    settings = load_settings()
    engine = make_cli_engine(settings.database_url)
    check_migrated(engine)

    def progress(n: int, total: int, name: str) -> None:
        print(f"[{n}/{total}] {name}", file=sys.stderr, flush=True)

    with session_scope(engine) as session:
        owner_id = None
        if args.owner:
            from portal.accounts.services import find_user_by_email

            owner = find_user_by_email(session, args.owner)
            if owner is None:
                print(f"error: no account with the e-mail {args.owner}", file=sys.stderr)
                return 2
            owner_id = owner.id
        result = services.import_entries(session, entries, owner_id=owner_id, progress=progress)
    print(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    registry = sub.add_parser("registry", help="the register of AI systems").add_subparsers(
        dest="registry_command", required=True
    )
    p = registry.add_parser(
        "load",
        help="check and publish register entries (Markdown files with YAML front matter)",
        description="Check every *.md file of FOLDER against the register's JSON Schema, then "
        "publish new and changed entries into the database named by PORTAL_DATABASE_URL. If any "
        "file is invalid, the command names the file, the field and what is expected, and loads "
        "nothing. Loading the same files twice changes nothing.",
    )
    p.add_argument("folder", metavar="FOLDER", help="folder of entries, e.g. content/registry")
    p.add_argument(
        "--owner", metavar="EMAIL", help="account that owns new entries (answers questions)"
    )
    p.set_defaults(handler=cmd_load)
