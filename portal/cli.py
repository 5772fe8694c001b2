"""The `portal` command: serve, worker, db, users, mail, demo, and each module's commands.

Every sub-command reads the same settings (PORTAL_DATABASE_URL and the rest), so any command can
work on any database.

Each command imports what it needs inside its handler: `portal --help` and the light commands
load neither the web pages, SQLModel, spaCy nor scikit-learn (0.6 s and 20 MB for `--help`,
against 2 to 9 s and 60 to 120 MB when every part is imported; measured 2026-11-30).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from portal.modules import register_commands, register_tables
from portal.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session


def _engine() -> tuple[Settings, Engine]:
    from portal.db import check_migrated, make_cli_engine

    settings = load_settings()
    engine = make_cli_engine(settings.database_url)
    check_migrated(engine)
    return settings, engine


def _refuse_test_password_hash(settings: object) -> bool:
    """PORTAL_TEST_PASSWORD_HASH=cheap is for the test suite: refused for a site served over
    HTTPS (production), a loud warning otherwise. True when the command must stop."""
    from portal.accounts.passwords import CHEAP_FOR_TESTS, TEST_HASH_ENV

    if not CHEAP_FOR_TESTS:
        return False
    if str(getattr(settings, "base_url", "")).startswith("https://"):
        print(
            f"error: {TEST_HASH_ENV}=cheap hashes passwords with argon2's cheapest parameters, "
            "for tests only; unset it to serve a real site",
            file=sys.stderr,
        )
        return True
    print(
        f"warning: {TEST_HASH_ENV}=cheap: passwords hashed with argon2's cheapest parameters "
        "(tests only)",
        file=sys.stderr,
    )
    return False


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.forwarded_allow_ips is not None:
        # Read by every worker's load_settings(): the portal's middleware decides whom to trust.
        os.environ["PORTAL_TRUSTED_PROXIES"] = args.forwarded_allow_ips
    settings = load_settings()
    if _refuse_test_password_hash(settings):
        return 2
    from portal.db import check_migrated, make_cli_engine

    check_migrated(make_cli_engine(settings.database_url))
    if settings.run_scheduler and args.workers > 1:
        print(
            f"warning: PORTAL_RUN_SCHEDULER is on, so each of the {args.workers} web processes "
            "runs the scheduler too (every job slot still runs once); in production leave it "
            "off and run one `portal worker`",
            file=sys.stderr,
        )
    if settings.demo:
        from portal.demo import print_demo_accounts

        print_demo_accounts(settings)
    print(
        f"Portal served on http://{args.host}:{args.port} by {args.workers} worker process(es); "
        f"X-Forwarded-* trusted from: {', '.join(settings.trusted_proxies) or 'nobody'}",
        file=sys.stderr,
    )
    from portal.web import server

    config = uvicorn.Config(
        "portal.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        # X-Forwarded-For/-Proto are read by the portal's own middleware, from the addresses of
        # PORTAL_TRUSTED_PROXIES only (portal/web/middleware.py), so uvicorn leaves them alone.
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=args.graceful_timeout,
        # A new worker loads the app and spaCy's model before it is ready: 6 to 13 s measured on
        # a busy machine, where uvicorn's 5 s made every SIGHUP restart give up.
        timeout_worker_healthcheck=60,
        log_level="info",
        access_log=not args.no_access_log,
    )
    # uvicorn, with requests already received answered when a web process stops.
    return server.run(config)


def cmd_worker(args: argparse.Namespace) -> int:
    from portal.modules import all_jobs
    from portal.scheduler import run_blocking, run_once

    if _refuse_test_password_hash(load_settings()):
        return 2
    settings, engine = _engine()
    if args.once:
        for job in all_jobs():
            ran = run_once(engine, settings, job)
            print(f"{job.name}: {'ran' if ran else 'slot already taken'}")
        return 0
    run_blocking(engine, settings, all_jobs())
    return 0


def _progress(args: argparse.Namespace) -> Callable[[str], None]:
    if args.quiet:
        return lambda _message: None
    return lambda message: print(message, file=sys.stderr, flush=True)


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from portal.ops.backup import BackupError, backup

    settings = load_settings()
    output = Path(args.output)
    if args.output.endswith(("/", os.sep)):
        output.mkdir(parents=True, exist_ok=True)  # a folder was meant, even if not there yet
    try:
        result = backup(settings, output, progress=_progress(args))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(result.path)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from portal.ops.backup import BackupError, restore

    settings = load_settings()
    try:
        restore(settings, Path(args.archive), force=args.force, progress=_progress(args))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from portal.migrate import upgrade

    settings = load_settings()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url, args.revision)
    print(f"Database upgraded to {args.revision}.", file=sys.stderr)
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    from portal.db import make_cli_engine
    from portal.migrate import current_revision, head_revision

    settings = load_settings()
    current = current_revision(make_cli_engine(settings.database_url))
    print(f"current: {current}\nhead: {head_revision()}")
    return 0 if current == head_revision() else 1


def _password(args: argparse.Namespace) -> str:
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            raise SystemExit(f"error: environment variable {args.password_env} is empty")
        return value
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (12 characters or more): ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("error: the two passwords differ")
    return first


def cmd_users_create(args: argparse.Namespace) -> int:
    from portal.accounts import services
    from portal.db import session_scope

    _settings, engine = _engine()
    password = _password(args)
    with session_scope(engine) as session:
        user = services.create_user(
            session, email=args.email, display_name=args.name, password=password,
            roles=args.role or [], actor_id=None,
        )  # fmt: skip
        roles = sorted(services.roles_of(session, user.id))
    print(f"Created {user.email} ({user.display_name}) with roles: {', '.join(roles)}")
    return 0


def _existing_user_id(session: Session, email: str) -> int:
    from portal.accounts import services
    from portal.errors import NotFound

    user = services.find_user_by_email(session, email)
    if user is None or user.id is None:
        raise NotFound(f"no account with address {email}")
    return user.id


def cmd_users_roles(args: argparse.Namespace) -> int:
    from portal.accounts import services
    from portal.db import session_scope

    _settings, engine = _engine()
    with session_scope(engine) as session:
        user_id = _existing_user_id(session, args.email)
        services.set_roles(session, user_id=user_id, roles=args.role or [], actor_id=None)
        roles = sorted(services.roles_of(session, user_id))
    print(f"{args.email}: {', '.join(roles)}")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from portal.accounts import services
    from portal.db import session_scope

    _settings, engine = _engine()
    with session_scope(engine, write=False) as session:
        rows, total = services.list_users(session, query=args.query or "", per_page=1000)
    for row in rows:
        state = "active" if row.is_active else "disabled"
        print(f"{row.id}\t{row.email}\t{row.display_name}\t{','.join(sorted(row.roles))}\t{state}")
    print(f"{total} account(s)", file=sys.stderr)
    return 0


def cmd_users_disable(args: argparse.Namespace) -> int:
    from portal.accounts import services
    from portal.db import session_scope

    _settings, engine = _engine()
    with session_scope(engine) as session:
        user_id = _existing_user_id(session, args.email)
        services.set_active(
            session, user_id=user_id, active=False, actor_id=None, reason=args.reason
        )
    print(f"{args.email} disabled; its sessions are ended.")
    return 0


def cmd_mail_outbox(args: argparse.Namespace) -> int:
    from portal.db import session_scope
    from portal.mail import as_read, outbox

    settings, engine = _engine()
    with session_scope(engine, write=False) as session:
        mails = outbox(session, to=args.to, limit=args.limit)
        for mail in reversed(mails):
            state = "sent" if mail.sent_at else "queued"
            read = as_read(mail, settings.base_url)
            print(f"--- #{mail.id} {mail.created_at:%Y-%m-%d %H:%M} [{state}] to {mail.to_address}")
            print(f"Subject: {read.subject}\n\n{read.body}")
    if not mails:
        print("The outbox is empty.", file=sys.stderr)
    return 0


def cmd_mail_send(args: argparse.Namespace) -> int:
    from portal.db import session_scope
    from portal.mail import deliver_pending

    settings, engine = _engine()
    if not settings.smtp_host:
        print("error: PORTAL_SMTP_HOST is not set; mail stays in the outbox", file=sys.stderr)
        return 2
    with session_scope(engine) as session:
        print(f"{deliver_pending(session, settings)} message(s) sent")
    return 0


def cmd_demo_load(args: argparse.Namespace) -> int:
    from portal.demo import load_demo

    settings, engine = _engine()
    if not settings.demo:
        print(
            "error: demo content and demo accounts are loaded only with PORTAL_DEMO=1 "
            "(their passwords are public)",
            file=sys.stderr,
        )
        return 2
    load_demo(engine, settings, only=args.only)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portal",
        description="A city's AI-charter and transparency portal. Settings come from PORTAL_* "
        "environment variables (see README).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="more logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "serve",
        help="serve the web portal (uvicorn, one or more worker processes)",
        description="Serve the portal with uvicorn. With --workers N, N processes share the "
        "socket; a worker that dies is started again, and SIGHUP restarts them one by one. Run "
        "it behind a reverse proxy that terminates TLS (deploy/ has Caddy and nginx "
        "configurations, docs/production.md the whole topology), and run the scheduler in one "
        "separate `portal worker` process.",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument(
        "--forwarded-allow-ips", default=None, metavar="ADDRESSES",
        help="comma-separated proxy addresses or networks whose X-Forwarded-For/-Proto are "
        "believed; overrides PORTAL_TRUSTED_PROXIES (default 127.0.0.1,::1)",
    )  # fmt: skip
    p.add_argument(
        "--graceful-timeout", type=int, default=30, metavar="SECONDS",
        help="on stop, time given to requests in progress (default 30)",
    )  # fmt: skip
    p.add_argument("--no-access-log", action="store_true", help="no line per request")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("worker", help="run the scheduler (exactly one per site in production)")
    p.add_argument(
        "--once", action="store_true", help="run each job's current slot once, then exit"
    )
    p.set_defaults(handler=cmd_worker)

    p = sub.add_parser(
        "backup",
        help="archive the database and the data files (online; safe while serving)",
        description="Write one archive (.tar.gz, readable by its owner only) holding the "
        "database (pg_dump on PostgreSQL, SQLite's online backup API on SQLite), the row count "
        "of every table, and every file under PORTAL_DATA_DIR (uploads, the generated secret "
        "key). The site keeps serving meanwhile. Prints the archive's path on stdout, progress "
        "on stderr. The archive holds personal data and secrets: store it accordingly.",
    )
    p.add_argument(
        "-o", "--output", default=".", metavar="PATH",
        help="archive file, or a folder that receives portal-backup-<UTC time>.tar.gz "
        "(default: the current folder); an existing file is never overwritten",
    )  # fmt: skip
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(handler=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="replace the database and the data files with a backup's",
        description="Check the archive (format, checksums, database kind), then replace the "
        "database named by PORTAL_DATABASE_URL with the archive's in one transaction, write the "
        "data files back under PORTAL_DATA_DIR, and check the row count of every table. A "
        "database that already holds rows is refused unless --force is given. Stop the web "
        "processes and the worker first. Exit status 2 with a message on any refusal or error.",
    )
    p.add_argument("archive", help="a file written by `portal backup`")
    p.add_argument(
        "--force", action="store_true",
        help="replace a database that already holds rows (everything in it is lost)",
    )  # fmt: skip
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(handler=cmd_restore)

    db = sub.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True
    )
    p = db.add_parser("upgrade", help="apply migrations (default: to the latest)")
    p.add_argument("revision", nargs="?", default="head")
    p.set_defaults(handler=cmd_db_upgrade)
    p = db.add_parser("current", help="show the schema revision (exit 1 if behind)")
    p.set_defaults(handler=cmd_db_current)

    users = sub.add_parser("users", help="accounts and roles").add_subparsers(
        dest="users_command", required=True
    )
    p = users.add_parser("create", help="create an account (staff accounts are confirmed at once)")
    p.add_argument("--email", required=True)
    p.add_argument("--name", required=True, help="public display name")
    p.add_argument("--role", action="append", choices=["resident", "agent", "official", "moderator", "admin"],
                   help="role to grant (repeatable)")  # fmt: skip
    p.add_argument("--password-env", metavar="VAR", help="read the password from this variable "
                   "(otherwise prompted, or read from standard input)")  # fmt: skip
    p.set_defaults(handler=cmd_users_create)
    p = users.add_parser("roles", help="replace an account's roles (resident is always kept)")
    p.add_argument("email")
    p.add_argument(
        "--role", action="append", choices=["resident", "agent", "official", "moderator", "admin"]
    )
    p.set_defaults(handler=cmd_users_roles)
    p = users.add_parser("list", help="list accounts")
    p.add_argument("query", nargs="?")
    p.set_defaults(handler=cmd_users_list)
    p = users.add_parser("disable", help="suspend an account and end its sessions")
    p.add_argument("email")
    p.add_argument("--reason", default="")
    p.set_defaults(handler=cmd_users_disable)

    mail = sub.add_parser("mail", help="outgoing mail").add_subparsers(
        dest="mail_command", required=True
    )
    p = mail.add_parser("outbox", help="show the latest queued or sent mail")
    p.add_argument("--to", help="only mail to this address")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(handler=cmd_mail_outbox)
    p = mail.add_parser("send", help="deliver queued mail through SMTP now")
    p.set_defaults(handler=cmd_mail_send)

    demo = sub.add_parser("demo", help="demo content").add_subparsers(
        dest="demo_command", required=True
    )
    p = demo.add_parser(
        "load", help="load demo accounts and content (PORTAL_DEMO=1 only; idempotent)"
    )
    p.add_argument("--only", action="append", help="only these modules (repeatable)")
    p.set_defaults(handler=cmd_demo_load)

    register_commands(sub)
    import importlib.util

    if importlib.util.find_spec("portal.nlp.cli") is not None:
        importlib.import_module("portal.nlp.cli").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # `--help` and usage errors end here, before any import below
    # Every command may open a session: all tables on the metadata first (foreign keys between
    # packages), whatever the command's own module imported.
    register_tables()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")  # fmt: skip
    try:
        return int(args.handler(args) or 0)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from portal.db import DatabaseNotMigrated
        from portal.errors import DomainError

        if isinstance(exc, DatabaseNotMigrated):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if isinstance(exc, DomainError):
            print(f"error: {exc.message}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    raise SystemExit(main())
