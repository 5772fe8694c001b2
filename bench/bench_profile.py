"""Where a signed-in page's time goes: cProfile on the real handlers, on the demo.

The app runs in this process on a SQLite copy of the demo, driven through httpx's ASGI
transport on the main thread; the handlers that would run in a worker thread run inline here
(`portal.web.routing.run_in_threadpool` replaced for the profile only), so cProfile sees every
call. For each page: the wall time per request without the profiler, then the share of the
profiled time in SQL statements, template rendering, Markdown, spaCy, and the functions with
the most time of their own.

`python -m bench.bench_profile` prints the section; `PORTAL_BENCH_REUSE=1` keeps the demo
database of a previous run (var/bench-profile/).
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import re
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.common import PYTHON, ROOT, machine, today

PAGES = ["/charter", "/charter/clauses/4", "/registry", "/council/search?q=piscine"]
RUNS = 30
WARMUP = 5
RESIDENT = "habitant@demo.suresnes.invalid"
DEMO_PASSWORD = "suresnes-demo-2026"
# (label, file fragment, function name): cumulative time of these, as a share of the request.
PARTS = [
    ("SQL statements", "sqlalchemy/engine/base.py", "_execute_context"),
    ("ORM: loading rows into objects", "sqlalchemy/orm/loading.py", "instances"),
    ("templates (Jinja)", "jinja2/environment.py", "render"),
    ("Markdown + sanitiser", "portal/text.py", "render_markdown"),
    ("spaCy", "spacy/language.py", "__call__"),
]


def _env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PORTAL_DATABASE_URL": f"sqlite:///{data_dir / 'portal.sqlite3'}",
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_DEMO": "1",
        "PORTAL_SECRET_KEY": "bench-profile-secret-key-0123456789abcdefgh",
        "PORTAL_RUN_SCHEDULER": "",
    }


def prepare(data_dir: Path) -> dict[str, str]:
    env = _env(data_dir)
    database = data_dir / "portal.sqlite3"
    if os.environ.get("PORTAL_BENCH_REUSE") == "1" and database.exists():
        return env
    data_dir.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([PYTHON, "-m", "portal.cli", *command], env=env, cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
    return env


async def _inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _share(stats: pstats.Stats, fragment: str, name: str) -> float:
    total = 0.0
    for (filename, _line, function), (_cc, _nc, _tt, _ct, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if function != name or fragment not in filename:
            continue
        # Only outermost calls: time under a caller that is itself counted would count twice.
        total += sum(
            values[3]
            for (cfile, _cl, cfunc), values in callers.items()
            if not (cfunc == name and fragment in cfile)
        )
    return total


def _own(stats: pstats.Stats, top: int = 6) -> list[tuple[str, float]]:
    rows = []
    for (filename, line, function), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        short = re.sub(r".*/(site-packages|work/main)/", "", filename)
        rows.append((f"{short}:{line} {function}", tt))
    return sorted(rows, key=lambda r: -r[1])[:top]


def without_this_issues_caches() -> None:
    """The "before" of issue 18, in this process only: Markdown rendered at every view (no
    stored HTML, no per-process memo), each clause's diffs computed at every view, and no
    shared fragment kept (the page of comments and the charter's text rendered each time)."""
    from portal.consultation.charter import pages as charter_pages
    from portal.consultation.participation import pages as participation_pages
    from portal.text import render_markdown
    from portal.web import templating
    from portal.web.cache import FragmentCache, FragmentKey, SharedFragment
    from portal.web.templating import environment

    per_view = render_markdown.__wrapped__
    env = environment()
    env.filters["markdown"] = per_view
    env.filters["stored_html"] = lambda _html, source=None: per_view(source or "")

    class Forgetful(FragmentCache):
        def put(self, key: FragmentKey, fragment: SharedFragment) -> None:
            return None

    forgetful = Forgetful()
    participation_pages.fragment_cache = lambda _app: forgetful  # type: ignore[assignment]
    charter_pages.fragment_cache = lambda _app: forgetful  # type: ignore[assignment]
    templating.fragment_cache = lambda _app: forgetful  # type: ignore[assignment]
    charter_pages._diff_step = charter_pages._diff_step.__wrapped__  # type: ignore[assignment]


def profile_pages(env: dict[str, str], *, before: bool = False) -> list[dict[str, Any]]:
    import httpx

    from portal import app as portal_app
    from portal.settings import load_settings
    from portal.web import routing

    settings = load_settings(env).with_(allowed_hosts=("testserver",))
    app = portal_app.create_app(settings)
    routing.run_in_threadpool = _inline  # type: ignore[assignment]
    # The council's CPU-bound pages run in threads of their own (route(cpu_bound=True)): here in
    # the profiled thread too, or the profile sees only the event loop waiting for them.
    routing._cpu_bound_limiter = lambda _app: None  # type: ignore[assignment]
    if before:
        without_this_issues_caches()
    results: list[dict[str, Any]] = []

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            page = (await client.get("/login")).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            done = await client.post(
                "/login", data={"email": RESIDENT, "password": DEMO_PASSWORD, "csrf_token": token}
            )
            if done.status_code != 303:
                raise RuntimeError(f"demo resident could not sign in ({done.status_code})")

            async def get(path: str) -> None:
                response = await client.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"{path} answered {response.status_code}")

            for path in PAGES:
                results.append(await _profile(get, path))
            if before:
                return
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver"
            ) as anonymous:
                for result in results:
                    path = result["path"]
                    result["statements"] = (
                        await _statements(app, anonymous, path),
                        await _statements(app, client, path),
                    )

    asyncio.run(run())
    return results


async def _statements(app: Any, client: Any, path: str) -> int:
    """SQL statements sent for one request of `path` (the anonymous page cache emptied first)."""
    from sqlalchemy import event

    counted = [0]

    def count(*_args: Any) -> None:
        counted[0] += 1

    app.state.page_cache.clear()
    event.listen(app.state.engine, "before_cursor_execute", count)
    try:
        response = await client.get(path)
    finally:
        event.remove(app.state.engine, "before_cursor_execute", count)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return counted[0]


async def _profile(get: Callable[[str], Awaitable[None]], path: str) -> dict[str, Any]:
    for _ in range(WARMUP):
        await get(path)
    started = time.perf_counter()
    for _ in range(RUNS):
        await get(path)
    wall = (time.perf_counter() - started) * 1000 / RUNS
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(RUNS):
        await get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    return {
        "path": path,
        "wall_ms": wall,
        "profiled_ms": total * 1000 / RUNS,
        "parts": [(label, _share(stats, frag, name) / total) for label, frag, name in PARTS],
        "own": [(name, t * 1000 / RUNS) for name, t in _own(stats)],
    }


def _table(results: list[dict[str, Any]]) -> list[str]:
    labels = [label for label, _f, _n in PARTS]
    lines = [
        "| page | wall per request | " + " | ".join(labels) + " |",
        "| --- | --- | " + " | ".join("---" for _ in labels) + " |",
    ]
    for r in results:
        shares = " | ".join(f"{share:.0%}" for _label, share in r["parts"])
        lines.append(f"| `{r['path']}` | {r['wall_ms']:.1f} ms | {shares} |")
    return lines


def report(results: list[dict[str, Any]], before: list[dict[str, Any]]) -> str:
    lines = [
        "## Profile of signed-in pages (cProfile on the real handlers, demo)",
        "",
        f"{today()}, {machine()}, load average {os.getloadavg()[0]:.1f}. The demo on SQLite; "
        f"the demo resident signed in; each page {WARMUP} times to warm up, {RUNS} times timed, "
        f"then {RUNS} times under cProfile (bench/bench_profile.py). Shares are of the profiled "
        "time (cProfile slows pure-Python code most, so they are indicative); Markdown is "
        "called from the templates, so its share is inside the templates' share.",
        "",
        "**Before** (issue 18's work switched off in the bench process, "
        "`without_this_issues_caches`: Markdown rendered at every view, a clause's diffs "
        "computed at every view, no shared fragment kept):",
        "",
        *_table(before),
        "",
        "**After** (the code as it is: comments and proposals stored as HTML when written; the "
        "charter and clause pages are shared pages, rendered once per process for each kind of "
        "visitor, language, address and database generation, each view reading the generation "
        "and the visitor's marks in one statement and rendering only the visitor's own support "
        "button, follow and threads):",
        "",
        *_table(results),
        "",
        "Functions with the most time of their own, after (per request, under the profiler):",
        "",
    ]
    for r in results:
        own = "; ".join(f"`{name}` {ms:.1f} ms" for name, ms in r["own"])
        lines.append(f"- `{r['path']}`: {own}")
    lines += [
        "",
        "SQL statements per request on the demo (anonymous with the page cache emptied / signed "
        "in): "
        + "; ".join(f"`{r['path']}` {r['statements'][0]} / {r['statements'][1]}" for r in results)
        + ". tests/test_query_counts.py checks, on both databases, that these counts and those "
        "of the proposal, register entry and meeting pages stay the same whatever the number "
        "of comments, replies and supports.",
        "",
        "Where the time went, and what was done:",
        "",
        "- **Markdown on every view** (markdown-it, then bleach's html5lib sanitiser): "
        f"{_part(before, '/charter', 'Markdown')} of `/charter` and "
        f"{_part(before, '/charter/clauses/4', 'Markdown')} of the clause page before. Comments "
        "and proposals are now rendered when written and stored with the renderer's version "
        "(migration 0019; the `consultation.rerender` job renders again rows of an older "
        "version); articles' bodies keep a per-process memo and the charter's text is a shared "
        f"fragment: after, {_part(results, '/charter', 'Markdown')} and "
        f"{_part(results, '/charter/clauses/4', 'Markdown')}.",
        "- **Templates**: the page of comments (`_comment.html` once per comment, with its "
        "support, reply and report forms) is rendered once per process and generation for every "
        "visitor of a kind; a visitor gets it with their own CSRF token and form key, and only "
        "the threads holding their comments or supports are rendered for them. Templates took "
        f"{_part(before, '/charter/clauses/4', 'templates')} of the clause page before and "
        f"{_part(results, '/charter/clauses/4', 'templates')} after.",
        "- **Per-person parts**: the visitor's supports on a page (the article or proposal and "
        "its comments) come from one query; following is one more (the follow package).",
        f"- SQL statements take {_sql_range(results)} of these pages after; their number is "
        "fixed whatever the comments. Council search ranked in its full-text statement until "
        "2026-12-01 13:00 UTC; it now ranks in the process (portal/council/postings.py: FTS5's "
        "BM25 over postings kept per meeting, the same results on both databases) and spends "
        "its time building the page: grouping, highlighted hits (`highlight`), facets and the "
        "template.",
        "- **Shared pages** (the step after the fragments): the charter and clause pages sent "
        "13 and 23 statements signed in and rendered their whole template per view; now a view "
        "of the kept page sends the session and roles (the accounts package) and one statement "
        "for the generation with the visitor's supports and follows, and renders only the "
        "parts that are theirs; the token, name, form key, language-switch address and time "
        "left are markers replaced per view. Any write to the consultation's or the register's "
        "tables, or to names and roles, raises the generation in its own transaction, so every "
        "process renders the page again at its next view (tests/consultation/"
        "test_shared_pages.py checks a comment, a support, a moderation, a rename and a "
        "publication across two app instances, on both databases).",
        "- **2026-12-01**: the register's list is a shared page too; routes are looked up by "
        "their first path segment (portal/web/router.py: Starlette tried some 50 regular "
        "expressions before `/registry`'s); a visitor's own slot (a thread they wrote or "
        "support in) is rendered once per page for everyone with the same own parts (which of "
        "its comments they support, wrote, may still edit) instead of for each view; Babel's "
        "date formatting is kept per value and language; a proposal's diff is kept per pair of "
        "texts like a clause's.",
        "- **What remains**: per view, the request's own machinery: the ORM session and its "
        "transaction (about 85 µs for one trivial statement on SQLite), the session lookup, the "
        "CSRF token, the middleware, and joining and encoding the page (about 14% of a clause "
        "page's profile). The first view after a write renders the page in full. Council "
        "search is not a shared page (each query differs).",
    ]
    return "\n".join(lines) + "\n"


def _sql_range(results: list[dict[str, Any]]) -> str:
    shares = [share for r in results for name, share in r["parts"] if name == "SQL statements"]
    return f"{min(shares):.0%} to {max(shares):.0%}" if shares else "?"


def _part(results: list[dict[str, Any]], path: str, label: str) -> str:
    for r in results:
        if r["path"] == path:
            for name, share in r["parts"]:
                if name.startswith(label):
                    return f"{share:.0%}"
    return "?"


def main() -> str:
    env = prepare(ROOT / "var" / "bench-profile")
    after = profile_pages(env)  # first: "before" patches this process for good
    return report(after, profile_pages(env, before=True))


if __name__ == "__main__":
    print(main())
    sys.exit(0)
