"""Build each document of a system's compliance pack from its published entry.

Every legal heading maps to register fields (HEADINGS); a heading whose fields are empty is
`None` here and "à compléter" on every page and in every file. Nothing is written that the entry
does not say: the pack is a draft for the service, never a filled-in form.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from portal.web.i18n import N_
from portal.web.i18n import gettext as _

TO_COMPLETE = N_("à compléter")
ANNEX_SCHEMA_PATH = Path(__file__).resolve().parent / "annex_viii_c.schema.json"
CHANNEL_LABELS = {
    "chat": N_("conversation écrite"),
    "voice": N_("téléphone, voix"),
    "mail": N_("courrier et courriel"),
    "documents": N_("documents"),
    "web": N_("page web"),
    "meeting": N_("réunion"),
    "other": N_("autre canal"),
}
AUTOMATION_LABELS = {
    "none": N_("aucune décision individuelle"),
    "decision-support": N_("aide à la décision : un agent décide"),
    "automated-decision": N_("décision entièrement automatisée"),
}
ALGORITHM_LABELS = {
    "rules": N_("règles explicites"),
    "machine-learning": N_("apprentissage automatique"),
    "generative": N_("IA générative"),
    "mixed": N_("mixte"),
}
PRACTICE_LABELS = {
    "subliminal_manipulation": N_("manipulation subliminale ou trompeuse — art. 5(1)(a)"),
    "exploiting_vulnerabilities": N_("exploitation des vulnérabilités — art. 5(1)(b)"),
    "social_scoring": N_("notation sociale — art. 5(1)(c)"),
    "predictive_policing": N_("prédiction d'infractions par profilage — art. 5(1)(d)"),
    "facial_scraping": N_("moissonnage d'images faciales — art. 5(1)(e)"),
    "emotion_recognition_work_education": N_(
        "reconnaissance des émotions au travail ou à l'école — art. 5(1)(f)"
    ),
    "biometric_categorisation": N_("catégorisation biométrique sensible — art. 5(1)(g)"),
    "realtime_remote_biometric_identification": N_(
        "identification biométrique à distance en temps réel — art. 5(1)(h)"
    ),
}


def _get(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _text(value: Any) -> str | None:
    """A field as text, or None when the entry says nothing."""
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, list):
        parts = [_text(v) for v in value]
        return " ; ".join(p for p in parts if p) or None
    if isinstance(value, dict):
        pairs = [(k, _text(v)) for k, v in value.items()]
        return ", ".join(f"{k} : {p}" for k, p in pairs if p) or None
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    return str(value)


@dataclass(frozen=True)
class Item:
    """One legal heading: its reference, its label, the fields it is built from, its text."""

    ref: str
    label: str
    fields: tuple[str, ...]
    value: str | None

    @property
    def missing(self) -> bool:
        return self.value is None


def _item(data: dict[str, Any], ref: str, label: str, *fields: str) -> Item:
    parts = [_text(_get(data, f)) for f in fields]
    found = [p for p in parts if p]
    return Item(ref, label, fields, "\n".join(found) if found else None)


# --- AI Act article 50: the notice, channel by channel ----------------------------------------


@dataclass(frozen=True)
class Notice:
    channel: str
    label: str
    text: str | None
    where: str | None


def notices(data: dict[str, Any]) -> list[Notice]:
    """The notice actually shown on each channel, ready to paste; one "à compléter" line when
    the entry records none (the channel is then unknown as well)."""
    found = [
        Notice(d["channel"], _(CHANNEL_LABELS[d["channel"]]), d["text"], d.get("where"))
        for d in data.get("disclosures") or []
    ]
    return found or [Notice("", _(TO_COMPLETE), None, None)]


def editorial(data: dict[str, Any]) -> list[Item]:
    """Art. 50(4): who reviews generated text published to inform the public, who answers for it."""
    return [
        _item(data, "50(4)", _("Relecture humaine"), "editorial_responsibility.reviewer"),
        _item(
            data, "50(4)", _("Responsabilité éditoriale"), "editorial_responsibility.responsible"
        ),
    ]


# --- CRPA L312-1-3: the inventory, with Etalab's columns ----------------------------------------

INVENTORY_COLUMNS: tuple[tuple[str, str], ...] = (
    (N_("Nom de l'algorithme"), "name"),
    (N_("Administration et service responsables"), "service.name"),
    (N_("Finalité"), "purpose"),
    (N_("Décisions individuelles concernées"), "decisions.crpa"),
    (N_("Nombre de décisions par an"), "inventory.decisions_per_year"),
    (N_("Niveau d'automatisation"), "inventory.automation"),
    (N_("Type d'algorithme"), "inventory.algorithm_type"),
    (N_("Base légale de la décision"), "inventory.decision_legal_basis"),
    (N_("Données utilisées"), "data.used"),
    (N_("Contact"), "service.email"),
    (N_("Voies de recours"), "decisions.how_to_contest"),
)


def founds_decisions(data: dict[str, Any]) -> bool:
    """Concerned by L312-1-3: the entry says it founds individual administrative decisions."""
    automation = _get(data, "inventory.automation")
    return bool(_get(data, "decisions.individual_decisions")) or automation in (
        "decision-support",
        "automated-decision",
    )


def inventory_row(data: dict[str, Any], url: str) -> list[str]:
    row = []
    for _label, path in INVENTORY_COLUMNS:
        value = _get(data, path)
        if path == "inventory.automation" and value:
            value = _(AUTOMATION_LABELS[value])
        elif path == "inventory.algorithm_type" and value:
            value = _(ALGORITHM_LABELS[value])
        row.append(_text(value) or _(TO_COMPLETE))
    return [*row, url]


def inventory_header() -> list[str]:
    return [_(label) for label, _path in INVENTORY_COLUMNS] + [_("Adresse de la fiche")]


# --- AI Act Annex VIII section C ----------------------------------------------------------------


def annex_viii_c(data: dict[str, Any], *, url: str, publisher: str) -> dict[str, Any]:
    """The record a public deployer files for a high-risk system (art. 49(3)); every missing
    value is null and named in `a_completer`."""
    annex = data.get("annex_viii_c") or {}
    deployer = annex.get("deployer") or {}
    submitted = annex.get("submitted_by") or {}
    record: dict[str, Any] = {
        "systeme": data["name"],
        "fiche": url,
        "haut_risque": _get(data, "risk.category") == "high",
        "C1_deployeur": {
            "nom": deployer.get("name") or publisher,
            "adresse": deployer.get("address") or None,
            "contact": deployer.get("contact") or _get(data, "service.email") or None,
        },
        "C2_personne_qui_enregistre": {
            "nom": submitted.get("name") or None,
            "adresse": submitted.get("address") or None,
            "contact": submitted.get("contact") or None,
        },
        "C3_url_base_ue": annex.get("eu_database_url") or None,
        "C4_synthese_aidf": annex.get("fria_summary") or None,
        "C5_synthese_aipd": annex.get("dpia_summary") or _get(data, "personal_data.dpia") or None,
    }
    missing = []
    for key, value in record.items():
        if isinstance(value, dict):
            missing += [f"{key}.{k}" for k, v in value.items() if v is None]
        elif value is None:
            missing.append(key)
    record["a_completer"] = missing
    return record


@lru_cache(maxsize=1)
def annex_validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(ANNEX_SCHEMA_PATH.read_text(encoding="utf-8")))


# --- AI Act article 27: the fundamental-rights impact assessment, headings (a) to (f) -----------


def fria(data: dict[str, Any]) -> list[Item]:
    return [
        _item(data, "27(1)(a)", _("Processus du déployeur dans lesquels le système est utilisé"),
              "purpose", "encounter.where"),
        _item(data, "27(1)(b)", _("Période et fréquence d'utilisation"),
              "dates", "inventory.decisions_per_year"),
        _item(data, "27(1)(c)", _("Catégories de personnes et groupes susceptibles d'être concernés"),
              "affected_persons"),
        _item(data, "27(1)(d)", _("Risques spécifiques de préjudice pour ces personnes"),
              "limits"),
        _item(data, "27(1)(e)", _("Mesures de contrôle humain"), "human_oversight"),
        _item(data, "27(1)(f)", _("Mesures si les risques se réalisent : gouvernance interne et "
                                  "mécanismes de plainte"),
              "mitigations", "decisions.how_to_contest", "appeal_routes"),
    ]  # fmt: skip


# --- CRPA R311-3-1-2: the letter explaining an algorithmic decision ------------------------------


def explanation(data: dict[str, Any]) -> list[Item]:
    """The four items the administration must give on request. 3° and 4° concern the person's
    own case: the register cannot know them, so they are always to be completed by the service."""
    first = _item(
        data,
        "R311-3-1-2 1°",
        _("Le degré et le mode de contribution du traitement algorithmique à la prise de décision"),
        "inventory.automation",
        "human_oversight",
    )
    automation = _get(data, "inventory.automation")
    if automation and first.value:
        first = Item(
            first.ref,
            first.label,
            first.fields,
            first.value.replace(automation, _(AUTOMATION_LABELS[automation]), 1),
        )
    return [
        first,
        _item(data, "R311-3-1-2 2°", _("Les données traitées et leurs sources"), "data.used"),
        Item("R311-3-1-2 3°", _("Les paramètres de traitement et, le cas échéant, leur "
                                "pondération, appliqués à la situation de l'intéressé"), (), None),
        Item("R311-3-1-2 4°", _("Les opérations effectuées par le traitement"), (), None),
    ]  # fmt: skip


def add_one_month(day: date) -> date:
    """The same day next month (the last day when it does not exist: 31 January -> 28 February)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- the whole pack -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pack:
    notices: list[Notice]
    editorial: list[Item]
    concerned_by_inventory: bool
    inventory: list[tuple[str, str]]
    annex: dict[str, Any]
    high_risk: bool
    fria: list[Item]
    explanation: list[Item]
    missing: int

    def as_json(self) -> dict[str, Any]:
        def items(rows: list[Item]) -> list[dict[str, Any]]:
            return [{"reference": i.ref, "rubrique": i.label, "champs": list(i.fields),
                     "valeur": i.value} for i in rows]  # fmt: skip

        return {
            "article_50": [
                {"canal": n.channel or None, "mention": n.text, "emplacement": n.where}
                for n in self.notices
            ],
            "article_50_4": items(self.editorial),
            "crpa_l312_1_3": {
                "concerne": self.concerned_by_inventory,
                "colonnes": dict(self.inventory),
            },
            "annexe_viii_c": self.annex,
            "aidf_article_27": items(self.fria),
            "crpa_r311_3_1_2": items(self.explanation),
            "a_completer": self.missing,
        }


def pack(data: dict[str, Any], *, url: str, publisher: str) -> Pack:
    note = notices(data)
    edit = editorial(data)
    row = inventory_row(data, url)
    inventory = list(zip(inventory_header(), row, strict=True))
    annex = annex_viii_c(data, url=url, publisher=publisher)
    impact = fria(data)
    letter = explanation(data)
    missing = (
        sum(1 for n in note if n.text is None)
        + sum(1 for i in [*edit, *impact, *letter] if i.missing)
        + sum(1 for _h, v in inventory if v == _(TO_COMPLETE))
        + len(annex["a_completer"])
    )
    return Pack(note, edit, founds_decisions(data), inventory, annex,
                _get(data, "risk.category") == "high", impact, letter, missing)  # fmt: skip
