"""Fixtures: a fresh database per test on SQLite and on PostgreSQL, the app, clients, a browser.

Every test that asks for `db_url` (or anything built on it: `settings`, `app`, `client`,
`live_server`) runs twice, once per backend. Without PORTAL_TEST_POSTGRES_URL the PostgreSQL runs
skip with a message; with PORTAL_TEST_REQUIRE_ALL=1 (CI) they fail instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Before any portal import: argon2id with its cheapest parameters for the suite's own hashes and
# sign-ins (every password still hashed and verified; portal/accounts/passwords.py reads it once).
os.environ.setdefault("PORTAL_TEST_PASSWORD_HASH", "cheap")

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal.app import create_app
from portal.council import fulltext as council_fulltext
from portal.council import postings as council_postings
from portal.council import vocabulary as council_vocabulary
from portal.db import make_engine, metadata
from portal.migrate import upgrade
from portal.modules import register_tables
from portal.settings import DEMO_CITY, Settings
from tests.helpers import PG_URL, SECRET, login, missing, scratch_postgres

ROOT = Path(__file__).resolve().parent.parent
register_tables()  # what every composition root does first: all tables on the metadata
CHROMIUM = "/usr/bin/chromium"

# (portal.migrate.head_revision is read once per process: every app a test builds checks it.)


# --- the order files run in -------------------------------------------------------------------

FILE_SECONDS = Path(__file__).with_name("file_seconds.json")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest files first (tests/file_seconds.json: each file's seconds in a full run), each
    file's tests in their own order: with `--dist loadfile --no-loadscope-reorder` the two
    workers then end within a short file of each other instead of one running a long file alone
    at the end. A file not listed counts as many seconds as its tests times the median second
    per test of the listed files."""
    try:
        seconds: dict[str, float] = json.loads(FILE_SECONDS.read_text())
    except (OSError, ValueError):
        return
    counts: dict[str, int] = {}
    for item in items:
        name = item.nodeid.split("::", 1)[0]
        counts[name] = counts.get(name, 0) + 1
    rates = sorted(seconds[n] / counts[n] for n in counts if n in seconds)
    rate = rates[len(rates) // 2] if rates else 1.0
    weight = {n: seconds.get(n, rate * c) for n, c in counts.items()}
    first = {n: i for i, n in enumerate(dict.fromkeys(it.nodeid.split("::", 1)[0] for it in items))}
    items.sort(
        key=lambda it: (-weight[it.nodeid.split("::", 1)[0]], first[it.nodeid.split("::", 1)[0]])
    )


# --- databases --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def worker_tag(request: pytest.FixtureRequest) -> str:
    """Unique per test run and worker, so concurrent runs on one server never share a database."""
    workerinput = getattr(request.config, "workerinput", {})
    run = workerinput.get("testrunuid", uuid.uuid4().hex)[:8]
    return re.sub(r"\W", "", f"{run}_{workerinput.get('workerid', 'main')}")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database(worker_tag: str) -> Iterator[str]:
    if not PG_URL:
        yield ""
        return
    with scratch_postgres(f"portal_test_{worker_tag}") as url:
        yield url


class _PostgresReset:
    """Empties the worker's PostgreSQL database between tests, as TRUNCATE … RESTART IDENTITY of
    every table would, at a fraction of the cost: a test writes to a few tables, so only the
    tables holding rows are emptied (DELETE, children first) and only the sequences a test used
    are set back to their start. TRUNCATE of every table makes new files for each table and index
    (about a second per test on a loaded machine); it stays the fallback if a DELETE is refused."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, pool_size=1, max_overflow=0, pool_pre_ping=True)
        # Children before parents, so no foreign key is ever left pointing at a deleted row.
        self.order = {t.name: i for i, t in enumerate(reversed(metadata.sorted_tables))}
        self.resets = 0

    def _tables(self, conn: Any) -> list[str]:
        names = conn.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        )
        return sorted(
            (n for n in names if n != "alembic_version"), key=lambda n: (self.order.get(n, -1), n)
        )

    def __call__(self) -> None:
        self._empty()
        self._vacuum_now_and_then()

    def _empty(self) -> None:
        with self.engine.connect() as conn:
            try:
                # One transaction from the probe to the sequences (a probe outside it would
                # autobegin one, and a second begin() would fail before deleting anything).
                with conn.begin():
                    tables = self._tables(conn)
                    # One round trip: which tables hold at least one row.
                    probe = " UNION ALL ".join(
                        f'SELECT {i} FROM (SELECT 1 FROM "{name}" LIMIT 1) AS t{i}'
                        for i, name in enumerate(tables)
                    )
                    used = [tables[i] for i in conn.scalars(text(probe))] if tables else []
                    for name in sorted(used, key=tables.index):
                        conn.execute(text(f'DELETE FROM "{name}"'))
                    self._restart_sequences(conn)
                return
            except IntegrityError:  # a foreign key this order does not satisfy: the sure way
                pass
            with conn.begin():
                tables = self._tables(conn)
                if tables:
                    listed = ", ".join(f'"{name}"' for name in tables)
                    conn.execute(text(f"TRUNCATE {listed} RESTART IDENTITY CASCADE"))
                self._restart_sequences(conn)

    VACUUM_EVERY = 100

    def _vacuum_now_and_then(self) -> None:
        """DELETE leaves dead rows behind and the test server runs without autovacuum: without a
        VACUUM now and then the tables' files only grow (about 9 pages per reset of the demo
        charter and register), and every scan reads the dead pages."""
        self.resets += 1
        if self.resets % self.VACUUM_EVERY == 0:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM"))

    @staticmethod
    def _restart_sequences(conn: Any) -> None:
        conn.execute(
            text(
                "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass,"
                " start_value, false) FROM pg_sequences"
                " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
            )
        ).all()

    def dispose(self) -> None:
        self.engine.dispose()


@pytest.fixture(scope="session")
def _postgres_reset(postgres_database: str) -> Iterator[_PostgresReset | None]:
    if not postgres_database:
        yield None
        return
    reset = _PostgresReset(postgres_database)
    yield reset
    reset.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_database: str,
    _postgres_reset: _PostgresReset | None,
) -> str:
    """A migrated, empty database: a copy of the SQLite template, or the worker's PostgreSQL
    database emptied of every row, its sequences back at their start."""
    if request.param == "sqlite":
        path = tmp_path / "portal.sqlite3"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    if not postgres_database:
        missing(
            "PostgreSQL tests need PORTAL_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test"
        )
    assert _postgres_reset is not None
    _postgres_reset()
    # The worker's PostgreSQL database keeps its URL from test to test: the council's per-process
    # caches keyed by URL (BM25 statistics, vocabulary) must not carry a test's passages over to
    # the next one when both happen to end at the same highest passage id.
    council_fulltext._stats.clear()
    council_vocabulary._cache.clear()
    council_postings._indexes.clear()
    return postgres_database


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        secret_key=SECRET,
        base_url="http://testserver",
        allowed_hosts=("testserver", "127.0.0.1", "localhost"),
        demo=False,
        data_dir=tmp_path,
        content_dir=ROOT / "content",
        # The tests' world is the demo's content (charter, register, minutes): the demo's city.
        city=DEMO_CITY,
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Starlette:
    return create_app(settings, engine=engine)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def make_client(app: Starlette) -> Iterator[Any]:
    """Several independent browsers (cookies) on the same app."""
    clients: list[TestClient] = []

    def factory() -> TestClient:
        c = TestClient(app, base_url="http://testserver")
        c.__enter__()
        clients.append(c)
        return c

    yield factory
    for c in clients:
        c.__exit__(None, None, None)


# --- people -----------------------------------------------------------------------------------


@pytest.fixture
def make_user(engine: Engine) -> Any:
    """Create a confirmed user with the given roles; returns its id (password: PASSWORD)."""
    from tests.factories import create_user

    def factory(*roles: str, email: str | None = None, name: str | None = None) -> int:
        return create_user(engine, roles=roles, email=email, name=name)

    return factory


@pytest.fixture
def login_as(make_client: Any, make_user: Any, engine: Engine) -> Any:
    """A new client signed in as a new user with these roles: `login_as("official")`."""
    from tests.factories import email_of

    def factory(*roles: str) -> TestClient:
        user_id = make_user(*roles)
        c = make_client()
        login(c, email_of(engine, user_id))
        c.user_id = user_id  # type: ignore[attr-defined]
        return c

    return factory


@pytest.fixture
def real_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the library's recommended parameters, as production hashes, for a test that
    measures time (the suite otherwise runs with PORTAL_TEST_PASSWORD_HASH=cheap)."""
    from argon2 import PasswordHasher

    from portal.accounts import passwords

    hasher = PasswordHasher()
    monkeypatch.setattr(passwords, "_hasher", hasher)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", hasher.hash("a password nobody uses"))


# --- a real server and a real browser ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(settings: Settings, engine: Engine) -> Iterator[str]:
    """The app served by uvicorn on a free local port, in a thread."""
    import uvicorn

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    live_settings = settings.with_(base_url=base, allowed_hosts=("127.0.0.1",))
    app = create_app(live_settings, engine=engine)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 15
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        missing(
            "browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )  # fmt: skip
        yield b
        b.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """`new_page(javascript=True)`: a fresh browser context (no cookies) and its page."""
    contexts: list[Any] = []

    def factory(javascript: bool = True) -> Any:
        # bypass_csp only lets the test inject axe-core; the app's CSP is tested over HTTP.
        ctx = browser.new_context(java_script_enabled=javascript, bypass_csp=True, locale="fr-FR")
        ctx.set_default_timeout(15000)
        contexts.append(ctx)
        return ctx.new_page()

    yield factory
    for ctx in contexts:
        ctx.close()
