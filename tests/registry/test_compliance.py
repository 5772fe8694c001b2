"""Sections 2 and 3 of issue 15: the schema's new fields (versioned, with a changelog page) and
the compliance pack generated from each entry, every legal heading mapped to a field or marked
"à compléter", the JSON outputs valid against their schemas."""

from __future__ import annotations

import copy
import csv
import io
import json
from html import unescape
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from starlette.testclient import TestClient

from portal.registry.compliance import services as compliance
from portal.registry.loader import load_folder, schema, schema_changelog, validate_entry
from tests.factories import REGISTRY_CONTENT

SLUG = "chatbot-habitants"
URL = "http://testserver/registry/x"


def _entry(slug: str = SLUG) -> dict[str, Any]:
    return copy.deepcopy(next(e.data for e in load_folder(REGISTRY_CONTENT) if e.slug == slug))


def _full() -> dict[str, Any]:
    """An entry with every field of schema 2.0 filled: a high-risk decision aid."""
    data = _entry()
    data["risk"] = {"category": "high", "reasoning": "Aide à l'attribution des places en crèche."}
    data["decisions"] = {"individual_decisions": True, "crpa": "Attribution des places en crèche",
                         "how_to_contest": "Recours gracieux auprès du maire sous deux mois."}  # fmt: skip
    data["affected_persons"] = "Familles qui demandent une place en crèche municipale."
    data["inventory"] = {"decisions_per_year": 900, "automation": "decision-support",
                         "algorithm_type": "rules",
                         "decision_legal_basis": "Règlement municipal des crèches"}  # fmt: skip
    data["model"] = {"name": "Barème", "version": "2026"}
    data["alternatives_considered"] = "Examen manuel de chaque dossier, trop lent en septembre."
    data["processors"] = [{"name": "Éditeur", "role": "Maintenance", "location": "France"}]
    data["appeal_routes"] = [
        {"route": "Défenseur des droits", "url": "https://www.defenseurdesdroits.fr"}
    ]
    data["incidents"] = [{"date": "2026-03-02", "what": "Barème mal appliqué", "action": "Corrigé"}]
    data["editorial_responsibility"] = {"reviewer": "Le chef de service", "responsible": "Le DGS"}
    data["prohibited_practices"] = {
        "checked_on": "2026-10-01", "checked_by": "Déléguée à la protection des données",
        "checks": {k: "no" for k in compliance.PRACTICE_LABELS},
    }  # fmt: skip
    data["annex_viii_c"] = {
        "deployer": {"name": "Ville de Suresnes", "address": "2 rue Carnot", "contact": "a@b.fr"},
        "submitted_by": {"name": "DSI", "address": "2 rue Carnot", "contact": "dsi@b.fr"},
        "eu_database_url": "https://ec.europa.eu/ai-database/entry/123",
        "fria_summary": "Risque d'erreur de barème ; double contrôle.",
        "dpia_summary": "AIPD réalisée en 2025.",
    }
    return validate_entry(data)


def _schema_has(path: str) -> bool:
    """A dotted path of an entry is a property of the schema (through objects and lists)."""
    node: Any = schema()["$defs"]["system"]
    for part in path.split("."):
        if "$ref" in node:
            node = schema()["$defs"][node["$ref"].rsplit("/", 1)[1]]
        if node.get("type") == "array":
            node = node["items"]
        props = node.get("properties", {})
        if part not in props:
            return False
        node = props[part]
    return True


def test_every_legal_heading_maps_to_schema_fields() -> None:
    """Each heading of the FRIA (a)–(f), the R311-3-1-2 letter and the inventory columns names
    fields that exist in the schema; 3° and 4° of the letter (the person's own case) name none."""
    headings = compliance.fria(_entry()) + compliance.explanation(_entry())
    assert [i.ref for i in compliance.fria(_entry())] == [f"27(1)({c})" for c in "abcdef"]
    for item in headings:
        for field in item.fields:
            assert _schema_has(field), (item.ref, field)
    for _label, path in compliance.INVENTORY_COLUMNS:
        assert _schema_has(path), path
    assert [i.fields for i in headings if i.ref.endswith(("3°", "4°"))] == [(), ()]


@pytest.mark.parametrize("entry", load_folder(REGISTRY_CONTENT), ids=lambda e: e.slug)
def test_each_demo_entry_gives_text_or_to_complete_for_every_heading(entry: Any) -> None:
    """For every demo entry, each heading holds the entry's own words or is None ("à
    compléter"); a value is never text that the entry does not contain."""
    data = entry.data
    # The register's own labels of its enum values are the entry's words too.
    words = json.dumps(data, ensure_ascii=False) + " ".join(compliance.AUTOMATION_LABELS.values())
    pack = compliance.pack(data, url=URL, publisher="Ville de Suresnes")
    for item in [*pack.fria, *pack.explanation, *pack.editorial]:
        if item.value is not None:
            for line in item.value.split("\n"):
                for piece in line.replace(" ; ", ", ").split(", "):
                    piece = piece.split(" : ", 1)[-1]
                    assert piece in words or piece in ("oui", "non"), (item.ref, piece)
    assert pack.missing > 0  # no demo entry is complete for schema 2.0
    Draft202012Validator.check_schema(json.loads(compliance.ANNEX_SCHEMA_PATH.read_text()))
    compliance.annex_validator().validate(pack.annex)


def test_a_complete_entry_leaves_only_the_persons_own_case_to_complete() -> None:
    """With every field filled, only R311-3-1-2 3° and 4° remain "à compléter"."""
    pack = compliance.pack(_full(), url=URL, publisher="Ville de Suresnes")
    assert [i.ref for i in pack.fria if i.missing] == []
    assert [i.ref for i in pack.explanation if i.missing] == ["R311-3-1-2 3°", "R311-3-1-2 4°"]
    assert pack.annex["a_completer"] == []
    assert pack.annex["C3_url_base_ue"] == "https://ec.europa.eu/ai-database/entry/123"
    compliance.annex_validator().validate(pack.annex)
    assert pack.missing == 2


def test_demo_disclosures_quote_what_the_entry_says_is_shown() -> None:
    """Honest demo: each art. 50 notice is a quotation of the entry's own labelling text, and
    no demo entry claims an art. 5 check or an Annex VIII record it never made."""
    for entry in load_folder(REGISTRY_CONTENT):
        for notice in entry.data.get("disclosures", []):
            assert notice["text"] in entry.data["encounter"]["labelling"], entry.slug
        assert "prohibited_practices" not in entry.data
        assert "annex_viii_c" not in entry.data


def test_pack_page_shows_notices_and_to_complete_marks(
    client: TestClient, registry: list[str]
) -> None:
    """The pack of the chatbot gives its chat notice ready to paste and marks the rest."""
    page = client.get(f"/registry/{SLUG}/conformite")
    assert page.status_code == 200
    text = unescape(page.text)
    assert '<code class="registry-paste">Assistant automatique</code>' in text
    assert text.count("à compléter") >= 5
    assert "champ prohibited_practices" in text
    assert "27(1)(c)" in text and "affected_persons" in text
    entry = unescape(client.get(f"/registry/{SLUG}").text)
    assert f'href="/registry/{SLUG}/conformite"' in entry
    assert "« Assistant automatique »" in entry


def test_pack_json_and_annex_json(client: TestClient, registry: list[str], settings: Any) -> None:
    """The JSON pack counts what is to complete; the Annex VIII C record validates."""
    doc = client.get(f"/registry/{SLUG}/conformite.json").json()
    assert doc["article_50"][0]["mention"] == "Assistant automatique"
    assert doc["a_completer"] > 0
    annex = client.get(f"/registry/{SLUG}/annexe-viii-c.json").json()
    compliance.annex_validator().validate(annex)
    assert annex["haut_risque"] is False
    assert "C3_url_base_ue" in annex["a_completer"]
    assert annex["C1_deployeur"]["nom"] == settings.city.official_name


def test_inventory_csv_has_etalabs_columns_and_only_concerned_entries(
    client: TestClient, registry: list[str], engine: Any
) -> None:
    """No demo entry founds decisions: header only; an entry that does appears, with "à
    compléter" where the entry is silent."""
    response = client.get("/registry/inventaire-algorithmes.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Nom de l'algorithme", "Administration et service responsables",
                           "Finalité"]  # fmt: skip
    assert "Niveau d'automatisation" in rows[0] and "Nombre de décisions par an" in rows[0]
    assert rows[1:] == []
    data = _full()
    del data["inventory"]["decision_legal_basis"]
    row = compliance.inventory_row(data, URL)
    header = compliance.inventory_header()
    values = dict(zip(header, row, strict=True))
    assert values["Niveau d'automatisation"] == "aide à la décision : un agent décide"
    assert values["Base légale de la décision"] == "à compléter"
    assert values["Nombre de décisions par an"] == "900"


@pytest.mark.parametrize(
    ("asked", "due"),
    [("2026-01-31", "28 février 2026"), ("2025-12-15", "15 janvier 2026")],
)
def test_letter_shows_the_one_month_clock(
    client: TestClient, registry: list[str], asked: str, due: str
) -> None:
    """The explanation letter gives the four R311-3-1-2 items and the date the answer is due."""
    page = client.get(f"/registry/{SLUG}/conformite/lettre?demande={asked}")
    assert page.status_code == 200
    text = unescape(page.text)
    assert f"réponse due au plus tard le {due}" in text
    assert "Le délai est dépassé" in text
    assert text.count("R311-3-1-2") >= 4


@pytest.mark.parametrize("asked", ["31/01/2026", "2026-02-30", "2999-01-01"])
def test_letter_refuses_a_bad_date_in_french(
    client: TestClient, registry: list[str], asked: str
) -> None:
    """A malformed, impossible or future date is a 400 page in French."""
    page = client.get(f"/registry/{SLUG}/conformite/lettre?demande={asked}")
    assert page.status_code == 400
    assert "Saisie à corriger" in unescape(page.text)


def test_one_month_clock_edges() -> None:
    """31 January + one month is the last day of February; December rolls into January."""
    from datetime import date

    assert compliance.add_one_month(date(2024, 1, 31)) == date(2024, 2, 29)
    assert compliance.add_one_month(date(2026, 12, 31)) == date(2027, 1, 31)


def test_schema_is_versioned_with_a_changelog_page(client: TestClient, registry: list[str]) -> None:
    """/registry/schema shows the version, each version's changes and every field; the export
    names the version it follows and still validates."""
    assert schema()["version"] == schema_changelog()[0].version == "2.0"
    page = unescape(client.get("/registry/schema").text)
    assert "Version 2.0" in page and "Version 1.0" in page
    assert "annex_viii_c" in page and "disclosures" in page and "inventory" in page
    export = client.get("/registry/export.json").json()
    assert export["schema_version"] == "2.0"
    Draft202012Validator(schema()).validate(export)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"inventory": {"automation": "totale"}}, "inventory.automation"),
        ({"disclosures": [{"channel": "pigeon", "text": "x"}]}, "disclosures.0.channel"),
        ({"incidents": [{"date": "02/03/2026", "what": "x", "action": "y"}]}, "incidents.0.date"),
        ({"prohibited_practices": {"checked_on": "2026-01-01", "checks": {}}},
         "prohibited_practices.checks"),
    ],
)  # fmt: skip
def test_bad_values_of_the_new_fields_are_refused(change: dict[str, Any], field: str) -> None:
    """Unknown enum values, a date in the wrong format, an incomplete art. 5 check: refused,
    naming the field."""
    from portal.registry.loader import EntryError

    data = _entry() | change
    with pytest.raises(EntryError) as caught:
        validate_entry(data)
    assert caught.value.field.startswith(field)
