"""Entities that are no names: a "Rapporteur :" line that runs on into the report, or a span
spaCy takes for a person, must not stop minutes from being stored (PostgreSQL refused a whole
meeting of the fifth blind set at landing: a 400-character "person" in a 200-character column)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.council import parse, reread
from portal.council.ingest import index_entities, ingest_paths
from portal.council.models import Entity, Item, Meeting, Passage
from portal.council.nlp import Reading
from portal.council.services import ENTITY_MAX, store_readings
from portal.db import session_scope
from tests.helpers import t

TRANSCRIPT = """COMMUNE DE HAGONDELLE

Compte rendu de la séance du conseil municipal du 5 février 2026

Délibération n° 2026-007 : Subventions aux associations

Rapporteur : M. Thierry WEBER, adjoint à la vie associative et aux sports, représenté par \
M. le Maire. L'enveloppe globale des subventions de fonctionnement aux associations s'élève à \
318 400 euros pour 2026, en hausse de 2 % ; les Restos du cœur, antenne de Hagondelle, reçoivent \
3 500 euros et une première subvention de 1 800 euros est accordée aux Jardins partagés du Breuil.

Vote : pour 29, contre 0, abstentions 4 — adoptée.
"""


def test_a_rapporteur_line_that_runs_on_is_stored_with_the_name_only(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    source = tmp_path / "2026-02-05.txt"
    source.write_text(TRANSCRIPT, encoding="utf-8")
    results, errors = ingest_paths(engine, [source])
    assert errors == [] and len(results) == 1
    index_entities(engine)
    with session_scope(engine, write=False) as session:
        people = set(session.scalars(select(Entity.value).where(Entity.kind == "person")))
        values = list(session.scalars(select(Entity.value)))
    assert "M. Thierry WEBER" in people
    assert all(len(v) <= ENTITY_MAX for v in values)
    page = t(client.get("/council/search?q=subventions+associations"))
    assert "Subventions aux associations" in page and "M. Thierry WEBER" in page


def test_a_span_too_long_for_a_name_is_left_out_and_the_rest_stored(
    engine: Engine, tmp_path: Path
) -> None:
    source = tmp_path / "2026-02-05.txt"
    source.write_text(TRANSCRIPT, encoding="utf-8")
    assert ingest_paths(engine, [source])[1] == []
    with session_scope(engine, write=False) as session:
        passage_id, meeting_id, text = session.execute(
            select(Passage.id, Passage.meeting_id, Passage.text).where(
                Passage.text.contains("Restos du cœur")  # type: ignore[attr-defined]
            )
        ).one()
    too_long = "x" * (ENTITY_MAX + 1)
    reading = Reading(
        entities=[
            ("person", too_long, too_long),
            ("organisation", "Restos du cœur", "restos du coeur"),
        ],
        lemmas={},
        lemma_words=[],
    )
    with session_scope(engine) as session:
        assert (
            store_readings(session, pending=[(passage_id, meeting_id, text)], found=[reading]) == 1
        )
    with session_scope(engine, write=False) as session:
        stored = set(session.scalars(select(Entity.value).where(Entity.passage_id == passage_id)))
    assert "Restos du cœur" in stored and too_long not in stored


LONG = "de l'aménagement du quartier " * 14
CHAIR = f"""COMMUNE DE HAGONDELLE

Compte rendu de la séance du conseil municipal du 5 février 2026

Présidence : M. le Maire, Jean DUPONT, qui ouvre la séance à 20 heures et rappelle l'ordre \
du jour {LONG}

Délibération n° 2026-007 : Subventions aux associations

Rapporteur : M. J. WEBER, adjoint aux sports.

Vote : pour 29, contre 0, abstentions 4 — adoptée.
"""
TITLE = (
    "# Séance du conseil municipal du 5 février 2026 — "
    + ("compte rendu intégral des débats " * 12)
    + "\n\nDélibération n° 2026-007 : Subventions\n\nRapporteur : Mme A. Martin.\n\n"
    "Vote : pour 29, contre 0 — adoptée.\n"
)


def test_a_run_on_chair_line_and_initials_keep_to_their_columns(
    engine: Engine, tmp_path: Path
) -> None:
    """A "Présidence :" line that runs on is stored as a name that fits; a rapporteur's initials
    ("M. J. WEBER", "Mme A. Martin") are not taken for the end of a sentence."""
    source = tmp_path / "2026-02-05.txt"
    source.write_text(CHAIR, encoding="utf-8")
    other = tmp_path / "2026-02-06.md"
    other.write_text(TITLE.replace("5 février", "6 février"), encoding="utf-8")
    assert ingest_paths(engine, [source, other])[1] == []
    with session_scope(engine, write=False) as session:
        chairs = list(session.scalars(select(Meeting.chair)))
        rapporteurs = set(session.scalars(select(Item.rapporteur)))
    assert all(c is None or len(c) <= 200 for c in chairs)
    assert rapporteurs == {"M. J. WEBER, adjoint aux sports", "Mme A. Martin"}


def test_minutes_read_again_keep_their_title_to_its_column(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Minutes stored by an older reader and read again by today's: the re-read writes and
    compares the title cut as the ingest cut it (PostgreSQL refused the whole title)."""
    source = tmp_path / "2026-02-05.md"
    source.write_text(TITLE, encoding="utf-8")
    today = parse.READER_VERSION
    with monkeypatch.context() as patch:
        patch.setattr(parse, "READER_VERSION", today - 1)
        assert ingest_paths(engine, [source])[1] == []
    reread.reread_outdated(engine)
    with session_scope(engine, write=False) as session:
        title, version = session.execute(select(Meeting.title, Meeting.reader_version)).one()
    assert len(title) <= 300 and title.endswith("…") and version == today
