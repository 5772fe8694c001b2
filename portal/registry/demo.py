"""Demo: publish the entries written for the demo in content/registry/."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from portal.db import session_scope
from portal.registry import services
from portal.registry.loader import EntryError, load_folder
from portal.settings import Settings


def load_demo(
    engine: Engine, settings: Settings, *, accounts: dict[str, int], progress: Callable[[str], None]
) -> None:
    folder = settings.content_dir / "registry"
    try:
        entries = load_folder(folder)
    except EntryError as exc:
        progress(f"registry: refused ({exc})")
        return
    with session_scope(engine) as session:
        result = services.import_entries(session, entries, owner_id=accounts.get("agent"))
    progress(f"registry: {len(entries)} entries ({result.created} new, {result.updated} updated)")
