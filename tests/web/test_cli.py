"""The `portal` command: every sub-command honours PORTAL_DATABASE_URL, with clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from portal.app import create_app
from portal.db import DatabaseNotMigrated, make_engine, session_scope
from portal.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]
PORTAL = [sys.executable, "-m", "portal.cli"]


def run(
    args: list[str], db_url: str, tmp_path: Path, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "PORTAL_DATABASE_URL": db_url,
        "PORTAL_DATA_DIR": str(tmp_path),
        "PORTAL_SECRET_KEY": "x" * 40,
        **env,
    }
    return subprocess.run(
        PORTAL + args,
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        cwd=ROOT,
        timeout=120,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    """`portal --help` lists serve, worker, db, users, mail and demo."""
    out = subprocess.run([*PORTAL, "--help"], capture_output=True, text=True, cwd=ROOT).stdout
    for command in ("serve", "worker", "db", "users", "mail", "demo"):
        assert command in out


def test_users_create_roles_and_list(db_url: str, tmp_path: Path) -> None:
    """An admin made with the CLI, then a resident promoted to official, on this database."""
    created = run(
        ["users", "create", "--email", "chef@ville.example", "--name", "Chef Admin", "--role", "admin",
         "--password-env", "NEW_PW"], db_url, tmp_path, NEW_PW="un mot de passe vraiment long",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "admin" in created.stdout
    resident = run(["users", "create", "--email", "r@exemple.fr", "--name", "Rita"], db_url, tmp_path,
                   stdin="une autre phrase longue\n")  # fmt: skip
    assert resident.returncode == 0, resident.stderr
    promoted = run(["users", "roles", "r@exemple.fr", "--role", "official"], db_url, tmp_path)
    assert promoted.returncode == 0
    assert promoted.stdout.strip() == "r@exemple.fr: official, resident"
    listing = run(["users", "list"], db_url, tmp_path)
    assert "chef@ville.example" in listing.stdout and "official,resident" in listing.stdout


def test_cli_errors_are_clear(db_url: str, tmp_path: Path) -> None:
    """A weak password, a duplicate account or an unknown address give one clear line and exit 2."""
    weak = run(
        ["users", "create", "--email", "w@exemple.fr", "--name", "Walt"],
        db_url,
        tmp_path,
        stdin="court\n",
    )
    assert weak.returncode == 2
    assert "error: Le mot de passe doit compter au moins 12 caractères." in weak.stderr
    unknown = run(["users", "roles", "nobody@exemple.fr", "--role", "agent"], db_url, tmp_path)
    assert unknown.returncode == 2 and "no account" in unknown.stderr
    run(
        ["users", "create", "--email", "d@exemple.fr", "--name", "Dora"],
        db_url,
        tmp_path,
        stdin="une phrase assez longue\n",
    )
    dup = run(
        ["users", "create", "--email", "d@exemple.fr", "--name", "Dora2"],
        db_url,
        tmp_path,
        stdin="une phrase assez longue\n",
    )
    assert dup.returncode == 2 and "existe déjà" in dup.stderr
    assert "Traceback" not in weak.stderr + unknown.stderr + dup.stderr


def test_mail_outbox_shows_queued_mail(db_url: str, tmp_path: Path, engine: Engine) -> None:
    """`portal mail outbox` prints queued mail (how the demo works without SMTP)."""
    from portal.mail import queue_mail

    with session_scope(engine) as session:
        queue_mail(session, to="x@exemple.fr", subject="Bonjour", body="Un lien : http://x/y")
    out = run(["mail", "outbox"], db_url, tmp_path)
    assert out.returncode == 0
    assert "to x@exemple.fr" in out.stdout and "Subject: Bonjour" in out.stdout


def test_demo_load_refused_outside_demo_mode(db_url: str, tmp_path: Path) -> None:
    """Demo accounts (public passwords) are never created unless PORTAL_DEMO=1."""
    out = run(["demo", "load"], db_url, tmp_path)
    assert out.returncode == 2
    assert "PORTAL_DEMO=1" in out.stderr


def test_app_refuses_demo_accounts_outside_demo_mode(settings: Settings, engine: Engine) -> None:
    """A database with demo accounts cannot be served with demo mode off."""
    from portal.demo import ensure_demo_accounts

    ensure_demo_accounts(engine)
    with pytest.raises(SettingsError, match="demo accounts"):
        create_app(settings, engine=engine)
    create_app(settings.with_(demo=True), engine=engine)


def test_unmigrated_database_is_refused(tmp_path: Path) -> None:
    """The app and the commands refuse an empty database with a message naming the fix."""
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    engine = make_engine(url)
    settings = Settings(database_url=url, secret_key="x" * 40, data_dir=tmp_path)
    with pytest.raises(DatabaseNotMigrated, match="portal db upgrade"):
        create_app(settings, engine=engine)
    out = run(["users", "list"], url, tmp_path)
    assert out.returncode == 2
    assert "portal db upgrade" in out.stderr


def test_db_upgrade_then_current(tmp_path: Path) -> None:
    """`portal db upgrade` migrates a new SQLite file; `portal db current` then says it is at head."""
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    up = run(["db", "upgrade"], url, tmp_path)
    assert up.returncode == 0, up.stderr
    current = run(["db", "current"], url, tmp_path)
    assert current.returncode == 0
    lines = dict(line.split(": ") for line in current.stdout.strip().splitlines())
    assert lines["current"] == lines["head"]


def test_sqlite_is_in_wal_mode_with_foreign_keys(engine: Engine, db_url: str) -> None:
    """SQLite runs in WAL with foreign keys on; PostgreSQL needs neither."""
    if not db_url.startswith("sqlite"):
        return
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_worker_once_runs_each_job(db_url: str, tmp_path: Path) -> None:
    """`portal worker --once` runs the current slot of every job, and a second run skips them."""
    first = run(["worker", "--once"], db_url, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "accounts.purge_expired: ran" in first.stdout
    second = run(["worker", "--once"], db_url, tmp_path)
    assert "accounts.purge_expired: slot already taken" in second.stdout
