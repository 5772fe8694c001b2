"""The fragment cache keeps a bounded amount of HTML: whatever addresses visitors make up (a
page of comments past the last one, any query string), a web process's memory stays bounded."""

from __future__ import annotations

import sys

from portal.web.cache import FragmentCache, SharedFragment, SharedPage, Slot, footprint


def test_the_oldest_entries_go_when_the_memory_exceeds_the_bound() -> None:
    one = footprint(SharedFragment({0: "x" * 300}, ())) + footprint(("page", 0))
    cache = FragmentCache(max_entries=100, max_bytes=3 * one + 10)
    for n in range(5):
        cache.put(("page", n), SharedFragment({0: "x" * 300}, ()))
    assert len(cache) == 3  # three kept; the two oldest went
    assert cache.get(("page", 0)) is None and cache.get(("page", 1)) is None
    assert cache.get(("page", 4)) is not None
    # 600 characters of a shared page weigh about five such fragments (its text, cut at its
    # markers and encoded): only the newest fragment stays beside it.
    page = SharedPage(("a" * 200, "b" * 200), (Slot("t.html", {}, "c" * 200),), {})
    cache = FragmentCache(max_entries=100, max_bytes=footprint(page) + 2 * one - 10)
    for n in range(5):
        cache.put(("page", n), SharedFragment({0: "x" * 300}, ()))
    cache.put(("shared", 1), page)
    assert len(cache) == 2 and cache.get(("page", 4)) is not None
    cache.put(("shared", 1), page)  # the same key again is not counted twice
    assert len(cache) == 2


def test_a_kept_page_is_counted_with_its_cut_and_encoded_copies_and_its_key() -> None:
    """A shared page holds its text several times (as rendered, cut at its markers, encoded):
    all of it counts, and so does a long key (an address's query string)."""
    text = "é" * 10_000  # two bytes a character in Python
    page = SharedPage((text, text), (Slot("t.html", {}, text),), {})
    assert footprint(page) > 6 * sys.getsizeof(text) // 2
    assert footprint(("k", "q" * 50_000)) > 50_000


def test_the_count_bound_still_holds() -> None:
    cache = FragmentCache(max_entries=2, max_bytes=10**9)
    for n in range(3):
        cache.put(("page", n), SharedFragment({0: "x"}, ()))
    assert len(cache) == 2 and cache.get(("page", 0)) is None


def test_a_shared_page_gives_each_visitor_their_values_and_only_their_slots() -> None:
    """Markers replaced by the visitor's values; a slot is rendered for a visitor only when its
    marks or authors hold theirs, otherwise every visitor gets its default."""
    page = SharedPage(
        ("<p>TOKEN NAME</p>", "<p>TOKEN</p>"),
        (Slot("t.html", {}, "<b>default TOKEN</b>", frozenset({("comment", 3)}), frozenset({7})),),
        {"csrf_token": "TOKEN", "display_name": "NAME"},
    )
    values = {"csrf_token": "tok", "display_name": "Ana &amp; Bo"}
    mine = page.assemble(values, user_id=7, render_slot=lambda _s: "<b>hers</b>")
    assert mine == "<p>tok Ana &amp; Bo</p><b>hers</b><p>tok</p>"
    marked = page.assemble(
        values, user_id=8, marks={("comment", 3)}, render_slot=lambda _s: "<b>his</b>"
    )
    assert marked == "<p>tok Ana &amp; Bo</p><b>his</b><p>tok</p>"
    other = page.assemble(values, user_id=9, marks={("comment", 4)}, render_slot=lambda _s: "!")
    assert other == "<p>tok Ana &amp; Bo</p><b>default tok</b><p>tok</p>"
    anonymous = page.assemble(values, render_slot=lambda _s: "!")
    assert "!" not in anonymous
