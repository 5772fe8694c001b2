"""Read register entries: Markdown files with YAML front matter, checked against the JSON Schema.

A file is `---\\n<YAML fields>\\n---\\n<Markdown description>`. The Markdown body becomes the
`description` field. Every problem is reported in French with the file, the field and what is
expected; `load_folder` returns entries only when every file is valid (all or nothing).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from portal.text import is_safe_link
from portal.web.i18n import N_
from portal.web.i18n import gettext as _

SCHEMA_PATH = Path(__file__).resolve().parent / "schema.json"
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n?(.*)\Z", re.S)
TYPE_NAMES = {
    "string": N_("un texte"),
    "number": N_("un nombre"),
    "integer": N_("un nombre entier"),
    "boolean": N_("oui ou non (true / false)"),
    "array": N_("une liste"),
    "object": N_("un groupe de champs"),
}
DATE_FIELDS = ("next_review",)
# Paths of the register's own pages: an entry cannot take them as its address.
RESERVED_SLUGS = frozenset(
    {"new", "drafts", "programme", "commitments", "questions", "schema", "export", "feed"}
)


class EntryError(ValueError):
    """One invalid entry: `source` (file or form), `field` (dotted path) and the French reason."""

    def __init__(self, source: str, field: str, message: str) -> None:
        where = f"{source} : " if source else ""
        label = _("champ « %(field)s » : ", field=field) if field else ""
        super().__init__(f"{where}{label}{message}")
        self.source = source
        self.field = field
        self.reason = message


@dataclass(frozen=True)
class LoadedEntry:
    source: str
    data: dict[str, Any]

    @property
    def slug(self) -> str:
        return str(self.data["slug"])


CHANGELOG_PATH = Path(__file__).resolve().parent / "schema_changelog.yaml"


@dataclass(frozen=True)
class SchemaVersion:
    version: str
    date: str
    changes: tuple[str, ...]


@lru_cache(maxsize=1)
def schema_changelog() -> tuple[SchemaVersion, ...]:
    """The schema's versions, newest first (portal/registry/schema_changelog.yaml)."""
    raw = yaml.safe_load(CHANGELOG_PATH.read_text(encoding="utf-8"))
    return tuple(
        SchemaVersion(str(v["version"]), str(v["date"]), tuple(str(c) for c in v["changes"]))
        for v in raw
    )


def schema_version() -> str:
    return str(schema()["version"])


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@dataclass(frozen=True)
class FieldHelp:
    name: str
    required: bool
    description: str
    allowed: tuple[str, ...]


@lru_cache(maxsize=1)
def field_help() -> tuple[FieldHelp, ...]:
    """One line per top-level field of an entry, from the schema (for the edit form's help)."""
    system = schema()["$defs"]["system"]
    rows = []
    for name, spec in system["properties"].items():
        enum = spec.get("enum") or spec.get("properties", {}).get("category", {}).get("enum") or ()
        rows.append(
            FieldHelp(name, name in system["required"], spec.get("description", ""), tuple(enum))
        )
    return tuple(rows)


@lru_cache(maxsize=1)
def _system_validator() -> Draft202012Validator:
    full = schema()
    return Draft202012Validator({"$defs": full["$defs"], "$ref": "#/$defs/system"})


@lru_cache(maxsize=1)
def export_validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def _field(error: ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path)


def _explain(error: ValidationError) -> tuple[str, str]:
    """(field, French reason) for one JSON Schema error."""
    field = _field(error)
    kind = error.validator
    value = error.validator_value
    if kind == "required":
        missing = re.search(r"'([^']+)' is a required property", error.message)
        name = missing.group(1) if missing else "?"
        return (f"{field}.{name}" if field else name), _("champ obligatoire manquant")
    if kind == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message)
        return field, _("champ inconnu : %(names)s", names=", ".join(f"« {e} »" for e in extra))
    if kind == "enum":
        allowed = ", ".join(str(v) for v in value)
        return field, _(
            "valeur « %(value)s » inconnue ; attendu l'une de : %(allowed)s",
            value=error.instance,
            allowed=allowed,
        )
    if kind == "type":
        names = value if isinstance(value, list) else [value]
        return field, _(
            "attendu %(what)s",
            what=_(" ou ").join(_(TYPE_NAMES.get(str(n), str(n))) for n in names),
        )
    if kind == "pattern":
        desc = error.schema.get("description") if isinstance(error.schema, dict) else None
        return field, _(
            "format invalide ; attendu %(what)s",
            what=desc or _("le motif %(pattern)s", pattern=value),
        )
    if kind == "minLength":
        return field, _("trop court ; attendu au moins %(n)s caractères", n=value)
    if kind == "maxLength":
        return field, _("trop long ; attendu au plus %(n)s caractères", n=value)
    if kind == "minItems":
        return field, _("liste vide ; attendu au moins %(n)s élément(s)", n=value)
    if kind in ("minimum", "maximum"):
        return (
            field,
            (
                _("valeur hors limites (au moins %(n)s)", n=value)
                if kind == "minimum"
                else _("valeur hors limites (au plus %(n)s)", n=value)
            ),
        )
    return field, _("valeur refusée (%(rule)s)", rule=kind)


def all_errors(data: dict[str, Any]) -> dict[str, str]:
    """Every problem of an entry at once, by dotted field path (for the field-by-field form);
    the checks beyond the schema (reserved slug, links, calendar dates) when the schema passes."""
    errors: dict[str, str] = {}
    for error in sorted(
        _system_validator().iter_errors(data),
        key=lambda e: (list(map(str, e.absolute_path)), e.validator),
    ):
        field, reason = _explain(error)
        errors.setdefault(field, reason)
    if not errors:
        try:
            validate_entry(data)
        except EntryError as exc:
            errors[exc.field] = exc.reason
    return errors


def validate_entry(data: dict[str, Any], *, source: str = "") -> dict[str, Any]:
    """Raise EntryError for the first problem (stable order: by field path); return `data`."""
    errors = sorted(
        _system_validator().iter_errors(data),
        key=lambda e: (list(map(str, e.absolute_path)), e.validator),
    )
    if errors:
        field, reason = _explain(errors[0])
        raise EntryError(source, field, reason)
    if data["slug"] in RESERVED_SLUGS:
        raise EntryError(
            source,
            "slug",
            _(
                "« %(slug)s » est réservé par le site ; choisissez un autre identifiant",
                slug=data["slug"],
            ),
        )
    for name, url in _links(data):
        if not is_safe_link(url):
            raise EntryError(
                source,
                name,
                _(
                    "lien « %(url)s » refusé ; attendu une adresse https://, http://, mailto: ou "
                    "tel:, ou un chemin du site commençant par une seule « / » (sans espace)",
                    url=str(url)[:200],
                ),
            )
    for name in (*DATE_FIELDS, *(f"dates.{k}" for k in data.get("dates", {}))):
        value: Any = data
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str):
            try:
                date.fromisoformat(value)
            except ValueError:
                raise EntryError(
                    source,
                    name,
                    _("date « %(value)s » impossible ; attendu AAAA-MM-JJ", value=value),
                ) from None
    return data


def value_at(data: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of an entry ("risk.category"), or None."""
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


@lru_cache(maxsize=1)
def field_paths() -> dict[str, dict[str, Any]]:
    """Every dotted path of an entry's fields with its schema (lists: their items' fields)."""
    defs = schema()["$defs"]
    found: dict[str, dict[str, Any]] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        if "$ref" in node:
            node = {**defs[node["$ref"].rsplit("/", 1)[1]], **{k: v for k, v in node.items()
                                                              if k != "$ref"}}  # fmt: skip
        if prefix:
            found[prefix] = node
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            items = node["items"]
            if "properties" in items or "$ref" in items:
                walk(items, prefix)
                found[prefix] = node
        for name, child in (node.get("properties") or {}).items():
            walk(child, f"{prefix}.{name}" if prefix else name)

    walk(defs["system"], "")
    return found


def human_channel_problem(data: dict[str, Any]) -> str | None:
    """Why an entry cannot be published as it is, or None: the charter's "a human can always be
    reached" needs at least one channel with a way in (phone, desk or link) and its hours."""
    channels = (data.get("human_contact") or {}).get("channels") or []
    for channel in channels:
        reachable = any(str(channel.get(k) or "").strip() for k in ("phone", "desk", "url"))
        if reachable and str(channel.get("hours") or "").strip():
            return None
    return _(
        "une fiche ne peut être publiée sans au moins un moyen de joindre une personne "
        "(téléphone, accueil ou formulaire) avec ses horaires"
    )


def _links(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every link field of an entry (a key named `url`, wherever it is: contact channels,
    sources…), as (dotted path, value): each is checked against the allow-list of schemes."""
    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            found += [(where, item)] if key == "url" else _links(item, where)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _links(item, f"{path}.{i}")
    return found


def _plain(value: Any) -> Any:
    """YAML reads `2025-01-01` as a date: the schema (and JSON) speak ISO strings."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def parse_text(text: str, *, source: str = "") -> dict[str, Any]:
    """Front matter + Markdown -> a validated entry (the body is its `description`)."""
    if not text.strip():
        raise EntryError(source, "", _("le contenu est vide"))
    match = FRONT_MATTER.match(text.lstrip("\ufeff"))
    if not match:
        raise EntryError(
            source,
            "",
            _("en-tête manquant ; attendu une ligne « --- », les champs YAML, puis « --- »"),
        )
    try:
        fields = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = _(" (ligne %(n)s)", n=line + 2) if line is not None else ""
        raise EntryError(source, "", _("en-tête YAML illisible") + where) from exc
    if not isinstance(fields, dict):
        raise EntryError(source, "", _("l'en-tête doit être une liste de champs « nom: valeur »"))
    data = _plain(fields)
    if "description" in data:
        raise EntryError(source, "description", _("se place sous l'en-tête, pas dedans"))
    data["description"] = match.group(2).strip()
    return validate_entry(data, source=source)


def parse_file(path: Path) -> LoadedEntry:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise EntryError(path.name, "", _("le fichier doit être encodé en UTF-8")) from exc
    return LoadedEntry(path.name, parse_text(text, source=path.name))


def load_folder(folder: Path) -> list[LoadedEntry]:
    """Every `*.md` file of `folder`, all valid, slugs unique; else EntryError (nothing returned)."""
    if not folder.is_dir():
        raise EntryError(str(folder), "", _("dossier introuvable"))
    files = sorted(folder.glob("*.md"))
    if not files:
        raise EntryError(str(folder), "", _("aucun fichier .md"))
    entries: list[LoadedEntry] = []
    seen: dict[str, str] = {}
    for path in files:
        entry = parse_file(path)
        problem = human_channel_problem(entry.data)
        if problem:
            raise EntryError(path.name, "human_contact.channels", problem)
        if entry.slug in seen:
            raise EntryError(
                path.name,
                "slug",
                _(
                    "« %(slug)s » est déjà utilisé par %(file)s",
                    slug=entry.slug,
                    file=seen[entry.slug],
                ),
            )
        seen[entry.slug] = path.name
        entries.append(entry)
    return entries


def to_text(data: dict[str, Any]) -> str:
    """An entry back to the file format (what the edit form shows)."""
    fields = {k: v for k, v in data.items() if k != "description"}
    head = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=100)
    return f"---\n{head}---\n\n{data.get('description', '').strip()}\n"
