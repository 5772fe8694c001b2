"""Fixtures of the register tests: the demo entries loaded, their owner, a published charter."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from tests.factories import MakeUser, published_charter, register_entries


@pytest.fixture
def owner_id(make_user: MakeUser) -> int:
    """The agent who owns every demo entry (answers its questions)."""
    return int(make_user("agent", name="Agente Responsable"))


@pytest.fixture
def registry(engine: Engine, owner_id: int) -> list[str]:
    """The seven entries of content/registry/, published; returns their slugs."""
    return register_entries(engine, owner_id)


@pytest.fixture
def charter(engine: Engine, make_user: MakeUser) -> None:
    """The first charter version, published (the commitments view needs published clauses)."""
    published_charter(engine, make_user)
