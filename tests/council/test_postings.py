"""The search's ranking in the process (portal/council/postings.py): the same passages in the
same order, with the same BM25 scores, as SQLite's FTS5 ranks them, on both databases; kept up
to date when minutes are added or replaced; built in the background on a large index, the
database answering meanwhile."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.testclient import TestClient

from portal.council import postings
from portal.council import search as engine_search
from portal.council.ingest import index_entities, ingest_paths
from portal.council.vocabulary import expand
from portal.db import make_engine
from portal.nlp.french import load_thesaurus
from tests.council.evalsets import sources

ROOT = Path(__file__).resolve().parents[2]
EVAL3 = Path(__file__).with_name("eval3")
WORDS = ["piscine", "budget", "ecole", "voirie", "culture", "subvention", "travaux", "vote",
         "cantine", "tarif", "mediatheque", "parking", "eclairage", "rugby"]  # fmt: skip
# One, two and three words (some in no passage), and misspelt or unknown words.
NOTHING = "Aucun passage des procès-verbaux ne correspond à cette recherche."
QUERIES = WORDS + [" ".join(p) for p in itertools.islice(itertools.permutations(WORDS, 2), 0, 182, 7)] + [
    " ".join(p) for p in itertools.islice(itertools.permutations(WORDS, 3), 0, 2184, 97)
] + ["zzzyx", "piscine zzzyx", "impots locaux", "budget", "plu", "hotel de ville", "creche",
      "videosurveillance", "salle des fetes cantine"]  # fmt: skip


def _database_ranking(session: Session, query: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as m:
        m.setattr(postings, "rank", lambda *_a, **_k: None)
        return _ranking(session, query)


def _ranking(session: Session, query: str) -> list[tuple[int, float]]:
    """The search page's ranking: the query's words widened by the thesaurus (its phrases
    included) and spelling."""
    groups = expand(session, engine_search.query_terms(query)).groups
    return engine_search._candidates(session, groups, filters=engine_search.Filters(), limit=300)


def _keyed(session: Session, ranked: list[tuple[int, float]]) -> list[tuple[str, int, float]]:
    """(meeting date, position, score): what is the same passage in two databases."""
    rows = dict(
        (int(r[0]), (str(r[1]), int(r[2])))
        for r in session.execute(
            text(
                "SELECT p.id, m.meeting_date, p.position FROM council_passage p "
                "JOIN council_meeting m ON m.id = p.meeting_id"
            )
        )
    )
    return [(*rows[i], round(s, 9)) for i, s in ranked]


def _ingest(engine: Engine, folder: Path) -> None:
    folder.mkdir()
    files = sorted((ROOT / "content" / "council").glob("*.md")) + sources(EVAL3)
    for source in files:
        shutil.copyfile(source, folder / source.name)
    results, errors = ingest_paths(engine, sorted(folder.iterdir()))
    assert errors == [] and len(results) == len(files)


def test_same_ranking_as_fts5(
    engine: Engine, db_url: str, tmp_path: Path, sqlite_template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Demo and eval3 minutes, before and after spaCy's lemmas: on SQLite the postings rank as
    FTS5 does (same ids, order and scores); on PostgreSQL they rank as FTS5 does on a SQLite copy
    of the same minutes."""
    _ingest(engine, tmp_path / "minutes")
    reference = engine
    if not db_url.startswith("sqlite"):
        shutil.copyfile(sqlite_template, tmp_path / "reference.sqlite3")
        reference = make_engine(f"sqlite:///{tmp_path / 'reference.sqlite3'}")
        _ingest(reference, tmp_path / "again")
    for step in ("words", "lemmas"):
        if step == "lemmas":
            assert index_entities(engine) > 0
            if reference is not engine:
                assert index_entities(reference) > 0
        found = 0
        with Session(engine) as session, Session(reference) as ref:
            for query in QUERIES:
                ours = _ranking(session, query)
                # The candidates' columns kept with the postings are the database's.
                known: engine_search.Known = {}
                groups = expand(session, engine_search.query_terms(query)).groups
                postings.rank(session, groups, limit=300, mode="every first", known=known)
                ids = sorted(known)
                assert [known[i] for i in ids] == engine_search._candidate_rows(session, ids)
                fts5 = _database_ranking(ref, query, monkeypatch)
                assert _keyed(session, ours) == _keyed(ref, fts5), (step, query)
                found += bool(ours)
        assert found >= len(QUERIES) - 3  # the unknown words find nothing, the others do
    if reference is not engine:
        reference.dispose()


def test_new_and_replaced_minutes_are_searched_at_once(
    login_as: Any, engine: Engine, tmp_path: Path
) -> None:
    """Minutes added after a search, then a corrected file of the same meeting: the next search
    finds the new words, and no longer the replaced ones (signed in: no shared page kept)."""
    client = login_as()
    meeting = tmp_path / "2031-02-03.md"
    meeting.write_text(
        "# Conseil municipal du 3 février 2031\n\nLe conseil approuve le plan de "
        "désherbage des trottoirs.\n",
        encoding="utf-8",
    )
    assert NOTHING in client.get("/council/search", params={"q": "désherbage"}).text
    assert ingest_paths(engine, [meeting])[1] == []
    page = client.get("/council/search", params={"q": "désherbage"}).text
    assert "plan de <mark>désherbage</mark>" in page
    meeting.write_text(
        "# Conseil municipal du 3 février 2031\n\nLe conseil approuve le plan de "
        "fleurissement des trottoirs.\n",
        encoding="utf-8",
    )
    assert ingest_paths(engine, [meeting])[1] == []
    assert NOTHING in client.get("/council/search", params={"q": "désherbage"}).text
    assert (
        "<mark>fleurissement</mark>"
        in client.get("/council/search", params={"q": "fleurissement"}).text
    )


def test_large_index_builds_in_the_background(
    engine: Engine, client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over SYNC_MEETINGS meetings, the postings are read in a background thread: the first
    search is answered by the database (the same page), later ones by the postings."""
    _ingest(engine, tmp_path / "minutes")
    monkeypatch.setattr(postings, "SYNC_MEETINGS", 0)
    groups = engine_search.query_terms("cantine tarif")
    with Session(engine) as session:
        assert postings.rank(session, groups, limit=10, mode="every first") is None
        first = client.get("/council/search", params={"q": "cantine tarif"})
        postings.wait_idle(engine)
        ranked = postings.rank(session, groups, limit=10, mode="every first")
        assert ranked is not None and len(ranked) == 10
    again = client.get("/council/search", params={"q": "cantine tarif"})
    assert first.status_code == again.status_code == 200
    assert first.text == again.text


def test_phrases_the_thesaurus_lacks_go_to_the_database(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The postings count the thesaurus's phrases only (positions are not kept): another phrase
    is left to the database (rank gives None); a new thesaurus line's phrase is counted once
    the file changes."""
    _ingest(engine, tmp_path / "minutes")
    with Session(engine) as session:
        assert postings.rank(session, [("budget primitif",)], limit=5, mode="every")
        assert postings.rank(session, [("cantine scolaire",)], limit=5, mode="every") is None
        own = tmp_path / "thesaurus.txt"
        own.write_text("cantine scolaire, restauration scolaire\n", encoding="utf-8")
        monkeypatch.setattr(postings, "thesaurus", lambda: load_thesaurus(own))
        ranked = postings.rank(session, [("cantine scolaire",)], limit=5, mode="every")
        assert ranked is not None
        assert postings.rank(session, [("budget primitif",)], limit=5, mode="every") is None
