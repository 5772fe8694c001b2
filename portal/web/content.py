"""The city's legal texts in `content/legal/`: front matter, `${placeholder}` names filled from
the settings, and the axe-core evidence the browser tests recorded. Reading only: the pages are in
legal.py, and every footer reads the conformity status from here (templating.py)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

from portal.settings import Settings

# slug of the page (its address) -> file in content/legal/
PAGES = {
    "accessibilite": "accessibilite.md",
    "mentions-legales": "mentions-legales.md",
    "donnees-personnelles": "donnees-personnelles.md",
    "cookies": "cookies.md",
}
EVIDENCE_FILE = "axe-evidence.json"
NOT_GIVEN = "(non renseigné)"


@dataclass(frozen=True)
class LegalText:
    """One file of content/legal/: its front matter and its Markdown body (placeholders left)."""

    title: str
    description: str
    body: str
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    """The axe-core run of the browser tests: when, with what, on which pages, what it found."""

    date: str
    axe_version: str
    rules: str
    widths: list[int]
    pages: list[dict[str, Any]]

    @property
    def violations(self) -> int:
        return sum(int(p.get("violations", 0)) for p in self.pages)


def _parse(raw: str) -> LegalText:
    meta: dict[str, str] = {}
    body = raw
    if raw.startswith("---\n"):
        head, sep, rest = raw[4:].partition("\n---\n")
        if sep:
            body = rest
            for line in head.splitlines():
                key, colon, value = line.partition(":")
                if colon:
                    meta[key.strip()] = value.strip()
    return LegalText(meta.get("title", ""), meta.get("description", ""), body, meta)


@lru_cache(maxsize=64)
def _read(path: Path, mtime_ns: int) -> LegalText | None:
    del mtime_ns  # part of the cache key: an edited file is read again
    return _parse(path.read_text(encoding="utf-8"))


def read_text(content_dir: Path, slug: str) -> LegalText | None:
    """The text of one legal page, or None when the city has not written it."""
    name = PAGES.get(slug)
    if name is None:
        return None
    path = content_dir / "legal" / name
    try:
        return _read(path, path.stat().st_mtime_ns)
    except (FileNotFoundError, UnicodeDecodeError):
        return None


def placeholders(settings: Settings, text: LegalText) -> dict[str, str]:
    city = settings.city
    values = {
        "city_name": city.name,
        "city_short_name": city.short_name,
        "city_official_name": city.official_name,
        "city_address": city.address,
        "city_phone": city.phone,
        "city_email": city.email,
        "city_hours": city.hours,
        "city_siret": city.siret,
        "city_website": city.website,
        "publication_director": city.publication_director,
        "host": city.host,
        "host_address": city.host_address,
        "dpo_email": city.dpo_email,
        "base_url": settings.base_url,
        "updated": city.legal_updated or text.meta.get("updated", ""),
    }
    return {key: value or NOT_GIVEN for key, value in values.items()}


def fill(settings: Settings, text: LegalText) -> str:
    return Template(text.body).safe_substitute(placeholders(settings, text))


# The statement's status as last read, per content directory: (when read, status). Every view of
# a shared page compares it with the page's (templating.shared_page_current); a stat() of the
# file on each view was 6 % of a kept search page's time (issue 18), so the file is looked at
# again at most every CONFORMITY_SECONDS: an edited statement shows within that time.
CONFORMITY_SECONDS = 1.0
_conformity: dict[Path, tuple[float, str]] = {}


def conformity(content_dir: Path) -> str:
    """The conformity status the statement declares, for every footer ("" without a statement)."""
    now = time.monotonic()
    last = _conformity.get(content_dir)
    if last is not None and now - last[0] < CONFORMITY_SECONDS:
        return last[1]
    text = read_text(content_dir, "accessibilite")
    status = text.meta.get("status", "") if text else ""
    if len(_conformity) > 64:  # content directories (tests make many)
        _conformity.clear()
    _conformity[content_dir] = (now, status)
    return status


@lru_cache(maxsize=8)
def _evidence(path: Path, mtime_ns: int) -> Evidence | None:
    del mtime_ns
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Evidence(
            date=str(data["date"]),
            axe_version=str(data["axe_version"]),
            rules=str(data["rules"]),
            widths=[int(w) for w in data["widths"]],
            pages=[dict(p) for p in data["pages"]],
        )
    except (ValueError, KeyError, TypeError):
        return None


def read_evidence(content_dir: Path) -> Evidence | None:
    path = content_dir / "legal" / EVIDENCE_FILE
    try:
        return _evidence(path, path.stat().st_mtime_ns)
    except FileNotFoundError:
        return None
