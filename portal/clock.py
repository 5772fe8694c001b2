"""The one clock: aware UTC now. A leaf module, so models and the database layer can both use it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Aware UTC now: SQLModel's datetime columns refuse naive values and return UTC."""
    return datetime.now(UTC)
