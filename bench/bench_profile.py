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


def apply_proposed_fixes() -> None:
    """The two fixes this profile points at, applied in this process only (the files belong to
    other packages; see the section's text): Markdown rendered once per distinct text, and a
    clause's diffs between versions computed once per pair of texts."""
    from functools import lru_cache

    from portal.consultation.charter import pages as charter_pages
    from portal.text import render_markdown
    from portal.web.templating import environment

    environment().filters["markdown"] = lru_cache(maxsize=8192)(render_markdown)
    diff = charter_pages.diff_text
    cached = lru_cache(maxsize=1024)(lambda old, new: tuple(diff(old, new)))
    charter_pages.diff_text = lambda old, new: list(cached(old, new))  # type: ignore[assignment]


def profile_pages(env: dict[str, str], *, fixed: bool = False) -> list[dict[str, Any]]:
    import httpx

    from portal import app as portal_app
    from portal.settings import load_settings
    from portal.web import routing

    settings = load_settings(env).with_(allowed_hosts=("testserver",))
    app = portal_app.create_app(settings)
    routing.run_in_threadpool = _inline  # type: ignore[assignment]
    if fixed:
        apply_proposed_fixes()
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
            if fixed:
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


def report(results: list[dict[str, Any]], fixed: list[dict[str, Any]]) -> str:
    lines = [
        "## Profile of signed-in pages (cProfile on the real handlers, demo)",
        "",
        f"{today()}, {machine()}, load average {os.getloadavg()[0]:.1f}. The demo on SQLite; "
        f"the demo resident signed in; each page {WARMUP} times to warm up, {RUNS} times timed, "
        f"then {RUNS} times under cProfile (bench/bench_profile.py). Shares are of the profiled "
        "time (cProfile slows pure-Python code most, so they are indicative); Markdown is "
        "called from the templates, so its share is inside the templates' share.",
        "",
        "**As the code is:**",
        "",
        *_table(results),
        "",
        "Functions with the most time of their own (per request, under the profiler):",
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
    ]
    lines += [
        "",
        "**With the two proposed fixes applied in the bench process only** "
        "(`apply_proposed_fixes`: the `markdown` filter memoised per distinct text, and "
        "`diff_text` between a clause's versions memoised per pair of texts; the code itself "
        "is unchanged):",
        "",
        *_table(fixed),
        "",
        "Where the time goes, and the fixes (in files this bench's author does not own):",
        "",
        "- **Markdown on every view.** The `markdown` filter (`portal/text.py` "
        "`render_markdown`: markdown-it, then bleach's html5lib sanitiser) runs for every "
        "clause body on `/charter` and every comment body on a clause page, at each request, "
        f"though the texts rarely change: {_part(results, '/charter', 'Markdown')} of "
        f"`/charter` and {_part(results, '/charter/clauses/4', 'Markdown')} of the clause page. "
        "Exact fix: decorate `render_markdown` with `@functools.lru_cache(maxsize=8192)` (a "
        "pure function of its text; `Markup` is immutable), or, as the issue asks, store the "
        "rendered HTML beside the text when it is written and re-render it in a job when the "
        "renderer's rules change.",
        "- **A diff between versions on every clause view.** "
        "`portal/consultation/charter/pages.py` `clause_page` calls `diff_text` (difflib, word "
        "level) for each pair of versions of the clause at every request "
        "(`difflib.find_longest_match` is among the clause page's largest functions of their own). Exact "
        "fix: compute it once per pair of texts, e.g. a module-level "
        "`@lru_cache(maxsize=1024) def _step(old: str, new: str) -> tuple[Markup, bool]` "
        "returning `render_segments_html(segments)` and whether anything changed.",
        "- **Templates** are most of what remains on the clause page, `_comment.html` (once "
        f"per comment) first; SQL statements take {_sql_range(results)} of these pages, and "
        "their number is fixed whatever the comments (tests/test_query_counts.py).",
        "- Council search spends its time in SQL (the full-text queries) and in `highlight`/"
        "`matches` (portal/council/search.py), which run regular expressions over each shown "
        "passage.",
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
    before = profile_pages(env)
    return report(before, profile_pages(env, fixed=True))


if __name__ == "__main__":
    print(main())
    sys.exit(0)
