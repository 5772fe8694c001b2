"""A micro-cache for anonymous pages: a few seconds of reuse for what every visitor sees alike.

Only routes declared `route(..., cache_seconds=N)` use it, only for GET requests from visitors with
no session and no pending flash message, and only for 200 responses that set no cookie
(`PageCache.put` itself refuses a page with a Set-Cookie header, whoever calls it).

The visitor-specific CSRF token never enters a cached body. A render meant for the cache uses a
marker drawn at random for that render alone (it never leaves the server), and the body is cut at
the marker into segments at once; each visitor gets the segments joined by their own token. The only string looked for in
a rendered body is that marker, which no person can know: a comment can quote any text it likes
(the old fixed placeholder included), it is never the marker of the render that shows it. Signed-in people always get a fresh page, and any successful write in this process
clears the cache; other processes see new content within `cache_seconds`.
"""

from __future__ import annotations

import re
import secrets
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from starlette.requests import Request

MAX_ENTRIES = 512


def request_target(scope: dict[str, Any]) -> tuple[str, str]:
    """`(request.url.path, request.url.query)` read from the ASGI scope, without building
    Starlette's URL (its host parsing and urlsplit were a tenth of an anonymous view of a kept
    page; issue 18). The same strings as Starlette gives: its path escapes `?`, `#` and `\\`,
    and a path or query holding what urlsplit removes or reads otherwise (tab, CR, LF, a
    leading `//` or a control character) is left to Starlette. Read once per request (the NUL
    check, the page cache's key and a shared page's address ask for it): kept in the scope."""
    known: tuple[str, str] | None = scope.get(_TARGET_KEY)
    if known is not None:
        return known
    found = _target(scope)
    scope[_TARGET_KEY] = found
    return found


_TARGET_KEY = "portal.request_target"


def _target(scope: dict[str, Any]) -> tuple[str, str]:
    path: str = scope["path"]
    query = scope.get("query_string", b"").decode()
    if _URLSPLIT_CHANGES.search(path) or _URLSPLIT_CHANGES.search(query) or path[:2] == "//":
        url = Request(scope).url
        return url.path, url.query
    return path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C"), query


# What urlsplit strips, removes or may read as a URL's other parts (a C0 control, a space).
_URLSPLIT_CHANGES = re.compile(r"[\x00-\x20\x7f]")


def new_marker() -> str:
    """An unguessable stand-in for the CSRF token in one render (URL-safe, so escaping keeps it)."""
    return "csrf-marker-" + secrets.token_urlsafe(24)


def split_at_marker(body: bytes, marker: str) -> tuple[bytes, ...]:
    """The body as the parts between the marker's places: joined by a token, it is the page."""
    return tuple(body.split(marker.encode()))


@dataclass(frozen=True)
class CachedPage:
    expires_at: float
    status: int
    segments: tuple[bytes, ...]
    media_type: str
    headers: tuple[tuple[bytes, bytes], ...]

    def body_for(self, token: str) -> bytes:
        return token.encode().join(self.segments)


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
        """Store `page`, unless it sets a cookie or is not a plain 200 page: a Set-Cookie (a
        session, a flash, a language) belongs to one visitor and must never be replayed."""
        if page.status != 200 or any(k.lower() == b"set-cookie" for k, _v in page.headers):
            return
        with self._lock:
            self._entries[key] = page
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# --- shared fragments -------------------------------------------------------------------------
#
# Parts of a page that every visitor of a kind sees alike (the charter's text, a page of
# comments as a signed-in resident who wrote and supported none of them sees it) are rendered
# once per web process and kept under a key that ends with a *generation*: a counter the domain
# stores in the database and raises in the same transaction as every write that could change the
# fragment. A request reads the counter (one cheap query) and builds the key with it, so a
# fragment rendered before a write committed is never used again, in any process; a fragment
# can only be newer than its key says. Visitor-specific values (the CSRF token, a form's key)
# are rendered as random markers, as in the page cache, and replaced for each visitor; whatever
# is personal (my supports, my comments' edit buttons) is not in the shared fragment at all.

FRAGMENT_ENTRIES = 4096
# And at most this many bytes of memory in all (a shared page is a whole page, tens of kB, kept
# as text, cut at its markers and encoded: about six times its characters, see `footprint`):
# whatever addresses a visitor makes up, a process keeps a bounded amount.
FRAGMENT_BYTES = 64 * 1024 * 1024

FragmentKey = tuple[object, ...]


@dataclass(frozen=True)
class SharedFragment:
    """Rendered HTML parts, by id, with the markers standing for one visitor's values."""

    parts: dict[int, str]
    markers: tuple[str, ...]

    def for_visitor(self, *values: str) -> dict[int, str]:
        """The parts with each marker replaced by the visitor's value (same order)."""
        out = {}
        for key, part in self.parts.items():
            for marker, value in zip(self.markers, values, strict=True):
                part = part.replace(marker, value)
            out[key] = part
        return out


class FragmentCache:
    """A bounded, thread-safe store of shared fragments and shared pages, one per web process
    (app.state)."""

    def __init__(
        self, max_entries: int = FRAGMENT_ENTRIES, max_bytes: int = FRAGMENT_BYTES
    ) -> None:
        self._entries: OrderedDict[FragmentKey, Any] = OrderedDict()
        self._sizes: dict[FragmentKey, int] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self._max = max_entries
        self._max_bytes = max_bytes
        # The keys asked for once lately (twice as many as entries kept): see `asked_before`.
        self._seen: OrderedDict[Hashable, None] = OrderedDict()

    def get(self, key: FragmentKey) -> Any:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: FragmentKey, fragment: Any) -> None:
        size = footprint(fragment) + footprint(key)
        with self._lock:
            self._entries[key] = fragment
            self._entries.move_to_end(key)
            self._bytes += size - self._sizes.get(key, 0)
            self._sizes[key] = size
            while len(self._entries) > 1 and (
                len(self._entries) > self._max or self._bytes > self._max_bytes
            ):
                old, _fragment = self._entries.popitem(last=False)
                self._bytes -= self._sizes.pop(old, 0)

    def asked_before(self, key: FragmentKey) -> bool:
        """Whether `key` was asked for lately (and remember that it is now): a page whose address
        is seen for the first time is rendered for its visitor alone, and kept only when asked
        for again. A search typed once, as most are, then costs no more than before (cutting and
        keeping a 30 kB page was an eighth of a search's CPU) and takes no room from the pages
        asked for often."""
        with self._lock:
            if key in self._seen:
                self._seen.move_to_end(key)
                return True
            self._seen[key] = None
            if len(self._seen) > 2 * self._max:
                self._seen.popitem(last=False)
            return False

    def __len__(self) -> int:
        return len(self._entries)


def footprint(value: Any) -> int:
    """The bytes a kept value holds in its texts (str and bytes objects, as sys.getsizeof counts
    them): a shared page's pieces, slots' defaults, the same cut at its markers and encoded; a
    fragment's parts; a key's parts. Containers themselves are not counted."""
    if isinstance(value, (str, bytes)):
        return sys.getsizeof(value)
    if isinstance(value, SharedPage):
        texts: list[Any] = [*value.pieces, *(slot.default for slot in value.slots)]
        for name in ("_pieces", "_defaults"):
            texts += [t for cut in getattr(value, name) for t in cut]
        texts += [*value._flat, *value._flat_bytes]  # type: ignore[attr-defined]
        return sum(sys.getsizeof(t) for t in texts)
    if isinstance(value, SharedFragment):
        return sum(sys.getsizeof(part) for part in value.parts.values())
    if isinstance(value, tuple):
        return sum(footprint(v) for v in value)
    return 0


def fragment_cache(app: object) -> FragmentCache:
    """The fragment cache of this app instance (two apps in one process keep their own)."""
    state = app.state  # type: ignore[attr-defined]
    cache = getattr(state, "fragment_cache", None)
    if cache is None:
        cache = FragmentCache()
        state.fragment_cache = cache
    return cache


# --- shared pages -----------------------------------------------------------------------------
#
# A whole page rendered once per process for a *kind* of visitor (anonymous, or signed in with a
# given set of roles), language, address and generation, then given to each visitor of that kind
# with what is theirs: their CSRF token, form key and name as markers replaced at once, and the
# few parts that depend on what they did (their supports, follows, own comments) as *slots*. A
# slot keeps the HTML every visitor of the kind sees (its default, rendered with the page); the
# page's own code says, from the visitor's marks (one query), which slots are theirs, and only
# those are rendered again for them (portal/web/templating.py: `render_shared_page`, `SlotRecorder`),
# once for everyone whose own parts in the slot are the same (`SharedPage.variant`: a thread as
# its supporters see it is rendered once, with markers, and kept with the page).


@dataclass(frozen=True)
class Slot:
    """A part of a shared page that may be personal: the template that draws it, the values
    it was given, the HTML a visitor with nothing of theirs in it sees, and what makes it
    someone's (`marks`: their supports or follows; `authors`: people who wrote in it)."""

    template: str
    values: dict[str, Any]
    default: str
    marks: frozenset[object] = frozenset()
    authors: frozenset[int] = frozenset()

    def is_for(self, user_id: int | None, marks: set[Any] | frozenset[Any]) -> bool:
        return user_id is not None and (user_id in self.authors or not self.marks.isdisjoint(marks))


@dataclass(frozen=True)
class SharedPage:
    """A page for every visitor of a kind: `pieces` around `slots` (len(pieces) = len(slots) + 1),
    `markers` (name -> marker) standing for each visitor's values, and `data`: what the page's
    code needs per request (the ids whose marks it reads, the values it personalises with)."""

    pieces: tuple[str, ...]
    slots: tuple[Slot, ...]
    markers: dict[str, str]
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def parts(self) -> dict[int, str]:
        """Everything this page shares between visitors (pieces and slots' defaults), by
        position: what must hold nothing of any one visitor."""
        texts = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            texts += [slot.default, piece]
        return dict(enumerate(texts))

    def __post_init__(self) -> None:
        # Each shared text cut once at its markers: (text, name, text, name, …, text), so a
        # view joins strings instead of searching the page for each marker.
        cut = self.cut_at_markers
        object.__setattr__(self, "_pieces", tuple(cut(p) for p in self.pieces))
        object.__setattr__(self, "_defaults", tuple(cut(s.default) for s in self.slots))
        # …and the page as every slot's default shows it, as one such sequence with the texts
        # between two markers joined: what a visitor with no slot of their own gets (every
        # anonymous view, most signed-in ones), filled by two C-level calls, not a loop.
        flat: list[str] = list(self._pieces[0])  # type: ignore[attr-defined]
        for n in range(len(self.slots)):
            for parts in (self._defaults[n], self._pieces[n + 1]):  # type: ignore[attr-defined]
                flat[-1] += parts[0]
                flat.extend(parts[1:])
        names = flat[1::2]
        object.__setattr__(self, "_flat", tuple(flat))
        # itemgetter gives a tuple only for two names or more.
        getter = itemgetter(*names) if len(names) > 1 else lambda m: tuple(m[n] for n in names)
        object.__setattr__(self, "_flat_values", getter)
        # The same as UTF-8 bytes, encoded once: a view then encodes only its own values, not
        # the whole page (encoding a 50 kB page was a tenth of an anonymous view's CPU).
        object.__setattr__(self, "_flat_bytes", tuple(text.encode() for text in flat[0::2]))
        object.__setattr__(
            self, "_markers_bytes", {name: marker.encode() for name, marker in self.markers.items()}
        )

    def assemble(
        self,
        values: dict[str, str],
        *,
        user_id: int | None = None,
        marks: set[Any] | frozenset[Any] = frozenset(),
        render_slot: Callable[[Slot], str | SlotVariant] | None = None,
    ) -> str:
        """The page for one visitor: each marker replaced by their value (`values`, by the
        markers' names, already escaped for HTML; a marker without a value stays), and the
        slots that are theirs rendered by `render_slot` (with their real values: its output
        is not searched for markers)."""
        if (
            render_slot is None
            or user_id is None
            or not any(slot.is_for(user_id, marks) for slot in self.slots)
        ):
            flat: tuple[str, ...] = self._flat  # type: ignore[attr-defined]
            if len(flat) == 1:
                return flat[0]
            page = list(flat)
            page[1::2] = self._flat_values({**self.markers, **values})  # type: ignore[attr-defined]
            return "".join(page)
        out: list[str] = []
        add = out.append

        def fill(parts: tuple[str, ...]) -> None:
            add(parts[0])
            for i in range(1, len(parts), 2):
                name = parts[i]
                add(values.get(name, self.markers[name]))
                add(parts[i + 1])

        pieces: tuple[tuple[str, ...], ...] = self._pieces  # type: ignore[attr-defined]
        defaults: tuple[tuple[str, ...], ...] = self._defaults  # type: ignore[attr-defined]
        fill(pieces[0])
        for n, slot in enumerate(self.slots):
            if render_slot is not None and slot.is_for(user_id, marks):
                own = render_slot(slot)
                if isinstance(own, SlotVariant):
                    fill(own.parts)
                else:
                    add(own)
            else:
                fill(defaults[n])
            fill(pieces[n + 1])
        return "".join(out)

    def assemble_bytes(
        self,
        values: dict[str, str],
        *,
        user_id: int | None = None,
        marks: set[Any] | frozenset[Any] = frozenset(),
        render_slot: Callable[[Slot], str | SlotVariant] | None = None,
    ) -> bytes:
        """`assemble` as UTF-8 bytes: for a visitor with no slot of their own, the page's texts
        already encoded joined with their values, without encoding the page itself."""
        if (
            render_slot is None
            or user_id is None
            or not any(slot.is_for(user_id, marks) for slot in self.slots)
        ):
            texts: tuple[bytes, ...] = self._flat_bytes  # type: ignore[attr-defined]
            if len(texts) == 1:
                return texts[0]
            encoded = {**self._markers_bytes}  # type: ignore[attr-defined]
            encoded.update((name, value.encode()) for name, value in values.items())
            page = [b""] * (2 * len(texts) - 1)
            page[0::2] = texts
            page[1::2] = self._flat_values(encoded)  # type: ignore[attr-defined]
            return b"".join(page)
        return self.assemble(values, user_id=user_id, marks=marks, render_slot=render_slot).encode()

    def cut_at_markers(self, text: str) -> tuple[str, ...]:
        """`text` as (text, marker name, text, …, text), as the page's own parts are kept."""
        if not self.markers:
            return (text,)
        finder = re.compile("(" + "|".join(map(re.escape, self.markers.values())) + ")")
        names = {marker: name for name, marker in self.markers.items()}
        parts = finder.split(text)
        parts[1::2] = [names[m] for m in parts[1::2]]
        return tuple(parts)

    def variant(self, slot: Slot, key: Hashable, render: Callable[[], str]) -> SlotVariant:
        """A slot as visitors whose own parts in it are the same (`key`: which of its
        comments they support, wrote, may still edit) see it, rendered once per page and
        key with the page's markers for their token, name and form key."""
        variants: dict[tuple[int, Hashable], SlotVariant] = self.data.setdefault("variants", {})
        found = variants.get((id(slot), key))
        if found is None:
            found = SlotVariant(self.cut_at_markers(render()))
            if len(variants) < MAX_VARIANTS:
                variants[(id(slot), key)] = found
        return found


# A page keeps at most this many personal variants of its slots (a variant is a thread or a
# button as its supporters or author see it; past this, further ones are rendered each view).
# They are not counted in the fragment cache's size budget: 256 threads of a few kB each keep a
# page's extra memory to about a megabyte at most.
MAX_VARIANTS = 256


@dataclass(frozen=True)
class SlotVariant:
    """A slot rendered for a kind of visitor's own marks, cut at the page's markers."""

    parts: tuple[str, ...]
