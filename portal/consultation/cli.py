"""`portal charter …`: the charter's cycles from the command line.

The handlers import what they need when they run, so that `portal --help` stays light (see
portal/cli.py).
"""

from __future__ import annotations

import argparse
import sys


def cmd_versions(args: argparse.Namespace) -> int:
    from portal.consultation.charter import services
    from portal.consultation.participation.services import phase_info
    from portal.db import check_migrated, make_cli_engine, session_scope
    from portal.settings import load_settings

    engine = make_cli_engine(load_settings().database_url)
    check_migrated(engine)
    with session_scope(engine, write=False) as session:
        rows = services.versions(session)
        for version in rows:
            phase = phase_info(session, version)
            when = f" {version.published_at:%Y-%m-%d}" if version.published_at else ""
            print(f"{version.number}\t{phase.phase}{when}\t{version.title}")
    if not rows:
        print("No charter version yet: `portal demo load` or load one first.", file=sys.stderr)
    return 0


def cmd_new_draft(args: argparse.Namespace) -> int:
    from portal.accounts.services import find_user_by_email
    from portal.consultation.charter import services
    from portal.db import check_migrated, make_cli_engine, session_scope
    from portal.settings import load_settings

    engine = make_cli_engine(load_settings().database_url)
    check_migrated(engine)
    with session_scope(engine) as session:
        actor_id = None
        if args.by:
            actor = find_user_by_email(session, args.by)
            if actor is None:
                print(f"error: no account with the e-mail {args.by}", file=sys.stderr)
                return 2
            actor_id = actor.id
        version = services.open_next_draft(session, actor_id=actor_id)
        number = version.number
    print(f"Version {number} is open for drafting, copied from the published version.")
    print("Next: edit it, then set its consultation dates on /charter (or open it now there).")
    return 0


def cmd_rerender(args: argparse.Namespace) -> int:
    from portal.consultation.participation.services import rerender_stale_html
    from portal.db import check_migrated, make_cli_engine, session_scope
    from portal.settings import load_settings

    engine = make_cli_engine(load_settings().database_url)
    check_migrated(engine)
    total = 0
    while True:  # one transaction per batch: a long archive never holds one huge transaction
        with session_scope(engine) as session:
            changed = rerender_stale_html(session, limit=1000)
        total += changed
        if not changed:
            break
        print(f"{total} rendered so far...", file=sys.stderr, flush=True)
    print(f"{total} comments and proposals rendered again with the current rules.")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    charter = sub.add_parser("charter", help="the charter's versions and cycles").add_subparsers(
        dest="charter_command", required=True
    )
    p = charter.add_parser("versions", help="list the versions with their phase")
    p.set_defaults(handler=cmd_versions)
    p = charter.add_parser(
        "new-draft",
        help="open the next version as a draft copied from the latest published one",
        description="Open the next cycle: a new draft version, numbered after every version and "
        "copied from the latest published one. Refused while another draft exists.",
    )
    p.add_argument("--by", metavar="EMAIL", help="the official recorded in the audit trail")
    p.set_defaults(handler=cmd_new_draft)
    p = charter.add_parser(
        "rerender",
        help="render again comments and proposals stored by an older Markdown renderer",
        description="Comments and proposals keep their safe HTML, rendered when written. After a "
        "change of the renderer's rules, this renders again every row made by an older version "
        "(the consultation.rerender job does the same every 10 minutes).",
    )
    p.set_defaults(handler=cmd_rerender)
