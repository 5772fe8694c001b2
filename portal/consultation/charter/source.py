"""Load a charter from Markdown files with front matter (content/charter/ and its versions).

Layout: `charter.yaml` (title, preamble, ordered sections) and one `NN-slug.md` file per clause with
front matter `number`, `section`, `title`. Loading is all or nothing: any problem raises
CharterSourceError naming the file and the field, and nothing is returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CLAUSE_FILE = re.compile(r"^(\d+)-([a-z0-9-]+)\.md$")
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)


class CharterSourceError(ValueError):
    """The charter content is malformed; the message (in French) names the file and the field."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path} : {message}")
        self.path = path


@dataclass(frozen=True)
class SectionSource:
    slug: str
    title: str


@dataclass(frozen=True)
class ClauseSource:
    number: int
    section_slug: str
    title: str
    body: str
    slug: str


@dataclass(frozen=True)
class CharterSource:
    title: str
    preamble: str
    sections: list[SectionSource]
    clauses: list[ClauseSource]


def _require(data: dict[str, Any], key: str, path: Path, kind: type) -> Any:
    if key not in data or data[key] in (None, ""):
        raise CharterSourceError(path, f"le champ « {key} » est obligatoire")
    value = data[key]
    if not isinstance(value, kind):
        raise CharterSourceError(path, f"le champ « {key} » doit être du type {kind.__name__}")
    return value


def _read_yaml(path: Path, text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CharterSourceError(
            path, f"en-tête YAML illisible ({exc.__class__.__name__})"
        ) from exc
    if not isinstance(data, dict):
        raise CharterSourceError(path, "l'en-tête doit être un dictionnaire de champs")
    return data


def load_charter(folder: Path) -> CharterSource:
    index = folder / "charter.yaml"
    if not index.exists():
        raise CharterSourceError(index, "fichier manquant")
    meta = _read_yaml(index, index.read_text(encoding="utf-8"))
    title = _require(meta, "title", index, str)
    preamble = str(meta.get("preamble") or "").strip()
    sections = []
    for raw in _require(meta, "sections", index, list):
        if not isinstance(raw, dict):
            raise CharterSourceError(index, "chaque section doit avoir « slug » et « title »")
        sections.append(
            SectionSource(_require(raw, "slug", index, str), _require(raw, "title", index, str))
        )
    known_sections = {s.slug for s in sections}
    if len(known_sections) != len(sections):
        raise CharterSourceError(index, "deux sections portent le même « slug »")

    clauses: list[ClauseSource] = []
    for path in sorted(folder.glob("*.md")):
        match = CLAUSE_FILE.match(path.name)
        if not match:
            raise CharterSourceError(path, "le nom doit suivre le modèle NN-identifiant.md")
        found = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
        if not found:
            raise CharterSourceError(path, "en-tête manquant (il doit commencer et finir par ---)")
        data = _read_yaml(path, found.group(1))
        number = _require(data, "number", path, int)
        section = _require(data, "section", path, str)
        if section not in known_sections:
            raise CharterSourceError(
                path,
                f"section « {section} » inconnue (attendu : {', '.join(sorted(known_sections))})",
            )
        body = found.group(2).strip()
        if not body:
            raise CharterSourceError(path, "le texte de l'article est vide")
        clauses.append(
            ClauseSource(number, section, _require(data, "title", path, str), body, match.group(2))
        )
    if not clauses:
        raise CharterSourceError(folder, "aucun article trouvé")
    numbers = [c.number for c in clauses]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise CharterSourceError(folder, f"numéro d'article en double : {duplicates[0]}")
    slugs = [c.slug for c in clauses]
    if len(set(slugs)) != len(slugs):
        raise CharterSourceError(folder, "deux articles portent le même identifiant")
    clauses.sort(key=lambda c: c.number)
    return CharterSource(title=title, preamble=preamble, sections=sections, clauses=clauses)
