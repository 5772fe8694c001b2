"""Demo: ingest the minutes written for the demo in content/council/."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from portal.council.ingest import ingest_paths
from portal.settings import Settings


def load_demo(
    engine: Engine, settings: Settings, *, accounts: dict[str, int], progress: Callable[[str], None]
) -> None:
    folder = settings.content_dir / "council"
    if not folder.exists():
        progress("council: no demo minutes")
        return
    results, errors = ingest_paths(engine, [folder], actor_id=accounts.get("agent"))
    for error in errors:
        progress(f"council: refused {error}")
    created = sum(1 for r in results if r.status != "unchanged")
    progress(f"council: {len(results)} meetings ({created} new or corrected)")
