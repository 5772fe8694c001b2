"""Fixtures of the register tests: the demo entries loaded, their owner, a published charter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from portal.db import session_scope
from portal.registry import services
from portal.registry.loader import load_folder

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content" / "registry"


@pytest.fixture
def owner_id(make_user: Any) -> int:
    """The agent who owns every demo entry (answers its questions)."""
    return int(make_user("agent", name="Agente Responsable"))


@pytest.fixture
def registry(engine: Engine, owner_id: int) -> list[str]:
    """The seven entries of content/registry/, published; returns their slugs."""
    entries = load_folder(CONTENT)
    with session_scope(engine) as session:
        result = services.import_entries(session, entries, owner_id=owner_id)
    return result.slugs


@pytest.fixture
def charter(engine: Engine, make_user: Any) -> None:
    """The first charter version, published (the commitments view needs published clauses)."""
    from portal.consultation.charter import services as consultation
    from portal.consultation.charter.source import load_charter

    official = make_user("official")
    source = load_charter(ROOT / "content" / "charter" / "v1")
    with session_scope(engine) as session:
        consultation.create_version(session, source=source, number=1, actor_id=official)
    with session_scope(engine) as session:
        consultation.publish_version(
            session, number=1, note="Première version.", actor_id=official, expected_lock=1
        )
