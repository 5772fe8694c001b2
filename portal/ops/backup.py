"""Back up and restore the whole site: the database and the files under PORTAL_DATA_DIR.

An archive is a gzipped tar file holding:

- `manifest.json`: format and version, when and from which backend it was made, the schema
  revision, the row count of every table and the SHA-256 of every other member;
- `database.dump` (PostgreSQL, `pg_dump --format=custom`, taken in the same snapshot as the row
  counts) or `database.sqlite3` (SQLite, copied page by page with the online backup API while the
  site keeps serving);
- `files/…`: every file under PORTAL_DATA_DIR (the generated secret key, anything a package stores
  there), except the SQLite database itself and earlier backups. Uploaded minutes are stored in
  the database (`council_meeting.source_bytes`, `council_upload.data`), so they travel with it.

A restore checks the archive (format, checksums, backend) before touching anything, refuses a
database that holds rows unless `force` is given, replaces the database in one transaction
(PostgreSQL: the dump's SQL through `psql --single-transaction`; SQLite: the backup API, which
swaps every page under one lock), writes the files back, then counts the rows of every table
against the manifest. Any failure is a `BackupError` whose message says what to do.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import NullPool

from portal.settings import Settings

FORMAT = "portal-backup"
VERSION = 1
MANIFEST = "manifest.json"
PG_MEMBER = "database.dump"
SQLITE_MEMBER = "database.sqlite3"
FILES = "files"
ARCHIVE_GLOB = "portal-backup-*.tar.gz"
MIGRATION_TABLE = "alembic_version"

Progress = Callable[[str], None]


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    backend: str
    tables: dict[str, int]
    files: list[str]
    size: int

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


@dataclass(frozen=True)
class RestoreResult:
    backend: str
    revision: str | None
    tables: dict[str, int]
    files: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def _quiet(_message: str) -> None:
    pass


def default_archive_name(now: datetime | None = None) -> str:
    return f"portal-backup-{(now or datetime.now(UTC)):%Y%m%d-%H%M%S}.tar.gz"


def _backend(settings: Settings) -> str:
    return "sqlite" if settings.is_sqlite else "postgresql"


def _human(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"  # pragma: no cover - the loop always returns


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- the database: tables, counts, revision ---------------------------------------------------


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def count_rows(conn: Connection) -> dict[str, int]:
    """Rows of every table of the connection's schema (the migrations' table included)."""
    names = sorted(inspect(conn).get_table_names())
    # Names from the database's own catalogue, quoted by the dialect.
    return {
        name: int(conn.execute(text(f"SELECT count(*) FROM {_quote(conn, name)}")).scalar_one())  # noqa: S608
        for name in names
    }


def shadow_tables(conn: Connection) -> set[str]:
    """SQLite's own tables behind a full-text index (`x_data`, `x_idx`…): an empty index has
    rows there, so they do not make a database non-empty."""
    if conn.dialect.name != "sqlite":
        return set()
    virtual = conn.execute(
        text("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'")
    ).scalars()
    names = set(inspect(conn).get_table_names())
    return {n for v in virtual for n in names if n.startswith(f"{v}_")}


def _revision(conn: Connection, tables: dict[str, int]) -> str | None:
    if MIGRATION_TABLE not in tables:
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _cli_engine(url: str) -> Engine:
    return create_engine(url, poolclass=NullPool)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"the SQLite database of {url} is not a file: nothing to back up")
    return Path(database)


@dataclass(frozen=True)
class _Libpq:
    """How pg_dump, pg_restore and psql reach the database: a URL without the password, which
    travels in PGPASSWORD so that it never shows in the process list."""

    url: str
    env: dict[str, str]


def _libpq(url: str) -> _Libpq:
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return _Libpq(plain.render_as_string(hide_password=False), env)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client programs of the server's "
            "major version (Debian: apt-get install postgresql-client)"
        )
    return found


def tool_major(name: str) -> int:
    """The major version of a PostgreSQL client program (`pg_dump (PostgreSQL) 15.20` -> 15)."""
    out = subprocess.run([_tool(name), "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"\)\s+(\d+)", out.stdout)
    if match is None:
        raise BackupError(f"cannot read the version of {name}: {out.stdout.strip()!r}")
    return int(match.group(1))


def _server_major(conn: Connection) -> int:
    return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def check_pg_tools(conn: Connection, *names: str) -> int:
    """Refuse client programs older than the server (pg_dump would refuse, less clearly)."""
    server = _server_major(conn)
    for name in names:
        major = tool_major(name)
        if major < server:
            raise BackupError(
                f"{name} is version {major} but the server runs PostgreSQL {server}: install "
                f"the client programs of version {server} or later (postgresql-client-{server})"
            )
    return server


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: " + " / ".join(detail[-5:]))


# --- backup ------------------------------------------------------------------------------------


def _data_files(settings: Settings, exclude: set[Path]) -> list[Path]:
    root = settings.data_dir
    if not root.is_dir():
        return []
    skipped = {p.resolve() for p in exclude}
    if settings.is_sqlite:
        db = _sqlite_path(settings.database_url).resolve()
        skipped |= {db, *(db.with_name(db.name + s) for s in ("-wal", "-shm", "-journal"))}
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink() or path.resolve() in skipped:
            continue
        if path.match(ARCHIVE_GLOB) or path.name.endswith(".partial"):
            continue
        found.append(path)
    return found


def _dump_postgres(settings: Settings, target: Path, progress: Progress) -> tuple[dict, str]:
    libpq = _libpq(settings.database_url)
    engine = _cli_engine(settings.database_url)
    try:
        with engine.connect() as plain:
            server = check_pg_tools(plain, "pg_dump")
        # Count the rows and dump them in the same snapshot: writes made meanwhile are in
        # neither, so the restore can check every table against these counts.
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            tables = count_rows(conn)
            revision = _revision(conn, tables)
            progress(
                f"  database: PostgreSQL {server}, {len(tables)} tables, "
                f"{sum(tables.values()):,} rows; pg_dump…"
            )
            _run(
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                 f"--snapshot={snapshot}", f"--file={target}", f"--dbname={libpq.url}"],
                libpq.env, "pg_dump",
            )  # fmt: skip
    finally:
        engine.dispose()
    return {"tables": tables, "revision": revision, "server_major": server}, PG_MEMBER


def _copy_sqlite(source: Path, target: Path, progress: Progress, what: str) -> None:
    """Copy with SQLite's online backup API (readers and writers may go on meanwhile)."""
    last = [-1]

    def report(_status: int, remaining: int, total: int) -> None:
        percent = 100 * (total - remaining) // max(total, 1)
        if percent >= last[0] + 25 or remaining == 0:
            last[0] = percent
            progress(f"  {what}: {percent}% of {total:,} pages")

    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst, pages=1024, progress=report)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} failed: {exc}") from exc
    finally:
        dst.close()
        src.close()


def _dump_sqlite(settings: Settings, target: Path, progress: Progress) -> tuple[dict, str]:
    source = _sqlite_path(settings.database_url)
    if not source.is_file():
        raise BackupError(f"the SQLite database {source} does not exist")
    _copy_sqlite(source, target, progress, "database copy")
    # Count on the copy, so the counts are those of the copied snapshot.
    engine = _cli_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            tables = count_rows(conn)
            revision = _revision(conn, tables)
    finally:
        engine.dispose()
    progress(f"  database: SQLite, {len(tables)} tables, {sum(tables.values()):,} rows")
    return {"tables": tables, "revision": revision}, SQLITE_MEMBER


def backup(settings: Settings, output: Path, *, progress: Progress = _quiet) -> BackupResult:
    """Write an archive of the database and the data files to `output` (a file, or a folder
    that receives `portal-backup-<UTC time>.tar.gz`); the archive is readable by its owner only."""
    if output.is_dir():
        output = output / default_archive_name()
    if output.exists():
        raise BackupError(f"{output} already exists: choose another name (backups never overwrite)")
    output.parent.mkdir(parents=True, exist_ok=True)
    backend = _backend(settings)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as tmp:
        work = Path(tmp)
        progress(f"[1/3] database ({backend})")
        if backend == "postgresql":
            info, member = _dump_postgres(settings, work / PG_MEMBER, progress)
        else:
            info, member = _dump_sqlite(settings, work / SQLITE_MEMBER, progress)
        dump = work / member
        progress(f"  database: {_human(dump.stat().st_size)}")
        files = _data_files(settings, exclude={output})
        progress(
            f"[2/3] files under {settings.data_dir}: {len(files)} "
            f"({_human(sum(p.stat().st_size for p in files))})"
        )
        names = {p: f"{FILES}/{p.relative_to(settings.data_dir).as_posix()}" for p in files}
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "backend": backend,
            "revision": info["revision"],
            "tables": info["tables"],
            "database": {"member": member, "sha256": _sha256(dump)},
            "files": {name: _sha256(path) for path, name in names.items()},
        }
        if "server_major" in info:
            manifest["postgresql_major"] = info["server_major"]
        progress(f"[3/3] writing {output}")
        partial = output.with_name(output.name + ".partial")
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                entry = tarfile.TarInfo(MANIFEST)
                entry.size, entry.mtime, entry.mode = len(data), int(time.time()), 0o600
                tar.addfile(entry, io.BytesIO(data))
                tar.add(dump, arcname=member, recursive=False)
                for path, name in names.items():
                    tar.add(path, arcname=name, recursive=False)
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    size = output.stat().st_size
    progress(
        f"done: {output} ({_human(size)}, {sum(info['tables'].values()):,} rows, "
        f"{len(files)} files) in {time.monotonic() - started:.1f} s"
    )
    return BackupResult(output, backend, info["tables"], sorted(names.values()), size)


# --- reading an archive ------------------------------------------------------------------------


@dataclass(frozen=True)
class Archive:
    folder: Path
    manifest: dict

    @property
    def backend(self) -> str:
        return str(self.manifest["backend"])

    @property
    def database(self) -> Path:
        return self.folder / str(self.manifest["database"]["member"])


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


@contextlib.contextmanager
def open_archive(path: Path, progress: Progress = _quiet) -> Iterator[Archive]:
    """Unpack and check an archive into a temporary folder (removed afterwards)."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    bad = f"{path} is not a portal backup"
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as tmp:
        folder = Path(tmp)
        try:
            with tarfile.open(path, mode="r:gz") as tar:
                members = tar.getmembers()
                unsafe = [m.name for m in members if not (m.isfile() and _safe_member(m.name))]
                if unsafe:
                    raise BackupError(f"{bad}: unexpected member {unsafe[0]!r}")
                tar.extractall(folder, filter="data")
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            raise BackupError(f"{bad} (unreadable or truncated: {exc})") from exc
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BackupError(f"{bad}: its manifest.json is missing or unreadable") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(f"{bad}: its manifest does not describe a portal backup")
        if manifest.get("version") != VERSION:
            raise BackupError(
                f"{path} is a portal backup of format version {manifest.get('version')}; this "
                f"portal reads version {VERSION}"
            )
        archive = Archive(folder, manifest)
        expected = {manifest["database"]["member"]: manifest["database"]["sha256"]}
        expected.update(manifest.get("files", {}))
        for name, digest in expected.items():
            member = folder / name
            if not _safe_member(name) or not member.is_file():
                raise BackupError(f"{path} is incomplete: {name} is missing")
            if _sha256(member) != digest:
                raise BackupError(f"{path} is damaged: {name} does not match its checksum")
        progress(
            f"archive: {archive.backend}, made {manifest.get('created_at')}, revision "
            f"{manifest.get('revision')}, {sum(manifest['tables'].values()):,} rows, "
            f"{len(manifest.get('files', {}))} files; checksums verified"
        )
        yield archive


# --- restore -----------------------------------------------------------------------------------


def _target_rows(url: str, *, data_only: bool = False) -> dict[str, int]:
    engine = _cli_engine(url)
    try:
        with engine.connect() as conn:
            counts = count_rows(conn)
            if data_only:
                skipped = {MIGRATION_TABLE, *shadow_tables(conn)}
                counts = {t: n for t, n in counts.items() if t not in skipped}
            return counts
    finally:
        engine.dispose()


def _restore_postgres(settings: Settings, archive: Archive, progress: Progress) -> None:
    libpq = _libpq(settings.database_url)
    engine = _cli_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            check_pg_tools(conn, "pg_restore", "psql")
            present = set(inspect(conn).get_table_names())
            quote = conn.dialect.identifier_preparer.quote
    finally:
        engine.dispose()
    script = archive.folder / "restore.sql"
    progress("  pg_restore: reading the dump")
    _run(
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
         f"--file={script}", str(archive.database)],
        libpq.env, "pg_restore",
    )  # fmt: skip
    # Tables the dump does not know (a newer schema's) would survive --clean: drop them too,
    # in the same transaction, so the database is exactly the archive's afterwards.
    extra = sorted(present - set(archive.manifest["tables"]))
    sql = archive.folder / "restore-all.sql"
    with sql.open("w", encoding="utf-8") as out:
        for name in extra:
            out.write(f"DROP TABLE IF EXISTS {quote(name)} CASCADE;\n")
        with script.open(encoding="utf-8") as dump:
            shutil.copyfileobj(dump, out)
    progress("  psql: replacing the database in one transaction")
    _run(
        [_tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
         f"--file={sql}", f"--dbname={libpq.url}"],
        libpq.env, "psql (nothing was changed)",
    )  # fmt: skip


def _restore_sqlite(settings: Settings, archive: Archive, progress: Progress) -> None:
    target = _sqlite_path(settings.database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy_sqlite(archive.database, target, progress, "database restore")


def restore(
    settings: Settings, path: Path, *, force: bool = False, progress: Progress = _quiet
) -> RestoreResult:
    """Replace the database and the data files with those of the archive at `path`."""
    backend = _backend(settings)
    with open_archive(path, progress) as archive:
        if archive.backend != backend:
            raise BackupError(
                f"{path} is a {archive.backend} backup but PORTAL_DATABASE_URL is a {backend} "
                f"database: restore it into a {archive.backend} database"
            )
        if backend == "sqlite" and not _sqlite_path(settings.database_url).exists():
            present: dict[str, int] = {}
        else:
            present = _target_rows(settings.database_url, data_only=True)
        held = {t: n for t, n in present.items() if n}
        if held and not force:
            raise BackupError(
                f"the database already holds {sum(held.values()):,} rows in {len(held)} tables; "
                "restore replaces everything in it, so it refuses. Restore into an empty "
                "database, or pass --force to replace its contents"
            )
        progress(f"[1/3] database ({backend}){' over existing rows (--force)' if held else ''}")
        if backend == "postgresql":
            _restore_postgres(settings, archive, progress)
        else:
            _restore_sqlite(settings, archive, progress)
        files = sorted(archive.manifest.get("files", {}))
        progress(f"[2/3] files: {len(files)} into {settings.data_dir}")
        for name in files:
            relative = PurePosixPath(name).relative_to(FILES)
            destination = settings.data_dir.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(archive.folder / name, destination)
            if relative.name == "secret_key":
                destination.chmod(0o600)
        progress("[3/3] checking the row count of every table")
        found = _target_rows(settings.database_url)
        expected = archive.manifest["tables"]
        wrong = [
            f"{t}: {found.get(t, 'missing')} instead of {n}"
            for t, n in expected.items()
            if found.get(t) != n
        ]
        if wrong:
            raise BackupError("the restored database differs from the archive: " + "; ".join(wrong))
        revision = archive.manifest.get("revision")
        progress(
            f"done: {sum(expected.values()):,} rows in {len(expected)} tables and {len(files)} "
            f"files restored (schema revision {revision}; run `portal db upgrade` if this "
            "release is newer)"
        )
        return RestoreResult(backend, revision, dict(expected), files)
