"""A kept draft of a published entry, brought up to the version online: a three-way merge by
field.

The agent started the draft from the entry's revision `base`; someone has published since. For
every field (a group's parts one by one, a list as a whole): changed online only, the online
value is taken; changed by the agent only, the agent's is kept; changed on both sides to
different values, the agent's is kept and the field is reported, beside it, to the agent and to
the reviewer. Nothing here stores anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portal.registry.editor.form import PART_LABELS, parse, to_form
from portal.web.i18n import gettext as _


@dataclass(frozen=True)
class Rebased:
    """The agent's entry over the version online, and what that took."""

    data: dict[str, Any]
    base_revision: int
    online_revision: int
    changed_online: list[str] = field(default_factory=list)  # dotted paths, online since base
    conflicts: list[str] = field(default_factory=list)  # changed on both sides: agent's kept


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _same(a: Any, b: Any) -> bool:
    return a == b or (_blank(a) and _blank(b))


def _group(*values: Any) -> bool:
    return all(isinstance(v, dict) or _blank(v) for v in values) and any(
        isinstance(v, dict) for v in values
    )


def as_typed(data: dict[str, Any] | None) -> dict[str, Any]:
    """An entry as the form gives it back (empty values dropped, numbers as the form reads
    them), so that the same entry stored and typed compares equal."""
    return parse(to_form(data or {}))[0]


def merge(
    base: dict[str, Any], online: dict[str, Any], mine: dict[str, Any]
) -> tuple[dict[str, Any], list[str], list[str]]:
    """The agent's entry with the online value of every field the agent left as in `base`;
    returns it, the fields changed online and the fields changed on both sides."""
    changed_online: list[str] = []
    conflicts: list[str] = []

    def walk(b: Any, o: Any, m: Any, path: str) -> Any:
        if _group(b, o, m):
            b, o, m = b or {}, o or {}, m or {}
            keys = [*m, *(k for k in o if k not in m), *(k for k in b if k not in m and k not in o)]
            return {k: walk(b.get(k), o.get(k), m.get(k), f"{path}.{k}" if path else k)
                    for k in keys}  # fmt: skip
        if _same(b, o):
            return m
        changed_online.append(path)
        if _same(b, m):
            return o
        if not _same(m, o):
            conflicts.append(path)
        return m

    merged = walk(base, online, mine, "")
    return merged, changed_online, conflicts


def rebase(
    base: dict[str, Any] | None,
    online: dict[str, Any],
    mine: dict[str, Any],
    *,
    base_revision: int,
    online_revision: int,
) -> tuple[Rebased, dict[str, str]]:
    """`mine` (the parsed form) over the version online; with the form's errors of the result.
    An unknown base (history missing) counts every field the agent has differently as changed
    on both sides."""
    known = as_typed(base) if base is not None else as_typed(online)
    now = as_typed(online)
    if base is None:
        merged = dict(mine)
        changed: list[str] = []
        conflicts = [k for k in {*mine, *now} if not _same(mine.get(k), now.get(k))]
    else:
        merged, changed, conflicts = merge(known, now, mine)
    data, errors = parse(to_form(merged))
    return Rebased(data, base_revision, online_revision, changed, sorted(conflicts)), errors


def label_of(path: str, labels: dict[str, str]) -> str:
    """A dotted field path in words: "Contact humain — Canaux"."""
    first, *rest = path.split(".")
    parts = [labels.get(first, first)]
    parts += [_(PART_LABELS[k]) if k in PART_LABELS else k for k in rest if not k.isdigit()]
    return " — ".join(parts)


def flagged(path: str, conflicts: list[str] | None) -> bool:
    """Whether a field (or a row or part of it) is one of `conflicts`."""
    return any(path == c or path.startswith(c + ".") for c in conflicts or ())
