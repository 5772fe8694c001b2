"""Council fixtures: the demo minutes (Markdown, and PDFs rendered once per test session)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from portal.council import pdfgen
from portal.council.ingest import ingest_paths

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content" / "council"


@pytest.fixture(scope="session")
def demo_pdfs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The demo's PDF minutes, made by pdfgen from content/council/pdf-sources/."""
    return pdfgen.generate(CONTENT / "pdf-sources", tmp_path_factory.mktemp("pdf"))


@pytest.fixture
def demo_files(demo_pdfs: list[Path]) -> list[Path]:
    return sorted(CONTENT.glob("*.md")) + demo_pdfs


@pytest.fixture
def demo_minutes(engine: Engine, demo_files: list[Path]) -> None:
    """All eight demo meetings ingested (without spaCy's entities, which tests add when needed)."""
    results, errors = ingest_paths(engine, demo_files)
    assert errors == [] and len(results) == 8
