"""A register entry as a form generated from the JSON Schema, and a submitted form back to an
entry.

Input names are dotted paths with list indices (`costs.0.year`, `aliases.2`). Lists are
repeatable without JavaScript: the form's "Ajouter" buttons (`_add=costs`) and "Retirer" buttons
(`_remove=costs.1`) post the whole form, which comes back with what was typed and one row more or
less. A row left entirely empty is dropped; a row half filled gets an error beside each missing
field. Nothing here stores anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from portal.registry.loader import schema
from portal.web.i18n import N_
from portal.web.i18n import gettext as _

MAX_TEXT = 20_000
LONG_TEXTS = {"description", "purpose", "human_oversight", "risk.reasoning", "summary",
              "alternatives_considered", "affected_persons", "human_contact.opt_out",
              "encounter.labelling", "evaluation.method", "annex_viii_c.fria_summary",
              "annex_viii_c.dpia_summary", "prohibited_practices.note"}  # fmt: skip
# Labels of the parts of a group (the top-level fields have theirs in services.FIELD_LABELS).
PART_LABELS = {
    "name": N_("Nom"), "email": N_("Adresse électronique"), "product": N_("Produit"),
    "contract": N_("Contrat"), "model": N_("Modèle"), "version": N_("Version"),
    "runs_where": N_("Où il s'exécute"),
    "supplier_may_reuse_inputs": N_("Le fournisseur peut réutiliser les entrées"),
    "note": N_("Note"), "location": N_("Lieu"), "provider": N_("Prestataire"),
    "used": N_("Donnée utilisée"), "retention": N_("Durée de conservation"),
    "recordings": N_("Enregistrements"), "transcripts": N_("Transcriptions"),
    "processed": N_("Données personnelles traitées"), "legal_basis": N_("Base légale"),
    "dpia": N_("Analyse d'impact (AIPD)"), "category": N_("Catégorie"),
    "reasoning": N_("Raisonnement"), "channels": N_("Canaux"), "channel": N_("Canal"),
    "phone": N_("Téléphone"), "desk": N_("Accueil"), "hours": N_("Horaires"), "url": N_("Lien"),
    "opt_out": N_("Comment éviter la machine"), "where": N_("Où"),
    "labelling": N_("Comment ses productions sont signalées"),
    "individual_decisions": N_("Fonde des décisions individuelles"), "crpa": N_("CRPA"),
    "how_to_contest": N_("Comment contester"), "method": N_("Méthode"),
    "metrics": N_("Indicateur"), "year": N_("Année"), "amount_eur": N_("Montant (euros)"),
    "subsidy_eur": N_("Dont subventions (euros)"), "kind": N_("Nature"),
    "indicator": N_("Indicateur"), "unit": N_("Unité"), "source": N_("Source"),
    "values": N_("Valeurs"), "period": N_("Période"), "value": N_("Valeur"),
    "clause": N_("Article de la charte (identifiant)"), "how": N_("Comment"),
    "title": N_("Titre"), "study": N_("À l'étude depuis"), "test": N_("En test depuis"),
    "deployed": N_("En service depuis"), "retired": N_("Retiré depuis"),
    "decisions_per_year": N_("Décisions par an"), "automation": N_("Niveau d'automatisation"),
    "algorithm_type": N_("Type d'algorithme"),
    "decision_legal_basis": N_("Base légale de la décision"), "role": N_("Rôle"),
    "route": N_("Voie de recours"), "date": N_("Date"), "what": N_("Ce qui s'est passé"),
    "action": N_("Ce qui a été fait"), "text": N_("Mention affichée"),
    "reviewer": N_("Qui relit"), "responsible": N_("Qui en répond"),
    "applies_to": N_("Textes concernés"), "checked_on": N_("Vérifié le"),
    "checked_by": N_("Vérifié par"), "checks": N_("Pratiques"),
    "deployer": N_("C1 — Déployeur"), "submitted_by": N_("C2 — Personne qui enregistre"),
    "eu_database_url": N_("C3 — Adresse dans la base de l'UE"),
    "fria_summary": N_("C4 — Synthèse de l'analyse d'impact (droits fondamentaux)"),
    "dpia_summary": N_("C5 — Synthèse de l'AIPD"), "address": N_("Adresse"),
    "contact": N_("Contact"),
}  # fmt: skip
INDEX = re.compile(r"\.\d+(?=\.|$)")


@dataclass
class Field:
    """One part of the form: a leaf (an input), a group (fieldset) or a list (repeatable)."""

    path: str
    key: str
    label: str
    help: str
    kind: str  # text, textarea, select, bool, integer, number, date, group, list
    required: bool = False
    choices: tuple[str, ...] = ()
    value: str = ""
    error: str = ""
    note: str = ""  # a warning beside the field (changed online too while the agent drafted)
    children: list[Field] = field(default_factory=list)
    rows: list[Field] = field(default_factory=list)
    row_kind: str = ""  # a list's rows: "group" or a leaf kind

    @property
    def id(self) -> str:
        return "f-" + self.path.replace(".", "-")


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        target = schema()["$defs"][node["$ref"].rsplit("/", 1)[1]]
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _kind(node: dict[str, Any], path: str) -> str:
    if "enum" in node:
        return "select"
    kind = node.get("type")
    if kind == "boolean":
        return "bool"
    if kind in ("integer", "number"):
        return str(kind)
    if kind == "object":
        return "group"
    if kind == "array":
        return "list"
    if node.get("pattern") == schema()["$defs"]["date"]["pattern"]:
        return "date"
    return "textarea" if INDEX.sub("", path) in LONG_TEXTS else "text"


def _label(key: str, path: str, labels: dict[str, str]) -> str:
    if "." not in path and key in labels:
        return labels[key]
    return _(PART_LABELS[key]) if key in PART_LABELS else key


def _leaf_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def build(
    data: dict[str, Any],
    *,
    labels: dict[str, str],
    errors: dict[str, str] | None = None,
    add: str = "",
    notes: dict[str, str] | None = None,
) -> list[Field]:
    """The form for `data` (an entry, complete or not); `add` names a list given one more row;
    `notes` are warnings shown beside their fields."""
    errors = errors or {}
    notes = notes or {}
    system = schema()["$defs"]["system"]

    def make(key: str, node: dict[str, Any], path: str, value: Any, required: bool) -> Field:
        node = _resolve(node)
        kind = _kind(node, path)
        described = str(node.get("description", ""))
        f = Field(path, key, _label(key, path, labels), _(described) if described else "", kind,
                  required, tuple(str(v) for v in node.get("enum", ())),
                  error=errors.get(path, ""), note=notes.get(path, ""))  # fmt: skip
        if kind == "group":
            value = value if isinstance(value, dict) else {}
            needed = set(node.get("required", []))
            for name, child in (node.get("properties") or {}).items():
                f.children.append(make(name, child, f"{path}.{name}", value.get(name),
                                       name in needed))  # fmt: skip
        elif kind == "list":
            items = list(value) if isinstance(value, list) else []
            if path == add or (not items and node.get("minItems")):
                items.append(None)
            item = _resolve(node.get("items") or {})
            f.row_kind = _kind(item, path)
            for i, row in enumerate(items):
                f.rows.append(make(key, item, f"{path}.{i}", row, False))
                f.rows[-1].label = _("%(label)s, ligne %(n)s", label=f.label, n=i + 1)
        else:
            f.value = _leaf_text(value)
        return f

    needed = set(system["required"])
    return [
        make(name, spec, name, data.get(name), name in needed)
        for name, spec in system["properties"].items()
    ]


def to_form(data: dict[str, Any]) -> dict[str, str]:
    """The inputs a browser sends for `data` as the form shows it (empty inputs left out)."""
    out: dict[str, str] = {}

    def walk(f: Field) -> None:
        for part in (*f.children, *f.rows):
            walk(part)
        if f.kind not in ("group", "list") and f.value:
            out[f.path] = f.value

    for f in build(data, labels={}):
        walk(f)
    return out


class Unreadable(ValueError):
    """A value that is not of its field's type; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def parse(form: dict[str, str], *, remove: str = "") -> tuple[dict[str, Any], dict[str, str]]:
    """The submitted form as an entry (empty values and wholly empty rows dropped) and the
    fields whose text is not of their type (kept as typed, so that the form shows them)."""
    errors: dict[str, str] = {}
    system = schema()["$defs"]["system"]

    def convert(node: dict[str, Any], path: str, text: str) -> Any:
        kind = _kind(node, path)
        if len(text) > MAX_TEXT:
            errors[path] = _("Texte trop long (%(n)s caractères au plus).", n=MAX_TEXT)
            return text[:MAX_TEXT]
        if kind == "bool":
            return {"true": True, "false": False}.get(text, text)
        if kind in ("integer", "number"):
            cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
            try:
                return int(cleaned) if kind == "integer" else float(cleaned.replace(",", "."))
            except ValueError:
                errors[path] = (_("Indiquez un nombre entier.") if kind == "integer"
                                else _("Indiquez un nombre."))  # fmt: skip
                return text
        return text

    def read(node: dict[str, Any], path: str) -> Any:
        node = _resolve(node)
        kind = _kind(node, path)
        if kind == "group":
            out: dict[str, Any] = {}
            needed = set(node.get("required", []))
            for name, child in (node.get("properties") or {}).items():
                value = read(child, f"{path}.{name}" if path else name)
                child_type = _resolve(child).get("type")
                if (
                    value is None
                    and name in needed
                    and (child_type == "array" or (child_type == "object" and not path))
                ):
                    # A required list may be empty (no costs yet); a required group left
                    # empty gets its errors on its own required fields, beside them.
                    value = [] if child_type == "array" else {}
                if value is not None:
                    out[name] = value
            return out if any(v not in ([], {}) for v in out.values()) else None
        if kind == "list":
            prefix = path + "."
            indices = sorted({int(k[len(prefix):].split(".", 1)[0]) for k in form
                              if k.startswith(prefix) and k[len(prefix):].split(".", 1)[0].isdigit()})  # fmt: skip
            rows = []
            for i in indices:
                if f"{path}.{i}" == remove:
                    continue
                value = read(node.get("items") or {}, f"{path}.{i}")
                if value is not None:
                    rows.append(value)
            return rows or None
        text = str(form.get(path, "")).strip()
        return convert(node, path, text) if text else None

    data = read(system, "")
    if data is None:
        data = {k: [] for k in system["required"] if system["properties"][k].get("type") == "array"}
    return data, errors
