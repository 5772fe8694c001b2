"""A micro-cache for anonymous pages: a few seconds of reuse for what every visitor sees alike.

Only routes declared `route(..., cache_seconds=N)` use it, only for GET requests from visitors with
no session and no pending flash message, and only for 200 responses that set no cookie. The
visitor-specific CSRF token is rendered as a sentinel and substituted on the way out, so forms
keep working. Signed-in people always get a fresh page, and any successful write in this process
clears the cache; other processes see new content within `cache_seconds`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

CSRF_SENTINEL = "__csrf_token_placeholder_7f3a__"
MAX_ENTRIES = 512


@dataclass(frozen=True)
class CachedPage:
    expires_at: float
    status: int
    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...]


class PageCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[tuple[str, str, str], CachedPage] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, key: tuple[str, str, str]) -> CachedPage | None:
        with self._lock:
            page = self._entries.get(key)
            if page is None:
                return None
            if page.expires_at < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return page

    def put(self, key: tuple[str, str, str], page: CachedPage) -> None:
        with self._lock:
            self._entries[key] = page
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
