"""`portal backup` / `portal restore` on both databases: everything comes back, nothing is
overwritten by mistake, and a bad archive is refused with a message that says why."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import tarfile
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.app import create_app
from portal.cli import main
from portal.council.ingest import ingest_paths
from portal.db import make_engine
from portal.ops.backup import count_rows
from portal.settings import Settings, normalise_database_url
from tests.factories import ROOT, add_comment, consultation, register_entries
from tests.helpers import SECRET, missing, t

COMMENT = "Sauvegardé puis restauré : ce commentaire doit revenir à l'identique."
UPLOAD = bytes(range(256)) * 40  # a binary file under the data folder


def _env(monkeypatch: pytest.MonkeyPatch, url: str, data_dir: Path) -> None:
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("PORTAL_SECRET_KEY", SECRET)
    monkeypatch.delenv("PORTAL_DEMO", raising=False)


def _run(monkeypatch: pytest.MonkeyPatch, url: str, data_dir: Path, *argv: str) -> int:
    _env(monkeypatch, url, data_dir)
    return main(list(argv))


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(normalise_database_url(url))
    try:
        with engine.connect() as conn:
            return count_rows(conn)
    finally:
        engine.dispose()


def _sources(url: str) -> list[tuple[str, str]]:
    """Every stored minutes file, as (name, SHA-256 of its bytes)."""
    engine = create_engine(normalise_database_url(url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT source_filename, source_bytes FROM council_meeting ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    return [(name, hashlib.sha256(bytes(data)).hexdigest()) for name, data in rows]


@pytest.fixture
def populated(engine: Engine, settings: Settings, make_user: Any) -> dict[str, Any]:
    """The demo consultation, the register, three council meetings and files in the data folder."""
    accounts = consultation(engine, settings, make_user)
    residents = [make_user() for _ in range(3)]
    add_comment(engine, author_id=residents[0], body=COMMENT, supporters=residents[1:])
    for n in range(4):
        add_comment(engine, author_id=residents[n % 3], body=f"Avis numéro {n}.", slug="donnees")
    register_entries(engine, accounts["agent"])
    minutes = sorted((ROOT / "content" / "council").glob("*.md"))[:3]
    results, errors = ingest_paths(engine, minutes)
    assert errors == [] and len(results) == 3
    (settings.data_dir / "uploads" / "2026").mkdir(parents=True)
    (settings.data_dir / "uploads" / "2026" / "pv.pdf").write_bytes(UPLOAD)
    (settings.data_dir / "notes.txt").write_text("fichier à garder\n", encoding="utf-8")
    return accounts


def _backup(monkeypatch: pytest.MonkeyPatch, settings: Settings, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    assert _run(monkeypatch, settings.database_url, settings.data_dir,
                "backup", "--output", str(folder)) == 0  # fmt: skip
    (archive,) = folder.glob("portal-backup-*.tar.gz")
    return archive


def test_backup_restores_everything_into_an_empty_database(
    populated: dict[str, Any],
    settings: Settings,
    empty_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every table's rows, the stored minutes and the data files come back in an empty database,
    and the restored site shows what was written; progress goes to stderr."""
    before = _counts(settings.database_url)
    assert before["consultation_comment"] == 5 and before["council_meeting"] == 3
    archive = _backup(monkeypatch, settings, tmp_path / "backups")
    out = capsys.readouterr()
    assert out.out.strip() == str(archive)
    assert "[1/3] database" in out.err and "[3/3] writing" in out.err and "done:" in out.err
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600

    target_dir = tmp_path / "restored"
    assert _run(monkeypatch, empty_database, target_dir, "restore", str(archive)) == 0
    err = capsys.readouterr().err
    assert "checksums verified" in err and "rows in" in err and "files restored" in err

    assert _counts(empty_database) == before
    assert _sources(empty_database) == _sources(settings.database_url)
    assert (target_dir / "uploads" / "2026" / "pv.pdf").read_bytes() == UPLOAD
    assert (target_dir / "notes.txt").read_text(encoding="utf-8") == "fichier à garder\n"

    restored = settings.with_(database_url=normalise_database_url(empty_database),
                              data_dir=target_dir)  # fmt: skip
    engine = make_engine(restored.database_url)
    try:
        with TestClient(create_app(restored, engine=engine)) as client:
            page = client.get("/charter/clauses/4")
            assert page.status_code == 200
            assert COMMENT in t(page)
            assert client.get("/registry").status_code == 200
    finally:
        engine.dispose()


def test_restore_refuses_a_database_holding_rows_unless_forced(
    populated: dict[str, Any],
    settings: Settings,
    engine: Engine,
    make_user: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Restoring over a database that holds rows is refused and changes nothing; with --force
    the database becomes exactly the archive's (a comment written after the backup is gone)."""
    archive = _backup(monkeypatch, settings, tmp_path / "backups")
    at_backup = _counts(settings.database_url)
    add_comment(engine, author_id=make_user(), body="Écrit après la sauvegarde.")
    engine.dispose()
    after = _counts(settings.database_url)
    assert after["consultation_comment"] == at_backup["consultation_comment"] + 1
    capsys.readouterr()

    code = _run(monkeypatch, settings.database_url, settings.data_dir, "restore", str(archive))
    assert code == 2
    err = capsys.readouterr().err
    assert "error: the database already holds" in err and "--force" in err
    assert _counts(settings.database_url) == after

    code = _run(monkeypatch, settings.database_url, settings.data_dir,
                "restore", "--force", str(archive))  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert _counts(settings.database_url) == at_backup


def test_backup_never_overwrites_an_existing_file(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Naming an existing file as the output is refused, and the file is left as it was."""
    existing = tmp_path / "keep.tar.gz"
    existing.write_bytes(b"an older backup")
    code = _run(monkeypatch, settings.database_url, settings.data_dir,
                "backup", "-o", str(existing))  # fmt: skip
    assert code == 2
    assert "already exists" in capsys.readouterr().err
    assert existing.read_bytes() == b"an older backup"


def _tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _tampered(archive: Path, target: Path, changes: dict[str, bytes]) -> Path:
    with tarfile.open(archive, "r:gz") as tar:
        members = {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
        }
    members.update(changes)
    return _tar(target, members)


def test_a_bad_archive_is_refused_with_a_clear_error(
    settings: Settings,
    empty_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Not a gzip, truncated, no manifest, another format, a damaged member, a path that climbs
    out: each is refused with its reason before the target database is touched."""
    (settings.data_dir / "notes.txt").write_text("fichier à garder\n", encoding="utf-8")
    archive = _backup(monkeypatch, settings, tmp_path / "backups")
    data = archive.read_bytes()
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "text.tar.gz").write_text("bonjour")
    (bad / "truncated.tar.gz").write_bytes(data[: len(data) // 2])
    cases = {
        bad / "missing.tar.gz": "missing.tar.gz: no such file",
        bad / "text.tar.gz": "not a portal backup (unreadable or truncated",
        bad / "truncated.tar.gz": "not a portal backup (unreadable or truncated",
        _tar(bad / "nomanifest.tar.gz", {"hello.txt": b"x"}): "manifest.json is missing",
        _tar(bad / "other.tar.gz", {"manifest.json": b'{"format": "autre"}'}): "does not describe",
        _tar(bad / "future.tar.gz", {"manifest.json": json.dumps({**manifest, "version": 99}).encode()}): "format version 99",
        _tampered(archive, bad / "damaged.tar.gz", {"files/notes.txt": b"changed"}): "damaged: files/notes.txt",
        _tar(bad / "climb.tar.gz", {"manifest.json": b"{}", "../evil": b"x"}): "unexpected member '../evil'",
    }  # fmt: skip
    (bad / "missing.tar.gz").unlink(missing_ok=True)
    target_dir = tmp_path / "restored"
    capsys.readouterr()
    for path, reason in cases.items():
        code = _run(monkeypatch, empty_database, target_dir, "restore", str(path))
        err = capsys.readouterr().err
        assert code == 2, path
        assert err.startswith("error: ") and reason in err, (path.name, err)
        assert "Traceback" not in err
    assert not (tmp_path / "evil").exists()
    if empty_database.startswith("sqlite"):
        assert not Path(empty_database.removeprefix("sqlite:///")).exists()
    else:
        assert _counts(empty_database) == {}


def test_an_archive_of_the_other_database_kind_is_refused(
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A PostgreSQL archive cannot be restored into SQLite, nor the reverse: the error says so."""
    archive = _backup(monkeypatch, settings, tmp_path / "backups")
    kind = "sqlite" if settings.is_sqlite else "postgresql"
    other = (
        os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql://nobody@127.0.0.1:1/none")
        if settings.is_sqlite
        else f"sqlite:///{tmp_path / 'other.sqlite3'}"
    )
    capsys.readouterr()
    assert _run(monkeypatch, other, tmp_path / "other", "restore", str(archive)) == 2
    assert f"is a {kind} backup but PORTAL_DATABASE_URL is a" in capsys.readouterr().err


def test_client_programs_older_than_the_server_are_refused(
    postgres_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """On PostgreSQL a pg_dump older than the server is refused with the version to install."""
    if not postgres_database:
        missing("PostgreSQL tests need PORTAL_TEST_POSTGRES_URL")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    code = _run(monkeypatch, postgres_database, tmp_path / "data",
                "backup", "-o", str(tmp_path / "b.tar.gz"))  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "pg_dump is version 9 but the server runs PostgreSQL" in err
    assert "postgresql-client-" in err
    assert not (tmp_path / "b.tar.gz").exists()


def test_backup_and_restore_explain_themselves() -> None:
    """`--help` of both commands says what is archived, what is refused and how to force it."""
    backup_help = subprocess.run([sys.executable, "-m", "portal.cli", "backup", "--help"],
                                 capture_output=True, text=True, check=True).stdout  # fmt: skip
    restore_help = subprocess.run([sys.executable, "-m", "portal.cli", "restore", "--help"],
                                  capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "pg_dump" in backup_help and "PORTAL_DATA_DIR" in backup_help
    assert "--force" in restore_help and "refused" in restore_help


def test_a_failed_restore_leaves_the_database_as_it_was(
    populated: dict[str, Any],
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A dump that the database program cannot read (its checksum rewritten to match) fails the
    forced restore with the program's reason, and every row that was there is still there."""
    archive = _backup(monkeypatch, settings, tmp_path / "backups")
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    member = manifest["database"]["member"]
    garbage = b"PGDMP" + bytes(range(256)) * 64 if member.endswith(".dump") else b"x" * 8192
    manifest["database"]["sha256"] = hashlib.sha256(garbage).hexdigest()
    broken = _tampered(archive, tmp_path / "broken.tar.gz",
                       {member: garbage, "manifest.json": json.dumps(manifest).encode()})  # fmt: skip
    before = _counts(settings.database_url)
    capsys.readouterr()
    code = _run(monkeypatch, settings.database_url, settings.data_dir,
                "restore", "--force", str(broken))  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "failed" in err and "Traceback" not in err
    assert _counts(settings.database_url) == before


def test_a_backup_taken_while_people_write_is_consistent(
    populated: dict[str, Any],
    settings: Settings,
    engine: Engine,
    make_user: Any,
    empty_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Comments written during the backup are either wholly in the archive or not at all: the
    restore's own check of every table's row count against the archive passes."""
    author = make_user()
    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            written.append(
                add_comment(engine, author_id=author, body=f"Écrit pendant la sauvegarde {n}.")
            )

    writer = threading.Thread(target=write)
    writer.start()
    try:
        archive = _backup(monkeypatch, settings, tmp_path / "backups")
    finally:
        stop.set()
        writer.join(30)
    assert written, "nothing was written during the backup"
    assert _run(monkeypatch, empty_database, tmp_path / "restored", "restore", str(archive)) == 0
    restored = _counts(empty_database)["consultation_comment"]
    assert 5 <= restored <= 5 + len(written)
