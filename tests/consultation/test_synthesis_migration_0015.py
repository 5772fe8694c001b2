"""Migration 0015 (theme coherence, label sources, singular arguments) on a database holding a
synthesis stored the old way, up and down, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from portal.clock import utcnow
from portal.consultation.synthesis.models import SynthesisTheme
from portal.db import make_engine, session_scope
from portal.migrate import downgrade, upgrade
from tests.helpers import database_at


@pytest.fixture(params=["sqlite", "postgres"])
def old_url(request: pytest.FixtureRequest, tmp_path: Path, worker_tag: str) -> Iterator[str]:
    """A database at revision 0014 (before this one)."""
    with database_at("0014", request.param, tmp_path, f"portal_migration_0015_{worker_tag}") as url:
        yield url


def _store_the_old_way(url: str) -> None:
    engine = make_engine(url)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO consultation_version (id, number, status, title, preamble, "
                 "created_at, lock_version) VALUES (1, 1, 'draft', 'Charte', '', :at, 1)"),
            {"at": now},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO consultation_synthesis_run (id, version_id, status, created_at, "
                 "comment_count, fingerprint, parameters, duplicates, seconds) "
                 "VALUES (1, 1, 'published', :at, 12, 'abc', '{}', '[]', 1.5)"),
            {"at": now},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO consultation_synthesis_theme (id, run_id, position, auto_label, "
                 "label, key_terms, representative_ids, auto_size, is_other) VALUES "
                 "(1, 1, 0, 'mois, appels', 'mois, appels', '[\"mois\"]', '[3, 4]', 9, :f)"),
            {"f": False},
        )  # fmt: skip
    engine.dispose()


def test_old_themes_have_no_measured_coherence_and_keep_everything_both_ways(
    old_url: str,
) -> None:
    """A theme stored before is kept as it was, with coherence unmeasured (NULL, not a figure)
    and no label sources; the downgrade drops only the new columns."""
    _store_the_old_way(old_url)
    upgrade(old_url, "0015")
    engine = make_engine(old_url)
    try:
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
    finally:
        engine.dispose()
    downgrade(old_url, "0014")
    engine = make_engine(old_url)
    try:
        columns = {c["name"] for c in inspect(engine).get_columns("consultation_synthesis_theme")}
        assert "coherence" not in columns and "label_source_ids" not in columns
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT label, auto_size FROM consultation_synthesis_theme WHERE id = 1")
            ).one()
        assert tuple(row) == ("mois, appels", 9)
    finally:
        engine.dispose()
