"""What a draft changes, field by field, in words: a cost row added, a channel's hours changed.

Reviewers read this instead of serialised YAML: each line names the field (and the row of a
list), says added / removed / changed, and gives the old and new values as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.registry.editor.form import PART_LABELS
from portal.web.i18n import gettext as _


@dataclass(frozen=True)
class FieldChange:
    where: str
    change: str  # added, removed, changed
    old: str
    new: str
    path: str = ""  # the field as a dotted path (`costs.0.year`)


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return " ; ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return " ; ".join(f"{_part(k)} : {_plain(v)}" for k, v in value.items())
    return str(value)


def _part(key: str) -> str:
    return _(PART_LABELS[key]) if key in PART_LABELS else key


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def field_changes(
    old: dict[str, Any] | None, new: dict[str, Any], labels: dict[str, str]
) -> list[FieldChange]:
    """Every leaf that differs between two entries, rows of lists compared by position."""
    found: list[FieldChange] = []

    def walk(a: Any, b: Any, where: str, path: str) -> None:
        if a == b or (_empty(a) and _empty(b)):
            return
        rows = b if _empty(a) else a
        if (_empty(a) or _empty(b)) and isinstance(rows, list) and len(rows) > 0:
            for i, row in enumerate(rows):  # a list of rows added or emptied: one line per row
                walk(None if _empty(a) else row, row if _empty(a) else None,
                     _("%(where)s, ligne %(n)s", where=where, n=i + 1), f"{path}.{i}")  # fmt: skip
            return
        whole = b if _empty(a) else a
        if (_empty(a) or _empty(b)) and isinstance(whole, dict):
            for key, value in whole.items():  # a group added or emptied: one line per field
                walk(None if _empty(a) else value, value if _empty(a) else None,
                     f"{where} — {_part(key)}", f"{path}.{key}")  # fmt: skip
            return
        if _empty(a):
            found.append(FieldChange(where, "added", "", _plain(b), path))
            return
        if _empty(b):
            found.append(FieldChange(where, "removed", _plain(a), "", path))
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in [*a.keys(), *(k for k in b if k not in a)]:
                walk(a.get(key), b.get(key), f"{where} — {_part(key)}", f"{path}.{key}")
            return
        if isinstance(a, list) and isinstance(b, list):
            if all(not isinstance(x, dict | list) for x in [*a, *b]):
                gone = [x for x in a if x not in b]
                came = [x for x in b if x not in a]
                for x in gone:
                    found.append(FieldChange(where, "removed", _plain(x), "", path))
                for x in came:
                    found.append(FieldChange(where, "added", "", _plain(x), path))
                return
            for i in range(max(len(a), len(b))):
                walk(a[i] if i < len(a) else None, b[i] if i < len(b) else None,
                     _("%(where)s, ligne %(n)s", where=where, n=i + 1), f"{path}.{i}")  # fmt: skip
            return
        found.append(FieldChange(where, "changed", _plain(a), _plain(b), path))

    old = old or {}
    for key in [*new.keys(), *(k for k in old if k not in new)]:
        walk(old.get(key), new.get(key), labels.get(key, key), key)
    return found
