"""Open data: JSON export valid against the served schema, CSV, per-entry JSON, API, Atom feed."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

from jsonschema import Draft202012Validator
from starlette.testclient import TestClient


def test_export_json_validates_against_the_served_schema(
    client: TestClient, registry: list[str]
) -> None:
    """/registry/export.json holds every published entry and is valid against /registry/schema.json."""
    schema = client.get("/registry/schema.json")
    assert schema.status_code == 200 and "schema+json" in schema.headers["content-type"]
    export = client.get("/registry/export.json")
    assert "attachment" in export.headers["content-disposition"]
    doc = export.json()
    Draft202012Validator.check_schema(schema.json())
    errors = list(Draft202012Validator(schema.json()).iter_errors(doc))
    assert errors == []
    assert len(doc["systems"]) == 7


def test_entry_json_validates_against_the_system_definition(
    client: TestClient, registry: list[str]
) -> None:
    """/registry/<slug>.json is one entry, valid against $defs/system of the served schema."""
    schema = client.get("/registry/schema.json").json()
    entry = client.get("/registry/copilot-agents.json").json()
    validator = Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/system"})
    assert list(validator.iter_errors(entry)) == []
    assert entry["generative"]["supplier_may_reuse_inputs"] is False


def test_export_csv_has_one_row_per_entry(client: TestClient, registry: list[str]) -> None:
    """The CSV export opens in a spreadsheet: a header then one row per system, with costs summed."""
    response = client.get("/registry/export.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 7
    copilot = next(r for r in rows if r["slug"] == "copilot-agents")
    assert float(copilot["total_cost_eur"]) == 20400 and copilot["status"] == "test"


def test_api_lists_searches_and_filters(client: TestClient, registry: list[str]) -> None:
    """The JSON API searches like the page and refuses unknown filter values in JSON."""
    found = client.get("/api/registry/systems?q=chatbots").json()
    assert [s["slug"] for s in found["systems"]] == ["chatbot-habitants"]
    limited = client.get("/api/registry/systems?risk=limited&personal_data=yes").json()
    assert limited["total"] == 2
    bad = client.get("/api/registry/systems?status=actif")
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/json")


def test_api_entry_and_unknown_entry(client: TestClient, registry: list[str]) -> None:
    """One entry through the API carries its data and history; an unknown one is a JSON 404."""
    entry = client.get("/api/registry/systems/centre-contact-unique").json()
    assert entry["entry"]["costs"][0]["amount_eur"] == 169202
    assert entry["history"][0]["number"] == 1
    missing = client.get("/api/registry/systems/inconnu")
    assert missing.status_code == 404 and "application/json" in missing.headers["content-type"]


def test_openapi_document_describes_the_registry_api(client: TestClient) -> None:
    """The portal's OpenAPI document includes the register's paths and schemas."""
    doc = client.get("/api/openapi.json").json()
    assert (
        "/api/registry/systems" in doc["paths"] and "/api/registry/systems/{slug}" in doc["paths"]
    )
    assert "RegistrySystemList" in doc["components"]["schemas"]


def test_atom_feed_lists_published_changes(client: TestClient, registry: list[str]) -> None:
    """The Atom feed is well-formed and has one entry per published change."""
    response = client.get("/registry/feed.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 7
    links = {e.find("a:link", ns).get("href") for e in entries}  # type: ignore[union-attr]
    assert "http://testserver/registry/chatbot-habitants#modification-1" in links
