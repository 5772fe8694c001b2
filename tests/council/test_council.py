"""Council minutes through HTTP and the CLI: ingest, corrections, refusals, search, pages, upload."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.council.ingest import ingest_paths
from portal.council.models import Meeting, Passage
from portal.db import session_scope
from portal.settings import Settings
from tests.helpers import assert_accessible, csrf_token, read_council_uploads

DATA = Path(__file__).resolve().parent / "data"
SAMPLE = DATA / "2024-11-14-sample.md"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def minutes(engine: Engine) -> None:
    results, errors = ingest_paths(engine, [SAMPLE])
    assert errors == [] and results[0].status == "created"


def _count(engine: Engine, model: Any) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_reingesting_the_same_file_changes_nothing(engine: Engine, minutes: None) -> None:
    """Loading the same minutes twice leaves one meeting with the same passages."""
    results, _ = ingest_paths(engine, [SAMPLE])
    assert results[0].status == "unchanged"
    assert _count(engine, Meeting) == 1 and _count(engine, Passage) == 13


def test_corrected_version_keeps_links_to_unchanged_paragraphs(
    engine: Engine, minutes: None, tmp_path: Path, client: TestClient
) -> None:
    """A corrected file replaces the meeting; unchanged paragraphs keep their #p<n> anchor."""
    before = client.get("/api/council/search?q=patinoire mobile coute").json()["hits"][0]["url"]
    corrected = SAMPLE.read_text().replace(
        "Madame la Maire ouvre la séance à 19 h 05.",
        "Madame la Maire ouvre la séance à 19 h 07, en retard.",
    )
    path = tmp_path / SAMPLE.name
    path.write_text(corrected)
    results, _ = ingest_paths(engine, [path])
    assert results[0].status == "replaced"
    assert results[0].kept_anchors == 12
    assert (
        client.get("/api/council/search?q=patinoire mobile coute").json()["hits"][0]["url"]
        == before
    )
    assert "19 h 07" in client.get("/council/m/2024-11-14").text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("vide.md", b"", "le fichier est vide"),
        ("sans-date.md", b"# Titre\n\nTexte", "la date de la séance n'a pas été trouvée"),
        ("entete-sans-date.md", b"---\nplace: Mairie\n---\nTexte", "la date de la séance manque"),
        ("image.png", b"\x89PNG\r\n", "format non pris en charge"),
        ("latin1.md", "---\ndate: 2024-01-01\n---\nséance".encode("latin-1"), "UTF-8"),
    ],
)
def test_bad_files_are_refused_whole(
    engine: Engine, tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    """A bad file is refused with its name and the reason, and nothing of it is stored."""
    path = tmp_path / name
    path.write_bytes(content)
    results, errors = ingest_paths(engine, [path])
    assert results == []
    assert str(errors[0]).startswith(f"{name} : ") and reason in str(errors[0])
    assert _count(engine, Meeting) == 0


def test_search_ignores_accents_and_plurals(client: TestClient, minutes: None) -> None:
    """'patinoires', 'PATINOIRE' and 'chalets noel' find the passages, highlighted, best first."""
    for query, expected in (
        ("patinoires", "patinoire"),
        ("PATINOIRE", "patinoire"),
        ("chalets noel", "chalet"),
    ):
        hits = client.get("/api/council/search", params={"q": query}).json()["hits"]
        assert hits, query
        assert "<mark>" in hits[0]["snippet"] and expected in hits[0]["text"].lower()
        assert hits[0]["url"].startswith("/council/m/2024-11-14/p/")
    page = client.get("/council/search?q=patinoires")
    assert "<mark>patinoire</mark>" in page.text and "délibération n° 2024-41" in page.text


def test_search_without_results_gives_the_city_contact(client: TestClient, minutes: None) -> None:
    """A search that finds nothing says so and gives the way to reach a person."""
    page = client.get("/council/search?q=aéroport")
    assert "Aucun passage" in page.text and "01 41 18 19 20" in page.text


def test_search_input_errors(client: TestClient) -> None:
    """Missing or too long queries get a clear 400 (JSON under /api/)."""
    assert client.get("/api/council/search").status_code == 400
    assert client.get("/council/search", params={"q": "x" * 301}).status_code == 400


def test_meeting_page_has_facts_items_votes_and_anchors(client: TestClient, minutes: None) -> None:
    """The meeting page shows who was there, the items with their votes, and anchored paragraphs."""
    page = client.get("/council/m/2024-11-14").text
    assert "Anne Dubreuil" in page and "Olivier Garnier à Sophie Marchand" in page
    assert "pour 10, contre 25, abstentions 4" in page and "rejetée" in page
    assert 'id="p5"' in page
    source = client.get("/council/m/2024-11-14/source")
    assert source.headers["content-disposition"] == (
        "attachment; filename=\"2024-11-14-sample.md\"; filename*=UTF-8''2024-11-14-sample.md"
    )
    assert client.get("/council/m/2030-01-01").status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 303), ("resident", 403), ("official", 403), ("agent", 303), ("admin", 303)],
)
def test_upload_permission(role: str, status: int, make_client: Any, login_as: Any) -> None:
    """Only agents (and admins) upload minutes."""
    client = (
        make_client() if role == "anonymous" else login_as(*([] if role == "resident" else [role]))
    )
    response = client.post(
        "/council/upload",
        data={"csrf_token": csrf_token(client, "/signup")},
        files={"file": (SAMPLE.name, SAMPLE.read_bytes(), "text/markdown")},
        follow_redirects=False,
    )
    assert response.status_code == status


def test_upload_refuses_bad_file_and_stores_nothing(
    login_as: Any, engine: Engine, settings: Settings
) -> None:
    """A bad upload gets a French message naming the file and the reason (on its status page,
    once the worker has read it); nothing is stored."""
    agent = login_as("agent")
    response = agent.post(
        "/council/upload",
        data={"csrf_token": csrf_token(agent, "/council/upload")},
        files={"file": ("pv.md", b"pas de date", "text/markdown")},
    )
    assert response.status_code == 200 and "en attente de lecture" in response.text
    read_council_uploads(engine, settings)
    page = agent.get(str(response.url))
    assert "pv.md : la date de la séance n&#39;a pas été trouvée" in page.text
    assert _count(engine, Meeting) == 0


def test_cli_ingest_honours_the_database_url(db_url: str, tmp_path: Path, engine: Engine) -> None:
    """`portal council ingest` loads into the database named by PORTAL_DATABASE_URL, with progress."""
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": db_url,
        "PORTAL_DATA_DIR": str(tmp_path),
        "PORTAL_SECRET_KEY": "x" * 40,
    }
    bad = tmp_path / "vide.md"
    bad.write_bytes(b"")
    out = subprocess.run([sys.executable, "-m", "portal.cli", "council", "ingest", str(SAMPLE), str(bad)],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)  # fmt: skip
    assert out.returncode == 1
    assert "[2/2]" in out.stderr and "error: vide.md : le fichier est vide" in out.stderr
    assert "2024-11-14: created" in out.stdout
    assert _count(engine, Meeting) == 1


def test_council_pages_are_accessible(live_server: str, new_page: Any, minutes: None) -> None:
    """axe-core: 0 violations on the council index, a search and a meeting page."""
    page = new_page()
    for path in ("/council", "/council/search?q=patinoire", "/council/m/2024-11-14#p5"):
        page.goto(f"{live_server}{path}")
        assert_accessible(page)


def test_control_characters_in_a_file_are_dropped_not_fatal(
    login_as: Any, client: TestClient, engine: Engine, settings: Settings
) -> None:
    """A text export with a NUL byte and a form feed (PostgreSQL cannot store NUL) loads, and
    reads as if they were not there."""
    agent = login_as("agent")
    data = SAMPLE.read_bytes().replace(b"Madame la Maire", b"Madame\x00 la\x0cMaire", 1)
    assert b"\x00" in data
    response = agent.post(
        "/council/upload",
        data={"csrf_token": csrf_token(agent, "/council/upload")},
        files={"file": ("pv-nul.md", data, "text/markdown")},
    )
    read_council_uploads(engine, settings)
    response = agent.get(str(response.url))
    assert response.status_code == 200 and "Séance du 14/11/2024 ajoutée." in response.text
    texts = [p["text"] for p in client.get("/api/council/meetings/2024-11-14").json()["passages"]]
    assert not any("\x00" in t or "\x0c" in t for t in texts)
    assert any("Madame la" in t for t in texts)


def test_search_index_is_merged_after_ingest_and_reading(
    engine: Engine, demo_files: list[Path]
) -> None:
    """On PostgreSQL, what ingest and spaCy's reading add to the GIN index is merged at the end,
    so searches do not read through a pending list (on SQLite, FTS5 merges as it goes)."""
    from portal.council.ingest import index_entities

    def pending_pages() -> int:
        with session_scope(engine) as session:
            return int(
                session.scalar(text("SELECT gin_clean_pending_list('ix_council_passage_tsv')")) or 0
            )

    ingest_paths(engine, demo_files)
    if engine.dialect.name == "postgresql":
        assert pending_pages() == 0
    assert index_entities(engine) > 200
    if engine.dialect.name == "postgresql":
        assert pending_pages() == 0
    with session_scope(engine, write=False) as session:
        from portal.council import services

        assert services.search(session, "remettre").hits
