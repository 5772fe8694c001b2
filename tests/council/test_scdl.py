"""The deliberations as open data in the national SCDL « délibérations » format (v2.1.4), checked
against the schema's Table Schema (tests/council/schemas/, source and licence named there) by a
small validator of our own: columns in order, required values, types, patterns, URI format."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.app import create_app
from portal.council.ingest import ingest_paths
from portal.settings import Settings
from tests.helpers import t

SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "scdl-deliberations-2.1.4.json").read_text("utf-8")
)
URI = re.compile(r"^[a-z][a-z0-9+.-]*://[^\s/?#]+[^\s]*$", re.I)

TABLE_MINUTES = """COMMUNE DE VAL-SUR-LOIRE

Procès-verbal de la séance du conseil municipal du 6 mars 2025

Délibération n° 2025-03-04 : Budget primitif 2025 du service de l'eau

Rapporteur : Mme Ortiz

Le budget primitif 2025 du service de l'eau s'équilibre à 1 250 000 euros.

POUR : 28 / CONTRE : 2 (M. Vasseur, Mme Ortiz) / ABSTENTIONS : 3 — Adopté
"""


def validate(text: str, schema: dict[str, Any]) -> list[str]:
    """Errors of a CSV against a Table Schema: header, required, type, pattern, uri format."""
    rows = list(csv.reader(io.StringIO(text)))
    names = [f["name"] for f in schema["fields"]]
    if not rows or rows[0] != names:
        return [f"header {rows[0] if rows else None} is not {names}"]
    missing = set(schema.get("missingValues", [""]))
    errors = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(names):
            errors.append(f"line {line}: {len(row)} cells")
            continue
        for field, value in zip(schema["fields"], row, strict=True):
            where = f"line {line} {field['name']}={value!r}"
            rules = field.get("constraints", {})
            if value in missing:
                if rules.get("required"):
                    errors.append(f"{where}: required")
                continue
            kind = field["type"]
            if kind == "integer" and not re.fullmatch(r"[+-]?\d+", value):
                errors.append(f"{where}: not an integer")
            if kind == "date":
                try:
                    date.fromisoformat(value)
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
                except (ValueError, AssertionError):
                    errors.append(f"{where}: not a date AAAA-MM-JJ")
            if "pattern" in rules and not re.fullmatch(rules["pattern"], value):
                errors.append(f"{where}: does not match {rules['pattern']}")
            if field.get("format") == "uri" and not URI.match(value):
                errors.append(f"{where}: not a URI")
    return errors


def test_the_validator_catches_what_the_schema_forbids() -> None:
    """Our validator refuses a bad SIRET, a missing subject, a French date and a count in words."""
    header = ",".join(f["name"] for f in SCHEMA["fields"])
    good = ("Ville,21920073600014,1,2024-02-08,7.1,finances locales/décisions budgétaires,"
            "Objet,2024,,,,,41,41,0,0,https://example.org/council/m/2024-02-08/p/3")  # fmt: skip
    assert validate(f"{header}\r\n{good}\r\n", SCHEMA) == []
    bad = ("Ville,2192007360,1,08/02/2024,,x,Objet,24,,,,,41,quarante,0,0,/council/m/x")  # fmt: skip
    errors = " ".join(validate(f"{header}\r\n{bad}\r\n", SCHEMA))
    for field in ("COLL_SIRET", "DELIB_DATE", "DELIB_MATIERE_CODE=''", "BUDGET_ANNEE",
                  "VOTE_POUR", "DELIB_URL"):  # fmt: skip
        assert field in errors, field


def test_deliberations_csv_follows_the_scdl_schema_with_votes_and_links(
    client: TestClient, engine: Engine, demo_files: list[Path], tmp_path: Path
) -> None:
    """Every numbered deliberation is a valid SCDL row; votes come from vote lines and vote
    tables; DELIB_URL is the absolute permanent link of the deliberation's passage."""
    table = tmp_path / "2025-03-06.txt"
    table.write_text(TABLE_MINUTES, "utf-8")
    assert ingest_paths(engine, [*demo_files, table])[1] == []
    response = client.get("/council/deliberations.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "deliberations-scdl.csv" in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert validate(text, SCHEMA) == []
    rows = {r["DELIB_ID"]: r for r in csv.DictReader(io.StringIO(text))}
    assert len(rows) >= 20
    february = rows["2024-02-01"]
    assert (
        february["COLL_NOM"] == "Ville de Suresnes" and february["COLL_SIRET"] == "21920073600014"
    )
    assert february["DELIB_DATE"] == "2024-02-08"
    assert february["DELIB_OBJET"] == "Rapport d'orientation budgétaire 2024"
    assert (february["DELIB_MATIERE_CODE"], february["BUDGET_ANNEE"]) == ("7.1", "2024")
    assert [february[k] for k in ("VOTE_POUR", "VOTE_CONTRE", "VOTE_ABSTENTION", "VOTE_REEL")] == [
        "41", "0", "0", "41"]  # fmt: skip
    rejected = next(r for r in rows.values() if r["VOTE_CONTRE"] == "30")
    assert (rejected["VOTE_POUR"], rejected["VOTE_ABSTENTION"]) == ("9", "4")
    water = rows["2025-03-04"]  # a vote table: "POUR : 28 / CONTRE : 2 (…) / ABSTENTIONS : 3"
    assert [water[k] for k in ("VOTE_POUR", "VOTE_CONTRE", "VOTE_ABSTENTION", "VOTE_REEL")] == [
        "28", "2", "3", "33"]  # fmt: skip
    assert water["DELIB_DATE"] == "2025-03-06"
    # The link leads to the deliberation's paragraph on the page of its minutes.
    url = february["DELIB_URL"]
    assert re.fullmatch(r"http://testserver/council/m/2024-02-08/p/\d+", url)
    landed = client.get(url.removeprefix("http://testserver"))
    assert landed.status_code == 200 and "Rapport d'orientation budgétaire 2024" in t(landed)
    anchor = url.rsplit("/", 1)[1]
    assert f'id="p{anchor}"' in landed.text


def test_the_export_is_linked_from_the_council_page(client: TestClient) -> None:
    """The council's page links the SCDL export (the crawl finds it from /)."""
    page = t(client.get("/council"))
    assert 'href="/council/deliberations.csv"' in page
    assert "format national SCDL" in page


def test_empty_council_gives_a_header_only_file(client: TestClient) -> None:
    """With no minutes stored, the file is the schema's header line alone (still valid)."""
    text = client.get("/council/deliberations.csv").content.decode("utf-8")
    assert text == ",".join(f["name"] for f in SCHEMA["fields"]) + "\r\n"
    assert validate(text, SCHEMA) == []


def test_without_the_citys_siret_the_export_says_why(
    settings: Settings, engine: Engine, demo_files: list[Path]
) -> None:
    """COLL_SIRET is required: with minutes stored but no SIRET set, a French page says what is
    missing instead of an invalid file."""
    assert ingest_paths(engine, demo_files[:1])[1] == []
    unset = settings.with_(city=replace(settings.city, siret=""))
    with TestClient(create_app(unset, engine=engine), base_url="http://testserver") as client:
        response = client.get("/council/deliberations.csv")
    assert response.status_code == 409
    assert "numéro SIRET de la commune" in t(response)


DATA = Path(__file__).parent / "data"

# Minutes as a PDF's text layer gives them: no blank lines, the vote as a table with dotted
# rows, the members in office in the attendance line.
DOTTED_MINUTES = """VILLE DE PORT-LESTRADE
Procès-verbal de la séance du conseil municipal du 2 octobre 2025
Conseillers en exercice : 29. Présents : 24. Pouvoirs : 3.
Délibération n° 2025-10-03 : Tarifs du port de plaisance pour 2026
Rapporteur : M. Alain Quéré
M. Quéré présente les tarifs des anneaux du port de plaisance pour la saison 2026, en hausse
de 2 % sur ceux de 2025, et la création d'un tarif pour les bateaux de moins de six mètres.
Mme Solène Rivière demande que les associations nautiques gardent la gratuité de leurs places.
Résultat du scrutin — votants : 27
Pour .............. 21
Contre ............ 4
Abstentions ....... 2
Délibération n° 2025-10-04 : Dénomination du quai Anita-Conti
Rapporteur : Mme Solène Rivière
Il est proposé de donner au quai nord le nom de l'océanographe Anita Conti.
Adoptée à l'unanimité.
"""


def _csv_rows(client: TestClient) -> dict[str, dict[str, str]]:
    response = client.get("/council/deliberations.csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert validate(text, SCHEMA) == []
    return {r["DELIB_ID"]: r for r in csv.DictReader(io.StringIO(text))}


VOTE_COLUMNS = ("VOTE_EFFECTIF", "VOTE_REEL", "VOTE_POUR", "VOTE_CONTRE", "VOTE_ABSTENTION")


def test_votes_written_in_words_fill_the_vote_columns(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    """Bold Markdown minutes in another hand: "Adopté à l'unanimité" with the voters known
    (POUR = votants), "par 20 voix pour, 3 contre et 2 abstentions", "Votants : 25 ; Pour : 19…",
    "Rejetée par 9 voix contre 14" (abstentions unknown: empty), an item with no vote (all
    empty); the members in office fill VOTE_EFFECTIF. The file stays valid."""
    minutes = tmp_path / "2025-03-17.md"
    minutes.write_bytes((DATA / "cr-villeneuve-gras.md").read_bytes())
    assert ingest_paths(engine, [minutes])[1] == []
    rows = _csv_rows(client)
    assert {k: [rows[k][c] for c in VOTE_COLUMNS] for k in rows} == {
        "2025-03-07": ["27", "25", "25", "0", "0"],
        "2025-03-08": ["27", "25", "20", "3", "2"],
        "12": ["27", "25", "19", "4", "2"],
        "13": ["27", "", "9", "14", ""],
        "14": ["27", "25", "25", "0", "0"],
        "15": ["", "", "", "", ""],
    }
    assert rows["12"]["DELIB_OBJET"] == "Subvention exceptionnelle au comité des fêtes"


def test_unanimity_without_the_number_of_voters_leaves_the_count_for_empty(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    """A dotted vote table read from the text of a PDF gives every count; "Adoptée à
    l'unanimité" with no number of voters anywhere gives 0 against and nothing invented."""
    from portal.council.pdfgen import render_plain

    pdf = tmp_path / "2025-10-02.pdf"
    pdf.write_bytes(render_plain(DOTTED_MINUTES))
    assert ingest_paths(engine, [pdf])[1] == []
    rows = _csv_rows(client)
    assert [rows["2025-10-03"][c] for c in VOTE_COLUMNS] == ["29", "27", "21", "4", "2"]
    assert [rows["2025-10-04"][c] for c in VOTE_COLUMNS] == ["29", "", "", "0", ""]
    page = t(client.get("/council/m/2025-10-02"))
    assert "pour 21, contre 4, abstentions 2" in page
    assert "adoptée à l'unanimité" in page
