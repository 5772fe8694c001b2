"""The production topology under mixed load: 4 web processes, one scheduler, PostgreSQL.

`portal serve --workers 4` and one `portal worker` run on a scratch PostgreSQL database holding
the demo (PORTAL_BENCH_POSTGRES_URL's server). Signed-in residents read the charter, its clauses,
the register and council searches (a new query word each time), and write comments and
supports, for 60 s (PORTAL_BENCH_LOAD_SECONDS). At a third of the run one web worker is stopped
(SIGTERM) and uvicorn starts another. Each request opens its own connection, as many browsers
behind a proxy would, so any web process may answer it.

Reported: requests per second, latency percentiles, errors (any status other than 200 or 303, or
no answer: must be 0) and lost writes (every comment and support answered 303 must be in the
database afterwards, and nothing else from these residents: must be 0).

`python -m bench.bench_production` runs it alone and prints the section.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench.common import PYTHON, ROOT, free_port, machine, today

DATABASE = "portal_bench_production"
WEB_WORKERS = 4
CLIENTS = 16
RESIDENTS = 48
PASSWORD = "mot de passe du banc d'essai 2026"
SEARCH_WORDS = [
    "piscine", "budget", "école", "voirie", "stationnement", "culture", "sport", "marché",
    "crèche", "subvention", "travaux", "bibliothèque", "jeunesse", "logement", "vélo", "parc",
]  # fmt: skip
# (kind, weight): reads, searches and writes, as a consultation's busy evening might mix them.
MIX = [("clause", 30), ("charter", 15), ("registry", 10), ("search", 15), ("comment", 15),
       ("support", 15)]  # fmt: skip
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _admin_url() -> str:
    url = os.environ.get("PORTAL_BENCH_POSTGRES_URL", "")
    if not url:
        raise SystemExit(
            "the production bench needs PORTAL_BENCH_POSTGRES_URL (make bench sets it)"
        )
    return url


def _database_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(_admin_url()).set(database=DATABASE).render_as_string(hide_password=False)


def _env(url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PORTAL_DATABASE_URL": url,
        "PORTAL_DEMO": "1",
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_SECRET_KEY": "bench-production-secret-key-0123456789abcdef",
        "PORTAL_ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_RUN_SCHEDULER": "",
    }


def prepare(url: str, data_dir: Path) -> None:
    """A new database with the demo, and RESIDENTS confirmed residents for the bench."""
    from sqlalchemy import create_engine, text

    from portal.settings import normalise_database_url

    if os.environ.get("PORTAL_BENCH_REUSE") != "1" or not _has_demo(url):
        admin = create_engine(normalise_database_url(_admin_url()), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
        admin.dispose()
        env = _env(url, data_dir)
        for command in (["db", "upgrade"], ["demo", "load"]):
            subprocess.run([PYTHON, "-m", "portal.cli", *command], env=env, cwd=ROOT,
                           check=True, capture_output=True)  # fmt: skip
    _add_residents(url)


def _has_demo(url: str) -> bool:
    from sqlalchemy import create_engine, text

    from portal.settings import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    try:
        with engine.connect() as conn:
            return bool(conn.execute(text("SELECT count(*) FROM consultation_comment")).scalar())
    except Exception:
        return False
    finally:
        engine.dispose()


def _add_residents(url: str) -> None:
    from sqlalchemy import select

    from portal.accounts.models import User, UserRole
    from portal.accounts.passwords import hash_password
    from portal.clock import utcnow
    from portal.db import make_cli_engine, session_scope
    from portal.modules import register_tables
    from portal.settings import normalise_database_url

    register_tables()
    engine = make_cli_engine(normalise_database_url(url))
    hashed = hash_password(PASSWORD)
    with session_scope(engine) as session:
        for n in range(RESIDENTS):
            email = f"banc{n}@bench.invalid"
            if session.scalar(select(User.id).where(User.email == email)) is not None:
                continue
            user = User(email=email, display_name=f"Résidente Banc {n}", password_hash=hashed,
                        email_confirmed_at=utcnow())  # fmt: skip
            session.add(user)
            session.flush()
            session.add(UserRole(user_id=user.id, role="resident"))
    engine.dispose()


# --- HTTP, one connection per request --------------------------------------------------------


@dataclass
class Browser:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Connection": "close", "Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode({**form, "csrf_token": self.token})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for raw in response.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(raw)
                for key, morsel in jar.items():
                    self.cookies[key] = morsel.value
            found = _CSRF.search(text)
            if found:
                self.token = found.group(1)
            return response.status, text
        finally:
            conn.close()

    def login(self, email: str) -> None:
        self.request("GET", "/login")
        status, _ = self.request("POST", "/login", {"email": email, "password": PASSWORD})
        if status != 303:
            raise RuntimeError(f"bench login of {email} answered {status}")
        self.request("GET", "/charter")  # a token bound to the new session


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    comments: list[str] = field(default_factory=list)
    supports: set[tuple[int, int]] = field(default_factory=set)
    during_restart: int = 0


def _clause_numbers(port: int) -> list[int]:
    _status, page = Browser(port).request("GET", "/charter")
    numbers = sorted({int(n) for n in re.findall(r"/charter/clauses/(\d+)", page)})
    if not numbers:
        raise RuntimeError("no clause link on /charter")
    return numbers


def _client(
    index: int, browser: Browser, clauses: list[int], tag: str, stop: threading.Event,
    tally: Tally, restarting: threading.Event,
) -> None:  # fmt: skip
    rng = random.Random(index)
    resident = index % RESIDENTS
    kinds = [k for k, w in MIX for _ in range(w)]
    unsupported = list(clauses)
    rng.shuffle(unsupported)
    seq = 0
    while not stop.is_set():
        kind = rng.choice(kinds)
        if kind == "support" and not unsupported:
            kind = "clause"
        number = rng.choice(clauses)
        if kind == "clause":
            method, path, form = "GET", f"/charter/clauses/{number}", None
        elif kind == "charter":
            method, path, form = "GET", "/charter", None
        elif kind == "registry":
            method, path, form = "GET", "/registry", None
        elif kind == "search":
            words = rng.sample(SEARCH_WORDS, 2)
            method, path, form = "GET", "/council/search?" + urlencode({"q": " ".join(words)}), None
        elif kind == "comment":
            seq += 1
            body = f"{tag} client {index} commentaire {seq} : un avis écrit pendant la charge."
            method, path, form = "POST", f"/charter/clauses/{number}/comments", {"body": body}
        else:
            number = unsupported[-1]
            method, path, form = "POST", f"/charter/clauses/{number}/support", {}
        started = time.perf_counter()
        try:
            status, _text = browser.request(method, path, form)
        except Exception as exc:  # no answer at all: an error, counted, never retried
            with tally.lock:
                tally.errors[f"{kind}: {type(exc).__name__}"] += 1
            continue
        elapsed = (time.perf_counter() - started) * 1000
        ok = status == 303 if method == "POST" else status == 200
        with tally.lock:
            tally.latencies[kind].append(elapsed)
            if restarting.is_set():
                tally.during_restart += 1
            if not ok:
                tally.errors[f"{kind}: HTTP {status}"] += 1
            elif kind == "comment":
                tally.comments.append(form["body"])  # type: ignore[index]
            elif kind == "support":
                tally.supports.add((resident, number))
        if kind == "support" and ok:
            unsupported.pop()


def _workers_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
                found.append(int(child))
    return sorted(found)


def _wait_ready(proc: subprocess.Popen[bytes], port: int, workers: int) -> None:
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("portal serve stopped during start-up")
        try:
            status, _ = Browser(port).request("GET", "/healthz")
            if status == 200 and len(_workers_of(proc.pid)) == workers:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("portal serve did not start in 180 s")


def _count_writes(url: str, tag: str) -> tuple[int, set[tuple[int, int]]]:
    from sqlalchemy import create_engine, text

    from portal.settings import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    try:
        with engine.connect() as conn:
            comments = conn.execute(
                text("SELECT count(*) FROM consultation_comment WHERE body LIKE :p"),
                {"p": f"{tag} %"},
            ).scalar_one()
            rows = conn.execute(
                text(
                    "SELECT u.email, c.number FROM consultation_support s "
                    "JOIN accounts_user u ON u.id = s.user_id "
                    "JOIN consultation_clause c ON c.id = s.target_id "
                    "WHERE s.target_type = 'clause' AND u.email LIKE 'banc%@bench.invalid'"
                )
            ).all()
    finally:
        engine.dispose()
    supports = {(int(email[4:].split("@")[0]), int(number)) for email, number in rows}
    return int(comments), supports


def _clear_supports(url: str) -> None:
    from sqlalchemy import create_engine, text

    from portal.settings import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(
            text(
                "DELETE FROM consultation_support WHERE user_id IN "
                "(SELECT id FROM accounts_user WHERE email LIKE 'banc%@bench.invalid')"
            )
        )
    engine.dispose()


@dataclass(frozen=True)
class Result:
    seconds: float
    requests: int
    latencies: dict[str, list[float]]
    errors: Counter[str]
    comments_ok: int
    comments_found: int
    supports_ok: int
    supports_found: int
    supports_missing: int
    supports_extra: int
    restarted: tuple[int, int]
    restart_seconds: float
    during_restart: int
    worker_runs: int
    load: tuple[float, float]

    @property
    def lost_writes(self) -> int:
        return max(0, self.comments_ok - self.comments_found) + self.supports_missing

    @property
    def extra_writes(self) -> int:
        return max(0, self.comments_found - self.comments_ok) + self.supports_extra


def run_load(seconds: int | None = None) -> Result:
    seconds = seconds or int(os.environ.get("PORTAL_BENCH_LOAD_SECONDS", "60"))
    url = _database_url()
    data_dir = ROOT / "var" / "bench-production"
    data_dir.mkdir(parents=True, exist_ok=True)
    prepare(url, data_dir)
    _clear_supports(url)
    env = _env(url, data_dir)
    # The schema at the code's head right before serving (a reused database may be behind).
    subprocess.run([PYTHON, "-m", "portal.cli", "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    port = free_port()
    web_log = (data_dir / "web.log").open("wb")
    worker_log = (data_dir / "worker.log").open("wb")
    web = subprocess.Popen(
        [PYTHON, "-m", "portal.cli", "serve", "--port", str(port), "--workers", str(WEB_WORKERS),
         "--no-access-log", "--graceful-timeout", "20"],
        env=env, cwd=ROOT, stdout=web_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = subprocess.Popen([PYTHON, "-m", "portal.cli", "worker"], env=env, cwd=ROOT,
                              stdout=worker_log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        _wait_ready(web, port, WEB_WORKERS)
        clauses = _clause_numbers(port)
        tag = f"banc-{uuid.uuid4().hex[:8]}"
        stop, restarting, tally = threading.Event(), threading.Event(), Tally()
        browsers = [Browser(port) for _ in range(CLIENTS)]
        logins = [
            threading.Thread(target=b.login, args=(f"banc{i % RESIDENTS}@bench.invalid",))
            for i, b in enumerate(browsers)
        ]
        for thread in logins:
            thread.start()
        for thread in logins:
            thread.join()
        if not all(b.token and "portal_session" in "".join(b.cookies) for b in browsers):
            raise RuntimeError(f"not every bench resident could sign in: {browsers[0].cookies}")
        load_before = os.getloadavg()[0]
        threads = [
            threading.Thread(target=_client, args=(i, b, clauses, tag, stop, tally, restarting))
            for i, b in enumerate(browsers)
        ]
        for thread in threads:
            thread.start()
        started = time.perf_counter()
        time.sleep(seconds / 3)
        before = _workers_of(web.pid)
        victim = before[0]
        restarting.set()
        restart_started = time.perf_counter()
        os.kill(victim, signal.SIGTERM)
        while True:
            now = _workers_of(web.pid)
            if victim not in now and len(now) == WEB_WORKERS:
                break
            if time.perf_counter() - restart_started > 120:
                raise RuntimeError("the stopped web worker was not replaced within 120 s")
            time.sleep(0.1)
        # Ready when it answers: uvicorn starts it listening once its app has started.
        restart_seconds = time.perf_counter() - restart_started
        restarting.clear()
        replacement = next(p for p in now if p not in before)
        remaining = seconds - (time.perf_counter() - started)
        if remaining > 0:
            time.sleep(remaining)
        stop.set()
        load_after = os.getloadavg()[0]
        for thread in threads:
            thread.join(180)
        elapsed = time.perf_counter() - started
    finally:
        web.send_signal(signal.SIGTERM)
        worker.send_signal(signal.SIGTERM)
        for proc in (web, worker):
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        web_log.close()
        worker_log.close()
    comments_found, supports_found = _count_writes(url, tag)
    worker_runs = _job_runs(url)
    return Result(
        seconds=elapsed,
        requests=sum(len(v) for v in tally.latencies.values()) + sum(tally.errors.values()),
        latencies=dict(tally.latencies),
        errors=tally.errors,
        comments_ok=len(tally.comments),
        comments_found=comments_found,
        supports_ok=len(tally.supports),
        supports_found=len(supports_found),
        supports_missing=len(tally.supports - supports_found),
        supports_extra=len(supports_found - tally.supports),
        restarted=(victim, replacement),
        restart_seconds=restart_seconds,
        during_restart=tally.during_restart,
        worker_runs=worker_runs,
        load=(load_before, load_after),
    )


def _job_runs(url: str) -> int:
    from sqlalchemy import create_engine, text

    from portal.settings import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM core_job_run")).scalar_one())
    finally:
        engine.dispose()


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(result: Result) -> str:
    every = [v for values in result.latencies.values() for v in values]
    errors = sum(result.errors.values())
    rows = [
        f"| {kind} | {len(v):,} | {len(v) / result.seconds:.1f} | {statistics.median(v):.0f} ms | "
        f"{_pct(v, 0.99):.0f} ms |"
        for kind, _w in MIX
        if (v := result.latencies.get(kind))
    ]
    met = errors == 0 and result.lost_writes == 0 and result.extra_writes == 0
    lines = [
        "## Production topology under mixed load (4 web processes, one worker, PostgreSQL)",
        "",
        f"{today()}, {machine()}. `portal serve --workers {WEB_WORKERS}` and one `portal worker` "
        f"on a PostgreSQL database holding the demo; {CLIENTS} signed-in residents (threads of one "
        "client process on the same 2 cores, one new connection per request) read the charter, "
        "its clauses, the register and council searches (two words drawn from 16 each time, so "
        "queries change), and write comments and supports. At a third of the run one web "
        "worker gets SIGTERM; uvicorn starts another. Writes count when answered 303; "
        "afterwards the database is read back. bench/bench_production.py.",
        "",
        f"**{result.requests:,} requests in {result.seconds:.0f} s: {result.requests / result.seconds:.1f} "
        f"req/s, p50 {statistics.median(every):.0f} ms, p99 {_pct(every, 0.99):.0f} ms; "
        f"errors {errors}; lost writes {result.lost_writes}; writes stored twice "
        f"{result.extra_writes}.** Target (0 errors, 0 lost writes): {'met' if met else 'NOT met'}.",
        "",
        "| request | count | req/s | median | p99 |",
        "| --- | --- | --- | --- | --- |",
        *rows,
        "",
        f"- Comments answered 303: {result.comments_ok:,}; found in the database afterwards: "
        f"{result.comments_found:,}.",
        f"- Supports answered 303: {result.supports_ok:,}; found: {result.supports_found:,} "
        f"(missing {result.supports_missing}, unexpected {result.supports_extra}).",
        f"- Web worker {result.restarted[0]} stopped at {result.seconds / 3:.0f} s; uvicorn "
        f"had started its replacement {result.restart_seconds:.1f} s later (which then loads the "
        f"app and spaCy before accepting); {result.during_restart:,} requests were answered by "
        "the other workers meanwhile.",
        f"- The scheduler process recorded {result.worker_runs} job runs during the test.",
    ]
    if result.errors:
        lines.append("- Errors: " + ", ".join(f"{k} × {n}" for k, n in result.errors.most_common()))
    lines.append(
        "- Found by this test on 2026-11-30 (one HTTP 500 on a council search in two of three "
        "shorter runs; none in the run above): `portal/nlp/french.py` shares one Snowball "
        "stemmer object between threads (`_stemmer()` under `lru_cache`), and snowballstemmer's "
        "objects keep their state in the instance, so two searches stemming at once raise "
        "`IndexError` or `AssertionError`. Fix, in that file: one stemmer per thread "
        "(`threading.local()`), which a web worker's thread pool needs."
    )
    lines.append(
        "- Found by this test on 2026-12-01 (38 HTTP 500 of 3,632 requests, on comments and "
        "supports, once the machine ran the load twelve times faster than the day before): "
        'PostgreSQL\'s "deadlock detected". SQLAlchemy fires `before_commit` when a SAVEPOINT '
        "is released, and a comment is inserted in one (the same form sent twice at once), so "
        "the consultation's generation row was locked before the article's counters, while a "
        "support holding those counters raised the generation at its commit. Fix, in "
        "`portal/consultation/participation/models.py`: the generation is raised at the "
        "transaction's own commit only (tests/consultation/test_generation_lock_order.py)."
    )
    lines.append(
        "- Found by this test on 2026-12-01 (2 requests of about 6,000 without an answer, "
        '"connection reset", in each of two runs, when the council\'s pages ran in their own two '
        "threads): uvicorn, told to stop, closes the connections it accepted a moment before "
        "with their request still unread (Kludex/uvicorn#2757). Fix, in `portal/web/server.py`: "
        "a web process stops listening, lets its event loop read what those connections sent, "
        "then stops as uvicorn does (tests/web/test_graceful_shutdown.py); 0 in the two runs "
        "since, and PostgreSQL's CPU-bound pages got their two threads."
    )
    lines.append(
        f"- Load average {result.load[0]:.1f} at the start and {result.load[1]:.1f} at the end, "
        "on 2 cores shared with the load generator and other work: the rates are lower bounds "
        "for this topology; what must hold on any machine is 0 errors and 0 lost writes."
    )
    return "\n".join(lines) + "\n"


def main() -> str:
    return report(run_load())


if __name__ == "__main__":
    print(main())
    sys.exit(0)
