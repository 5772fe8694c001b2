"""Fixtures: a fresh database per test on SQLite and on PostgreSQL, the app, clients, a browser.

Every test that asks for `db_url` (or anything built on it: `settings`, `app`, `client`,
`live_server`) runs twice, once per backend. Without PORTAL_TEST_POSTGRES_URL the PostgreSQL runs
skip with a message; with PORTAL_TEST_REQUIRE_ALL=1 (CI) they fail instead.
"""

from __future__ import annotations

import contextlib
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
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal.app import create_app
from portal.db import make_engine, metadata, session_scope
from portal.migrate import upgrade
from portal.modules import register_tables
from portal.settings import Settings, normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "")
REQUIRE_ALL = os.environ.get("PORTAL_TEST_REQUIRE_ALL") == "1"
register_tables()  # what every composition root does first: all tables on the metadata
CHROMIUM = "/usr/bin/chromium"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SECRET = "test-secret-key-that-is-long-enough-0123456789"
PASSWORD = "une phrase de passe de test"


def _missing(reason: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (required here: PORTAL_TEST_REQUIRE_ALL=1)")
    pytest.skip(reason)


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


@contextlib.contextmanager
def scratch_postgres(name: str, revision: str = "head") -> Iterator[str]:
    """A new PostgreSQL database on PG_URL's server, migrated to `revision`, dropped after."""
    admin_url = normalise_database_url(PG_URL)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url, revision)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database(worker_tag: str) -> Iterator[str]:
    if not PG_URL:
        yield ""
        return
    with scratch_postgres(f"portal_test_{worker_tag}") as url:
        yield url


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, postgres_database: str
) -> str:
    """A migrated, empty database: a copy of the SQLite template, or the truncated PG database."""
    if request.param == "sqlite":
        path = tmp_path / "portal.sqlite3"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    if not postgres_database:
        _missing(
            "PostgreSQL tests need PORTAL_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test"
        )
    _truncate_all(postgres_database)
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


def csrf_token(client: TestClient, path: str = "/login") -> str:
    page = client.get(path).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> None:
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]


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
        _missing(
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


def assert_accessible(page: Any) -> None:
    """Run axe-core on the page: no violation of WCAG 2.0/2.1 level A or AA rules."""
    if not AXE_JS.exists():
        _missing("axe-core is missing: run `npm ci` (make setup does it)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in result["violations"]
    ]
    assert not violations, f"axe-core on {page.url}:\n" + "\n".join(violations)


def outbox_link(engine: Engine, to: str, path: str) -> str:
    """The last link to `path` mailed to `to` (read from the outbox, as a person reads mail)."""
    from portal.mail import as_read, outbox

    with session_scope(engine, write=False) as session:
        for mail in outbox(session, to=to, limit=20):
            body = as_read(mail, "http://testserver").body
            match = re.search(r"https?://[^\s]+" + re.escape(path) + r"\?token=[\w\-]+", body)
            if match:
                return match.group(0)
    raise AssertionError(f"no mail with a {path} link to {to}")
