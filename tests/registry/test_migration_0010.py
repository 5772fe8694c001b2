"""Migration 0010 (handover figures, question idempotency keys, reports and hiding) on a database
holding a question stored the old way, up and down, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.migrations_helpers import (
    NOW,
    USER_ROW,
    Migration,
    Row,
    migration_at,
    scalar,
    store,
    system,
    tables,
)


def _question(body: str, key: str | None = None, id: int | None = None) -> Row:
    """A question; `id` and `idempotency_key` stored only when given."""
    given = {"id": id, "idempotency_key": key}
    extra = [k for k, v in given.items() if v is not None]
    names = ", ".join(["system_id", "author_id", "kind", "body", "created_at", *extra])
    values = ", ".join(["1", "1", "'question'", ":body", ":now", *(f":{k}" for k in extra)])
    return (
        f"INSERT INTO registry_question ({names}) VALUES ({values})",
        {"body": body, "now": NOW, **{k: given[k] for k in extra}},
    )


old = migration_at("0009", "0010", USER_ROW, system(), _question("Une question ancienne", id=7))
HANDOVER = (
    "INSERT INTO registry_handover (system_id, month, conversations, handovers, entered_at)"
    " VALUES (1, '2026-10', 10, 2, :now)",
    {"now": NOW},
)


def test_upgrade_keeps_old_questions_visible_and_keys_unique_per_author(old: Migration) -> None:
    """After 0010 an old question is visible with no key, a key is unique per author, and the
    downgrade keeps the question."""
    with old.up() as engine:
        assert {"registry_handover", "registry_question_report"} <= tables(engine)
        with engine.begin() as conn:
            row = conn.execute(
                text("SELECT hidden_at, idempotency_key FROM registry_question WHERE id = 7")
            ).one()
            assert tuple(row) == (None, None)
            store(conn, _question("Sans clé une"), _question("Sans clé deux"),
                  _question("Avec clé", "k1"))  # fmt: skip
        with pytest.raises(IntegrityError), engine.begin() as conn:
            store(conn, _question("Encore", "k1"))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            store(conn, HANDOVER, HANDOVER)
    with old.down() as engine:
        assert "registry_handover" not in tables(engine)
        assert scalar(engine, "SELECT count(*) FROM registry_question") == 4
