"""Demo: ingest the minutes written for the demo in content/council/ (Markdown and, rendered by
pdfgen.py at set-up, PDF), then let spaCy index them."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from portal.council import pdfgen
from portal.council.ingest import index_entities, ingest_paths
from portal.settings import Settings


def load_demo(
    engine: Engine, settings: Settings, *, accounts: dict[str, int], progress: Callable[[str], None]
) -> None:
    folder = settings.content_dir / "council"
    if not folder.exists():
        progress("council: no demo minutes")
        return
    pdf_folder = folder / "pdf"
    sources = sorted((folder / "pdf-sources").glob("*.md"))
    if sources and not all((pdf_folder / f"{s.stem}.pdf").exists() for s in sources):
        pdfgen.generate(folder / "pdf-sources", pdf_folder)
    files = sorted(folder.glob("*.md")) + sorted(pdf_folder.glob("*.pdf"))
    results, errors = ingest_paths(engine, files, actor_id=accounts.get("agent"))
    for error in errors:
        progress(f"council: refused {error}")
    created = sum(1 for r in results if r.status != "unchanged")
    indexed = index_entities(engine)
    progress(
        f"council: {len(results)} meetings ({created} new or corrected), "
        f"{indexed} passages read by spaCy"
    )
