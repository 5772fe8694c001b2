"""The loader and `portal registry load`: every file checked, clear refusals, nothing half-way."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from portal.db import session_scope
from portal.registry.loader import EntryError, export_validator, load_folder, parse_text, to_text
from portal.registry.models import Change, System
from tests.factories import REGISTRY_CONTENT, ROOT

CHATBOT = (REGISTRY_CONTENT / "chatbot-habitants.md").read_text(encoding="utf-8")


def _count(engine: Engine, model: object) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def test_every_content_file_is_valid_and_covers_the_seven_systems() -> None:
    """content/registry/ holds the seven systems named by the city, each valid against the schema."""
    slugs = {e.slug for e in load_folder(REGISTRY_CONTENT)}
    assert slugs == {
        "chatbot-habitants", "voicebot-hors-horaires", "centre-contact-unique", "copilot-agents",
        "comptes-rendus-reunions", "indexation-proces-verbaux", "formation-en-ligne-agents",
    }  # fmt: skip


def test_published_figures_are_carried_by_the_entries() -> None:
    """The contact centre's cost, subsidy and call figures and Copilot's cost are in the entries."""
    entries = {e.slug: e.data for e in load_folder(REGISTRY_CONTENT)}
    centre = entries["centre-contact-unique"]
    assert centre["costs"][0]["amount_eur"] == 169202 and centre["costs"][0]["subsidy_eur"] == 54580
    values = {v["period"]: v["value"] for v in centre["figures"][0]["values"]}
    assert values == {"2022": 300000, "2024": 75000}
    assert entries["copilot-agents"]["costs"][0]["amount_eur"] == 10200


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        (lambda t: t.replace('name: "Assistant conversationnel du site de la ville (chatbot)"\n', ""),
         "name", "champ obligatoire manquant"),
        (lambda t: t.replace("status: deployed", "status: active"), "status",
         "attendu l'une de : study, test, deployed, retired"),
        (lambda t: t.replace("category: limited", "category: extreme"), "risk.category",
         "attendu l'une de : minimal, limited, high, not-ai"),
        (lambda t: t.replace('next_review: "2027-05-31"', 'next_review: "2027-02-30"'),
         "next_review", "attendu AAAA-MM-JJ"),
        (lambda t: t.replace("processed: true", "processed: peut-être"), "personal_data.processed",
         "attendu oui ou non"),
        (lambda t: t.replace("slug: chatbot-habitants", "slug: Chatbot Habitants"), "slug",
         "lettres minuscules, chiffres et tirets"),
        (lambda t: t.replace("slug: chatbot-habitants", "slug: programme"), "slug", "réservé"),
        (lambda t: t.replace("purpose:", "purpouse:"), "", "champ"),
    ],
)  # fmt: skip
def test_invalid_entry_names_the_field_and_what_is_expected(
    change: object, field: str, expected: str
) -> None:
    """A bad value is refused with the file, the field and what is expected."""
    with pytest.raises(EntryError) as caught:
        parse_text(change(CHATBOT), source="chatbot-habitants.md")  # type: ignore[operator]
    message = str(caught.value)
    assert message.startswith("chatbot-habitants.md : ")
    if field:
        assert caught.value.field == field
    assert expected in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "le contenu est vide"),
        ("# Titre\n\nPas d'en-tête", "en-tête manquant"),
        ("---\nname: [ouvert\n---\nTexte", "en-tête YAML illisible"),
        ("---\n- une liste\n---\nTexte", "liste de champs"),
    ],
)
def test_broken_front_matter_is_refused(text: str, expected: str) -> None:
    """Empty files, a missing or unreadable front matter are refused with the reason."""
    with pytest.raises(EntryError, match=expected):
        parse_text(text, source="x.md")


def test_round_trip_through_the_edit_format_keeps_the_entry() -> None:
    """What the edit form shows parses back to the same entry."""
    data = parse_text(CHATBOT)
    assert parse_text(to_text(data)) == data


def test_export_validator_rejects_a_broken_export() -> None:
    """The served schema describes the export: a system without a status is invalid."""
    data = parse_text(CHATBOT)
    del data["status"]
    doc = {
        "publisher": "x",
        "generated_at": "2026-01-01T00:00:00Z",
        "licence": "x",
        "systems": [data],
    }
    assert not export_validator().is_valid(doc)


def _run_cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PORTAL_DATABASE_URL": db_url, "PORTAL_SECRET_KEY": "x" * 40}
    return subprocess.run(
        [sys.executable, "-m", "portal.cli", "registry", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip


def test_cli_refuses_a_folder_with_one_bad_file_and_loads_nothing(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """One unknown status among seven files: the command names it and stores no entry."""
    folder = tmp_path / "registry"
    shutil.copytree(REGISTRY_CONTENT, folder)
    bad = folder / "voicebot-hors-horaires.md"
    bad.write_text(bad.read_text().replace("status: deployed", "status: enservice"))
    result = _run_cli(db_url, "load", str(folder))
    assert result.returncode == 2
    assert "voicebot-hors-horaires.md" in result.stderr and "status" in result.stderr
    assert "nothing was loaded" in result.stderr
    assert _count(engine, System) == 0


def test_cli_loads_with_progress_and_twice_changes_nothing(db_url: str, engine: Engine) -> None:
    """The command reports each file, then a second run finds everything unchanged."""
    first = _run_cli(db_url, "load", str(REGISTRY_CONTENT))
    assert first.returncode == 0, first.stderr
    assert "[7/7]" in first.stderr and "created 7" in first.stdout
    second = _run_cli(db_url, "load", str(REGISTRY_CONTENT))
    assert "unchanged 7" in second.stdout
    assert _count(engine, System) == 7 and _count(engine, Change) == 7


def test_cli_help_describes_the_command() -> None:
    """`portal registry load --help` says what the command checks and loads."""
    result = subprocess.run(
        [sys.executable, "-m", "portal.cli", "registry", "load", "--help"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0 and "JSON Schema" in result.stdout
