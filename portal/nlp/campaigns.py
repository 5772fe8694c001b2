"""Copy-paste campaigns: what each copy changed (a word diff against the first copy) and whether
the copies arrived in a burst. Plain Python (no numpy, no spaCy): the web process uses it to show
a published synthesis.

How campaigns are weighed (said on the method page): a group of near-copies counts once when the
themes are formed and once in a theme's number of distinct arguments; the theme's number of
comments counts every copy.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

BURST_MIN_COPIES = 10  # at least this many copies ...
BURST_SHARE = 0.5  # ... and at least this share of the group ...
BURST_WINDOW = timedelta(minutes=60)  # ... posted within this window
TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class Change:
    """One run of words a copy removed (`-`) or added (`+`) against the first copy."""

    op: str
    words: str


@dataclass(frozen=True)
class Variant:
    comment_id: Hashable
    changes: list[Change]  # empty: the copy is identical to the first


@dataclass(frozen=True)
class Campaign:
    ids: list[Hashable]  # first copy first (earliest when times are known)
    first_text: str
    variants: list[Variant]  # every copy after the first, in order
    burst: bool
    burst_copies: int  # the most copies found within BURST_WINDOW
    span: timedelta | None  # first to last copy, when times are known

    @property
    def identical(self) -> int:
        return sum(1 for v in self.variants if not v.changes)


def word_diff(first: str, other: str) -> list[Change]:
    """The words `other` removed from and added to `first`, in reading order."""
    a, b = TOKEN.findall(first), TOKEN.findall(other)
    changes: list[Change] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            changes.append(Change("-", " ".join(a[i1:i2])))
        if tag in ("replace", "insert"):
            changes.append(Change("+", " ".join(b[j1:j2])))
    return changes


def _burst(times: list[datetime]) -> int:
    """The largest number of copies posted within BURST_WINDOW of each other."""
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] > BURST_WINDOW:
            start += 1
        best = max(best, end - start + 1)
    return best


def describe(
    ids: Sequence[Hashable],
    texts: Mapping[Hashable, str],
    created_at: Mapping[Hashable, datetime] | None = None,
) -> Campaign:
    """A group of near-copies: ordered by time when known (then as given), each copy's word
    diff against the first, and the burst flag (BURST_MIN_COPIES copies, at least BURST_SHARE of
    the group, within BURST_WINDOW)."""
    times = created_at or {}
    order = sorted(
        range(len(ids)),
        key=lambda k: (times.get(ids[k]) is None, times.get(ids[k]) or datetime.min, k),
    )
    ordered = [ids[k] for k in order]
    first = texts[ordered[0]]
    variants = [Variant(cid, word_diff(first, texts[cid])) for cid in ordered[1:]]
    known = [times[cid] for cid in ordered if cid in times]
    in_window = _burst(known) if known else 0
    burst = in_window >= BURST_MIN_COPIES and in_window >= BURST_SHARE * len(ordered)
    span = max(known) - min(known) if len(known) > 1 else None
    return Campaign(ordered, first, variants, burst, in_window, span)
