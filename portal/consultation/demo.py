"""Demo consultation: version 1 published by the demo official, the draft version 2 under way."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from portal.consultation import services
from portal.consultation.charter_source import load_charter
from portal.db import session_scope
from portal.settings import Settings

NOTE_V1 = (
    "Première version de la charte, adoptée par le conseil municipal. Elle sera révisée avec les "
    "habitants : le projet de version 2 est ouvert à la consultation."
)


def load_demo(
    engine: Engine, settings: Settings, *, accounts: dict[str, int], progress: Callable[[str], None]
) -> None:
    folder = settings.content_dir / "charter"
    first, draft = load_charter(folder / "v1"), load_charter(folder)
    with session_scope(engine) as session:
        if services.version_count(session) > 0:
            progress("charter: already loaded")
            return
        services.create_version(session, source=first, number=1, actor_id=accounts["elu"])
        services.publish_version(
            session, number=1, note=NOTE_V1, actor_id=accounts["elu"], expected_lock=1
        )
        services.create_version(session, source=draft, number=2, actor_id=accounts["agent"])
    progress(
        f"charter: version 1 published ({len(first.clauses)} articles), draft version 2 ({len(draft.clauses)} articles)"
    )
