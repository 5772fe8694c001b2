"""Differences between two versions of the charter: clause by clause, then word by word.

Clauses are matched by their stable slug, then (for renamed slugs) by text similarity. Each clause
is reported as added, removed, moved, changed or unchanged (a clause can be moved and changed).
The HTML rendering uses <ins>/<del> with visually hidden French labels, so a screen reader announces
each change and nothing relies on colour alone.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from markupsafe import Markup, escape

from portal.web.i18n import N_
from portal.web.i18n import gettext as _

Op = Literal["equal", "insert", "delete"]
Status = Literal["added", "removed", "moved", "changed", "unchanged"]
TOKEN = re.compile(r"\s+|[\w'’-]+|[^\w\s]", re.UNICODE)
SIMILAR_ENOUGH = 0.6


@dataclass(frozen=True)
class ClauseText:
    """What the diff needs of a clause: a stable key, its position, title and body."""

    slug: str
    number: int
    title: str
    body: str


@dataclass(frozen=True)
class Segment:
    op: Op
    text: str


@dataclass(frozen=True)
class ClauseDiff:
    status: Status
    old: ClauseText | None
    new: ClauseText | None
    title: list[Segment] = field(default_factory=list)
    body: list[Segment] = field(default_factory=list)
    moved: bool = False

    @property
    def changed(self) -> bool:
        return any(s.op != "equal" for s in [*self.title, *self.body])


@dataclass(frozen=True)
class VersionDiff:
    clauses: list[ClauseDiff]

    def count(self, status: Status) -> int:
        return sum(1 for c in self.clauses if c.status == status or (status == "moved" and c.moved))

    @property
    def identical(self) -> bool:
        return all(c.status == "unchanged" for c in self.clauses)


def tokenize(text: str) -> list[str]:
    return TOKEN.findall(text or "")


SOFT_BREAK = re.compile(r"[ \t]*(?<!\n)\n(?!\n)[ \t]*")


def normalise(text: str) -> str:
    """Markdown soft line breaks are spaces: re-wrapping a paragraph is not a change."""
    return SOFT_BREAK.sub(" ", (text or "").strip())


def diff_text(old: str, new: str) -> list[Segment]:
    """Word-level difference; consecutive pieces with the same operation are merged."""
    a, b = tokenize(normalise(old)), tokenize(normalise(new))
    segments: list[Segment] = []

    def push(op: Op, tokens: list[str]) -> None:
        if not tokens:
            return
        text = "".join(tokens)
        if segments and segments[-1].op == op:
            segments[-1] = Segment(op, segments[-1].text + text)
        else:
            segments.append(Segment(op, text))

    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            push("equal", a[i1:i2])
        else:
            push("delete", a[i1:i2])
            push("insert", b[j1:j2])
    return segments


def _similarity(a: ClauseText, b: ClauseText) -> float:
    return difflib.SequenceMatcher(
        a=tokenize(a.title + " " + a.body), b=tokenize(b.title + " " + b.body)
    ).ratio()


def _match(old: Sequence[ClauseText], new: Sequence[ClauseText]) -> dict[int, int]:
    """new index -> old index, by slug first, then by best similarity among the unmatched."""
    by_slug = {c.slug: i for i, c in enumerate(old)}
    pairs: dict[int, int] = {}
    for j, clause in enumerate(new):
        if clause.slug in by_slug:
            pairs[j] = by_slug[clause.slug]
    free_old = [i for i in range(len(old)) if i not in pairs.values()]
    for j in [j for j in range(len(new)) if j not in pairs]:
        scored = sorted(((_similarity(old[i], new[j]), i) for i in free_old), reverse=True)
        if scored and scored[0][0] >= SIMILAR_ENOUGH:
            pairs[j] = scored[0][1]
            free_old.remove(scored[0][1])
    return pairs


def _moved(pairs: dict[int, int]) -> set[int]:
    """New indexes whose clause left the relative order of the others (longest increasing run)."""
    items = sorted(pairs.items())
    olds = [o for _, o in items]
    # Longest increasing subsequence of old positions: those clauses kept their order.
    best: list[int] = []
    links: list[int] = [-1] * len(olds)
    tails: list[int] = []
    for k, value in enumerate(olds):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if olds[tails[mid]] < value:
                lo = mid + 1
            else:
                hi = mid
        if lo > 0:
            links[k] = tails[lo - 1]
        if lo == len(tails):
            tails.append(k)
        else:
            tails[lo] = k
    k = tails[-1] if tails else -1
    while k != -1:
        best.append(k)
        k = links[k]
    kept = {items[k][0] for k in best}
    return {j for j, _ in items if j not in kept}


def diff_versions(old: Sequence[ClauseText], new: Sequence[ClauseText]) -> VersionDiff:
    pairs = _match(old, new)
    moved = _moved(pairs)
    result: list[ClauseDiff] = []
    matched_old = set(pairs.values())
    removed = [i for i in range(len(old)) if i not in matched_old]
    for j, clause in enumerate(new):
        # Show removed clauses where they stood, just before the next surviving neighbour.
        while removed and j in pairs and removed[0] < pairs[j]:
            i = removed.pop(0)
            result.append(
                ClauseDiff(
                    "removed", old[i], None, diff_text(old[i].title, ""), diff_text(old[i].body, "")
                )
            )
        if j not in pairs:
            result.append(
                ClauseDiff(
                    "added", None, clause, diff_text("", clause.title), diff_text("", clause.body)
                )
            )
            continue
        before = old[pairs[j]]
        title, body = diff_text(before.title, clause.title), diff_text(before.body, clause.body)
        changed = any(s.op != "equal" for s in [*title, *body])
        status: Status = "moved" if j in moved else ("changed" if changed else "unchanged")
        if j in moved and changed:
            status = "changed"
        result.append(ClauseDiff(status, before, clause, title, body, moved=j in moved))
    for i in removed:
        result.append(
            ClauseDiff(
                "removed", old[i], None, diff_text(old[i].title, ""), diff_text(old[i].body, "")
            )
        )
    return VersionDiff(result)


LABELS = {  # marked with N_ so that they are extracted; translated when the diff is rendered
    "insert": (N_("début d'ajout"), N_("fin d'ajout")),
    "delete": (N_("début de suppression"), N_("fin de suppression")),
}


def render_segments_html(segments: Sequence[Segment]) -> Markup:
    """<ins>/<del> with hidden spoken labels; all text escaped."""

    parts: list[str] = []
    for segment in segments:
        text = str(escape(segment.text))
        if segment.op == "equal":
            parts.append(text)
            continue
        start, end = LABELS[segment.op]
        tag = "ins" if segment.op == "insert" else "del"
        parts.append(
            f'<{tag}><span class="visually-hidden">[{escape(_(start))}] </span>{text}'
            f'<span class="visually-hidden"> [{escape(_(end))}]</span></{tag}>'
        )
    return Markup("".join(parts))  # noqa: S704 - every piece is escaped above


def render_text_diff(old: str, new: str) -> Markup:
    """Convenience: the word diff of two texts, as accessible HTML."""
    return render_segments_html(diff_text(old, new))


@lru_cache(maxsize=1024)
def diff_html(old: str, new: str, locale: str) -> tuple[Markup, bool]:
    """The word-level difference of two texts as HTML, and whether anything changed. Diffing is
    among the largest costs of a page that shows one (a clause's history, a proposal: 27 % of
    a proposal page's CPU in the profile, docs/benchmarks.md), and the same pair of texts gives
    the same HTML: each pair is diffed once per process and interface language (the spoken
    labels are translated). An edited text is another pair."""
    segments = diff_text(old, new)
    return render_segments_html(segments), any(s.op != "equal" for s in segments)
