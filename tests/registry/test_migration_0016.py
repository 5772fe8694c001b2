"""Migration 0016 (checkable commitments and their last state) up and down on a database holding
a published system stored the old way, on both backends."""

from __future__ import annotations

from tests.migrations_helpers import NOW, Migration, migration_at, scalar, store, system, tables

old = migration_at("0015", "0016", system(published_revision=1))


def test_upgrade_adds_the_commitment_tables_and_downgrade_keeps_the_systems(old: Migration) -> None:
    """After 0016 a commitment and its state for the old system can be stored; the downgrade
    drops them and keeps the system."""
    with old.up() as engine, engine.begin() as conn:
        store(
            conn,
            ('INSERT INTO registry_commitment (id, clause_slug, title, "check", field, allowed,'
             " scope, created_at) VALUES (1, 'contact-humain', 'Un humain', 'present',"
             " 'human_contact', '[]', 'all', :now)", {"now": NOW}),
            ("INSERT INTO registry_commitment_state (commitment_id, system_id, met, since)"
             " VALUES (1, 1, :t, :now)", {"t": True, "now": NOW}),
        )  # fmt: skip
    with old.down() as engine:
        assert "registry_commitment" not in tables(engine)
        assert scalar(engine, "SELECT count(*) FROM registry_system") == 1
