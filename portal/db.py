"""Engine, naming convention, SQLite pragmas and the one way to open a session."""

from __future__ import annotations

import threading
import weakref
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import MetaData, event, inspect
from sqlalchemy.engine import Connection, Engine, create_engine
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel

# Stable constraint names so Alembic can alter them on both backends.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata

MIGRATION_HEAD_TABLE = "alembic_version"


class DatabaseNotMigrated(RuntimeError):
    """The database has no tables yet, or an older schema than the code."""


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create the engine for SQLite (WAL, foreign keys, IMMEDIATE writes) or PostgreSQL.

    The tables are put on the metadata by the composition root (`portal.modules.register_tables`),
    not here: the database layer knows no domain package."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=16,
        )
        _configure_sqlite(engine)
        if _is_file_database(engine):
            readers = _ThreadReaders()
            _sqlite_readers[engine] = readers
            event.listen(engine, "engine_disposed", readers.retire)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _is_file_database(engine: Engine) -> bool:
    database = engine.url.database or ""
    query = engine.url.query
    return database not in ("", ":memory:") and query.get("mode") != "memory"


class _ThreadReaders:
    """One connection per thread for an engine's reads outside any transaction (`_raw_read`),
    kept for the thread instead of a pool checkout and the rollback of its return: about 20 µs
    of the 130 µs of CPU an anonymous view of a kept shared page costs on SQLite (issue 18).
    The connection is made by the pool (its `connect` listeners: WAL, foreign keys, busy
    timeout) then detached from it; in autocommit (`isolation_level` None), each statement sees
    what was committed when it began, as a pooled read does. Once the engine is disposed, each
    thread closes its connection and opens another at its next read."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._generation = 0

    def retire(self, _engine: Engine) -> None:
        self._generation += 1

    def connection(self, engine: Engine) -> Any:
        local = self._local
        kept = getattr(local, "kept", None)
        if kept is not None and kept[0] == self._generation:
            return kept[1]
        if kept is not None:
            kept[1].close()
        generation = self._generation
        fairy = engine.raw_connection()
        fairy.detach()
        connection = fairy.dbapi_connection
        local.kept = (generation, connection)
        return connection


# The pooled engines of SQLite files (make_engine) and their readers.
_sqlite_readers: weakref.WeakKeyDictionary[Engine, _ThreadReaders] = weakref.WeakKeyDictionary()


def make_cli_engine(url: str) -> Engine:
    """An engine for one-shot commands: no pool left open behind them."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, poolclass=NullPool)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front: a DEFERRED transaction that upgrades to a write
        # later can fail with "database is locked" whatever the busy timeout; IMMEDIATE waits.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def database_key(session: Session) -> str:
    """The session's database as the key of a per-database cache (its URL, password hidden):
    written once per engine, not rendered from the URL's parts on every call (ten caches read it
    on a council search page)."""
    return engine_key(session.get_bind())


_engine_keys: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def engine_key(engine: Any) -> str:
    """database_key of an engine (or a connection: its URL likewise)."""
    found = _engine_keys.get(engine)
    if found is None:
        found = _engine_keys[engine] = str(engine.url)
    return found


@contextmanager
def session_scope(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One unit of work: committed if the block succeeds, rolled back on any exception."""
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if write else engine
    session = Session(bind=bind, expire_on_commit=False)
    try:
        yield session
        # A session nobody used (a view served by `read_rows` alone, an anonymous page whose
        # user is None) has no transaction: committing would open an empty one to close it.
        if session.in_transaction():
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        # A session that never began and holds no object has nothing to release: closing it
        # costs about as much as the anonymous view of a kept shared page's own work.
        if session.in_transaction() or session.identity_map or session.new or session.deleted:
            session.close()


_ONE_TRANSACTION = "reads_in_one_transaction"


def reads_in_one_transaction(session: Session) -> None:
    """Make this session's reads (`read_rows`, `read_statement`) begin its transaction at the
    first of them instead of each taking a pooled connection of its own: for a view that may
    make several reads (a PostgreSQL pooled read costs a checkout, its ping and a rollback:
    about 0.7 ms of CPU each) or none at all (then no connection is taken)."""
    session.info[_ONE_TRANSACTION] = True


def read_rows(session: Session, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of one read-only statement in the driver's own SQL, with `?` placeholders (made
    `%s` for PostgreSQL's driver: so no literal `%` in `sql`), values as the driver gives them.

    In the session's transaction when it has begun. Otherwise on a connection of the session's
    engine taken from the pool and given back at once, as a statement of its own (SQLite: an
    autocommit read; PostgreSQL: a transaction the pool rolls back): the session stays unbegun,
    and a view that needs nothing more never opens the ORM's transaction (on SQLite, a
    generation read cost about 250 µs of CPU through the session and 30 µs so; issue 18).
    That read sees what was committed when it ran, as a statement of a READ COMMITTED
    transaction does; whatever the session reads later is at least as new.

    Listeners of the engine's `before_cursor_execute` (the statement counters of tests and
    benchmarks) are told of the statement, with no SQLAlchemy connection or context."""
    if session.in_transaction() or session.info.get(_ONE_TRANSACTION):
        connection = session.connection()
        if connection.dialect.paramstyle in ("format", "pyformat"):
            sql = sql.replace("?", "%s")
        return [tuple(row) for row in connection.exec_driver_sql(sql, tuple(params))]
    engine = session.bind
    assert isinstance(engine, Engine), "a session of session_scope() is bound to an engine"
    if engine.dialect.paramstyle in ("format", "pyformat"):
        sql = sql.replace("?", "%s")
    return _raw_read(engine, sql, tuple(params))


_Compiled = tuple[str, tuple[str, ...] | None, tuple[Callable[[Any], Any] | None, ...], Any]
_compiled_reads: dict[tuple[int, str], _Compiled] = {}


def _compile_read(statement: Any, dialect: Any) -> _Compiled:
    """A Core SELECT built once (a module constant) compiled once per dialect: its SQL, the order
    of its parameters (positional drivers), each column's result processor and a row type."""
    key = (id(statement), dialect.name)
    found = _compiled_reads.get(key)
    if found is None:
        compiled = statement.compile(dialect=dialect)
        columns = compiled._result_columns
        found = (
            compiled.string,
            tuple(compiled.positiontup) if compiled.positional else None,
            tuple(c.type._cached_result_processor(dialect, None) for c in columns),
            namedtuple("ReadRow", [c.keyname for c in columns]),
        )
        _compiled_reads[key] = found
    return found


def read_statement(session: Session, statement: Any, params: Mapping[str, Any]) -> list[Any]:
    """The rows (attributes by column label) of a read-only Core SELECT that is built once and
    kept (a module constant, or a cached function's result: it is compiled once per dialect
    and kept by its id), with `read_rows`' rule: in the session's transaction when it has
    begun, else on a pooled connection without beginning it. Values go through the columns'
    types as SQLAlchemy would give them (aware datetimes, booleans)."""
    if session.in_transaction() or session.info.get(_ONE_TRANSACTION):
        return list(session.connection().execute(statement, dict(params)).all())
    engine = session.bind
    assert isinstance(engine, Engine), "a session of session_scope() is bound to an engine"
    sql, order, processors, row_type = _compile_read(statement, engine.dialect)
    values: Any = tuple(params[name] for name in order) if order is not None else dict(params)
    out = []
    for row in _raw_read(engine, sql, values):
        out.append(
            row_type(*(p(v) if p is not None else v for p, v in zip(processors, row, strict=True)))
        )
    return out


def _raw_read(engine: Engine, sql: str, values: Any) -> list[tuple[Any, ...]]:
    readers = _sqlite_readers.get(engine)
    if readers is not None:
        return _fetch(engine, readers.connection(engine), sql, values)
    raw = engine.raw_connection()
    try:
        return _fetch(engine, raw, sql, values)
    finally:
        raw.close()  # back to the pool, which rolls back whatever the driver began


def _fetch(engine: Engine, connection: Any, sql: str, values: Any) -> list[tuple[Any, ...]]:
    cursor = connection.cursor()
    try:
        if engine.dispatch.before_cursor_execute:
            engine.dispatch.before_cursor_execute(None, cursor, sql, values, None, False)
        cursor.execute(sql, values)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def check_migrated(engine: Engine) -> None:
    """Refuse to serve a database that `portal db upgrade` has not brought to the head revision."""
    from portal.migrate import current_revision, head_revision

    names = set(inspect(engine).get_table_names())
    if MIGRATION_HEAD_TABLE not in names:
        raise DatabaseNotMigrated(
            "The database has no schema yet. Run `portal db upgrade` (or `make run`) first."
        )
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise DatabaseNotMigrated(
            f"The database is at revision {current}, the code expects {head}. "
            "Run `portal db upgrade` first."
        )
