"""The council's search and question pages run in a web process's few threads for CPU-bound pages
(settings cpu_bound_threads, PORTAL_CPU_BOUND_THREADS): at most that many at once, whatever the
number of visitors, while other pages go on being served; with none (SQLite's default), on the
event loop, one at a time; in the page's language."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from portal.app import create_app
from portal.council import facets
from portal.settings import Settings, SettingsError, load_settings


async def _most_at_once(app: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """(most searches running at once, status of a register page asked meanwhile)."""
    running, most = [0], [0]
    lock = threading.Lock()
    real = facets.search

    def slow_search(*args: Any, **kwargs: Any) -> Any:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.3)  # Python's own time, as a ranking's
        with lock:
            running[0] -= 1
        return real(*args, **kwargs)

    monkeypatch.setattr(facets, "search", slow_search)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        searches = [
            client.get(
                "/council/search", params={"q": f"budget {n}"}, cookies={"portal_flash": "none"}
            )
            for n in range(4)
        ]
        other = client.get("/registry")
        *found, registry = await asyncio.gather(*searches, other)
    assert all(r.status_code == 200 for r in found), [r.status_code for r in found]
    return most[0], registry.status_code


@pytest.mark.parametrize("threads", [0, 1, 2, None])
def test_cpu_bound_pages_run_in_their_threads(
    settings: Settings, threads: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings.with_(cpu_bound_threads=threads))
    # In a thread of its own: a browser test before may have left an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        most, registry = pool.submit(asyncio.run, _most_at_once(app, monkeypatch)).result()
    chosen = 0 if threads is None else threads
    # none: on the event loop, one search after the other
    assert (most, registry) == (max(chosen, 1), 200)


def test_the_setting_is_read_and_checked() -> None:
    base = {"PORTAL_SECRET_KEY": "k" * 40}
    assert load_settings(base).cpu_bound_threads is None  # none: on the event loop
    assert load_settings({**base, "PORTAL_CPU_BOUND_THREADS": "3"}).cpu_bound_threads == 3
    assert load_settings({**base, "PORTAL_CPU_BOUND_THREADS": "0"}).cpu_bound_threads == 0
    assert load_settings({**base, "PORTAL_CPU_BOUND_THREADS": "-2"}).cpu_bound_threads == 0
    with pytest.raises(SettingsError, match="PORTAL_CPU_BOUND_THREADS must be a whole number"):
        load_settings({**base, "PORTAL_CPU_BOUND_THREADS": "beaucoup"})


async def _threads_of_views(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """For three views of one search: (what ran, whether on the event loop's thread)."""
    from portal.council import routes

    loop_thread = threading.get_ident()
    seen: list[tuple[str, bool]] = []
    real_search, real_shared = facets.search, routes.shared_response
    real_cached = routes.cached_shared_page

    def kept_or_rendered(*args: Any, **kwargs: Any) -> Any:
        seen.append(("kept or rendered", threading.get_ident() == loop_thread))
        return real_cached(*args, **kwargs)

    def searching(*args: Any, **kwargs: Any) -> Any:
        seen.append(("search", threading.get_ident() == loop_thread))
        return real_search(*args, **kwargs)

    def serving(*args: Any, **kwargs: Any) -> Any:
        seen.append(("shared page", threading.get_ident() == loop_thread))
        return real_shared(*args, **kwargs)

    monkeypatch.setattr(facets, "search", searching)
    monkeypatch.setattr(routes, "shared_response", serving)
    monkeypatch.setattr(routes, "cached_shared_page", kept_or_rendered)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for _ in range(3):
            page = await client.get(
                "/council/search", params={"q": "budget"}, cookies={"portal_flash": "none"}
            )
            assert page.status_code == 200 and "budget" in page.text
    return seen


def test_a_kept_search_page_is_served_without_a_thread(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first view of a search finds it in a thread (rendered for its visitor alone), the
    second renders the shared page there too; the third, the kept page of the same state of
    the index, is served on the event loop (route inline_first) from the page it checked: no
    search runs there, nor a second look in the cache, which a thread may have changed since."""
    app = create_app(settings.with_(cpu_bound_threads=1))
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(asyncio.run, _threads_of_views(app, monkeypatch)).result()
    assert seen == [
        ("search", False),
        ("kept or rendered", False),
        ("search", False),
        ("shared page", False),
        ("shared page", True),
    ]


def test_without_threads_every_view_runs_once_on_the_event_loop(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no thread for them (SQLite's default), the three views run on the event loop, each
    once: no attempt that gives up for a thread and starts again."""
    app = create_app(settings.with_(cpu_bound_threads=0))
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(asyncio.run, _threads_of_views(app, monkeypatch)).result()
    assert seen == [
        ("search", True),
        ("kept or rendered", True),
        ("search", True),
        ("shared page", True),
        ("kept or rendered", True),
        ("shared page", True),
    ]
