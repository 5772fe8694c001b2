"""Reads outside a transaction (`db.read_rows`, the generation an anonymous view of a kept page
reads): on a SQLite file through a connection kept per thread (issue 18), on PostgreSQL through
the pool. Either way a read sees what any other connection committed before it, from any
thread, and a disposed engine reads the database its URL names now."""

from __future__ import annotations

import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from portal.db import make_engine, read_rows, session_scope

READ = "SELECT value FROM consultation_generation WHERE scope = ?"


def _write(engine: Engine, value: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM consultation_generation WHERE scope = 'probe'"))
        conn.execute(
            text("INSERT INTO consultation_generation (scope, value) VALUES ('probe', :v)"),
            {"v": value},
        )


def _read(engine: Engine) -> list[tuple[int, ...]]:
    with session_scope(engine, write=False) as session:
        rows = read_rows(session, READ, ("probe",))
        assert not session.in_transaction()  # the read did not begin the session's transaction
        return rows


def test_a_read_sees_what_another_engine_committed_before_it(engine: Engine, db_url: str) -> None:
    other = make_engine(db_url)  # another process's engine, as far as the database can tell
    try:
        assert _read(engine) == []
        for value in (1, 2, 3):
            _write(other, value)
            assert _read(engine) == [(value,)]
    finally:
        other.dispose()


def test_reads_from_several_threads_each_see_the_last_commit(engine: Engine, db_url: str) -> None:
    other = make_engine(db_url)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            for value in (10, 11, 12):
                _write(other, value)
                # Each of the pool's threads reads (its own kept connection on SQLite).
                barrier = threading.Barrier(4)

                def read_after_all_started(
                    _n: int, barrier: threading.Barrier = barrier
                ) -> list[tuple[int, ...]]:
                    barrier.wait(timeout=10)
                    return _read(engine)

                assert list(pool.map(read_after_all_started, range(4))) == [[(value,)]] * 4
    finally:
        other.dispose()


def _put_at(path: Path, replacement: Path, value: int) -> None:
    """`replacement`, holding `value`, put at `path` as a new file (another inode)."""
    other = make_engine(f"sqlite:///{replacement}")
    _write(other, value)
    other.dispose()  # the last connection closed: its write-ahead log checkpointed and removed
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(replacement, path)


def test_a_disposed_sqlite_engine_reads_the_file_now_at_its_path(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """Another file put at the database's path (a copy restored by hand, its old write-ahead log
    removed with it): an engine disposed after it reads the new file, not the one its kept
    connections had open."""
    path = tmp_path / "portal.sqlite3"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        _write(engine, 1)
        assert _read(engine) == [(1,)]
        replacement = tmp_path / "restored.sqlite3"
        shutil.copyfile(sqlite_template, replacement)
        _put_at(path, replacement, 2)
        engine.dispose()
        assert _read(engine) == [(2,)]
        # and a thread that read before the dispose reads the new file too
        _write(engine, 3)
        with ThreadPoolExecutor(max_workers=1) as pool:
            assert pool.submit(_read, engine).result() == [(3,)]
            shutil.copyfile(sqlite_template, replacement)
            _put_at(path, replacement, 4)
            engine.dispose()
            assert pool.submit(_read, engine).result() == [(4,)]
    finally:
        engine.dispose()


def test_the_database_key_of_a_session_is_its_engines_url(engine: Engine, tmp_path: Path) -> None:
    """database_key (the key of the per-database caches) is the URL the session reads, password
    hidden, written once per engine: the same for every session of one engine, another for an
    engine of another database."""
    from sqlmodel import Session

    from portal.db import database_key

    with Session(engine) as one, Session(engine) as two:
        assert database_key(one) == database_key(two) == str(engine.url)
        assert database_key(one) is database_key(two)  # written once
    if engine.url.password:
        assert engine.url.password not in database_key(one)
    other = make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    try:
        with Session(other) as session:
            assert database_key(session) == str(other.url) != str(engine.url)
    finally:
        other.dispose()
