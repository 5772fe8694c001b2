"""Migration 0015 (theme coherence, label sources, singular arguments) on a database holding a
synthesis stored the old way, up and down, on both backends."""

from __future__ import annotations

from sqlalchemy import text

from portal.consultation.synthesis.models import SynthesisTheme
from portal.db import session_scope
from tests.migrations_helpers import NOW, Migration, columns, migration_at, version

old = migration_at(
    "0014", "0015",
    version(),
    ("INSERT INTO consultation_synthesis_run (id, version_id, status, created_at, comment_count,"
     " fingerprint, parameters, duplicates, seconds) VALUES (1, 1, 'published', :now, 12, 'abc',"
     " '{}', '[]', 1.5)", {"now": NOW}),
    ("INSERT INTO consultation_synthesis_theme (id, run_id, position, auto_label, label,"
     " key_terms, representative_ids, auto_size, is_other) VALUES (1, 1, 0, 'mois, appels',"
     " 'mois, appels', '[\"mois\"]', '[3, 4]', 9, :f)", {"f": False}),
)  # fmt: skip


def test_old_themes_have_no_measured_coherence_and_keep_everything_both_ways(
    old: Migration,
) -> None:
    """A theme stored before is kept as it was, with coherence unmeasured (NULL, not a figure)
    and no label sources; the downgrade drops only the new columns."""
    with old.up() as engine:
        with session_scope(engine, write=False) as session:
            theme = session.get(SynthesisTheme, 1)
            assert theme is not None
            assert (theme.label, theme.representative_ids, theme.auto_size) == (
                "mois, appels", "[3, 4]", 9,
            )  # fmt: skip
            assert theme.coherence is None
            assert (theme.label_source_ids, theme.singular_ids) == ("[]", "[]")
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE consultation_synthesis_theme SET coherence = 0.62, "
                     "label_source_ids = '[3, 4]' WHERE id = 1")
            )  # fmt: skip
    with old.down() as engine:
        names = columns(engine, "consultation_synthesis_theme")
        assert "coherence" not in names and "label_source_ids" not in names
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT label, auto_size FROM consultation_synthesis_theme WHERE id = 1")
            ).one()
        assert tuple(row) == ("mois, appels", 9)
