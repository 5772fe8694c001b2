"""The council search's cheaper paths give the answers of the plain ones (issue 18): the "every
word, then any word" ranking in one statement, snippets from the passages' words read once, and
the facet links written without encoding the query again."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal.council import fulltext, postings
from portal.council import search as engine_search
from portal.council.ingest import ingest_paths
from portal.council.search import Filters, highlight, query_terms, ranked_ids
from portal.council.text import stem
from portal.council.vocabulary import expand
from tests.helpers import count_queries

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content" / "council"

QUERIES = ["piscine budget", "piscine budget voirie", "école sport culture", "travaux voirie",
           "piscine zzzqqq", "conseil municipal délibération", "vidéosurveillance parc"]  # fmt: skip


def _two_statements(
    session: Session, groups: list[Any], filters: Filters, limit: int
) -> list[tuple[int, float]]:
    """The ranking as it was: the "every word" query, then the "any word" query's others."""
    ranked = ranked_ids(session, groups, filters=filters, limit=limit, any_term=False)
    if len(ranked) < limit:
        seen = {i for i, _ in ranked}
        more = ranked_ids(session, groups, filters=filters, limit=limit, any_term=True)
        ranked += [r for r in more if r[0] not in seen][: limit - len(ranked)]
    return ranked


@pytest.mark.usefixtures("demo_minutes")
def test_every_word_then_any_word_in_one_statement(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database's candidates of a search of several words (when the postings cannot answer:
    portal/council/postings.py) are those of the two queries it replaced, in the same order with
    the same scores, filtered or not, whatever the limit."""
    monkeypatch.setattr(postings, "rank", lambda *_a, **_k: None)
    ranking: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "MATCH" in statement or "ts_rank" in statement:
            ranking.append(statement)

    with Session(engine) as session:
        for query in QUERIES:
            groups = expand(session, query_terms(query)).groups
            assert len(groups) > 1
            for filters in (Filters(), Filters(outcome="adopted")):
                for limit in (3, 20, 300):
                    expected = _two_statements(session, groups, filters, limit)
                    ranking.clear()
                    event.listen(engine, "before_cursor_execute", note)
                    try:
                        found = engine_search._candidates(
                            session, groups, filters=filters, limit=limit
                        )
                    finally:
                        event.remove(engine, "before_cursor_execute", note)
                    assert found == expected, (query, filters, limit)
                    assert len(ranking) == 1


def test_snippet_marks_words_by_stem_and_by_lemma() -> None:
    """A snippet marks each word whose stem, or whose lemma's stem, is asked, in the passage's
    order, the same when the passage is shown again."""
    passage = "Les travaux de la piscine. La Piscine rouvrira après les travaux d'été."
    lemmas = {"travaux": "travail", "rouvrira": "rouvrir"}
    wanted = {stem("travail"), stem("piscine")}
    first = str(highlight(passage, wanted, lemmas))
    assert first == (
        "Les <mark>travaux</mark> de la <mark>piscine</mark>. La <mark>Piscine</mark> rouvrira "
        "après les <mark>travaux</mark> d&#39;été."
    )
    assert str(highlight(passage, wanted, lemmas)) == first
    assert str(highlight(passage, {stem("rouvrir")}, lemmas)) == (
        "Les travaux de la piscine. La Piscine <mark>rouvrira</mark> après les travaux d&#39;été."
    )
    # Without the passage's lemmas, "travaux" is not "travail".
    assert "<mark>" not in str(highlight(passage, {stem("travail")}, {}))


@pytest.mark.usefixtures("demo_minutes")
def test_facet_links_keep_the_address_and_add_the_filter(client: TestClient) -> None:
    """Each facet link is the search's address with its filters, plus the facet's filter: a
    subject with spaces and accents is encoded as in any other link of the page."""
    page = client.get("/council/search", params={"q": "piscine budget", "issue": "adopted"}).text
    assert 'href="/council/search?q=piscine+budget&amp;issue=adopted&amp;theme=' in page
    assert re.search(r"issue=adopted&amp;theme=[A-Z][a-z]*(%C3%[0-9A-F]{2}[a-z]*)*\+et\+", page)
    # The outcome already chosen is replaced where it stands, not added again.
    assert 'href="/council/search?q=piscine+budget&amp;issue=adopted"' in page


def _minutes(engine: Engine, tmp_path: Path) -> list[Path]:
    """Two demo meetings ingested; their files."""
    files = sorted(CONTENT.glob("*.md"))[:2]
    results, errors = ingest_paths(engine, files)
    assert not errors and len(results) == 2
    return files


def test_a_corrected_meeting_is_searched_as_corrected(
    engine: Engine, app: Starlette, client: TestClient, tmp_path: Path
) -> None:
    """A word that minutes gain when corrected is found at once, not reported absent from every
    meeting, even when the correction keeps the number of paragraphs (the search's vocabulary
    is kept per process until the minutes change)."""
    files = _minutes(engine, tmp_path)
    absent = "Absents de tous les procès-verbaux"
    page = client.get("/council/search", params={"q": "zorglub"}).text
    assert absent in page and "<mark>" not in page
    source = files[-1].read_text()
    assert "La séance est levée" in source
    corrected = tmp_path / files[-1].name
    corrected.write_text(source.replace("La séance est levée", "La zorglub est levée"))
    results, errors = ingest_paths(engine, [corrected])
    assert not errors and results[0].status == "replaced"
    app.state.page_cache.clear()
    page = client.get("/council/search", params={"q": "zorglub"}).text
    assert absent not in page and "<mark>zorglub</mark>" in page


@pytest.mark.parametrize("state_seconds", [fulltext.STATE_SECONDS, 0])
def test_search_page_statements(engine: Engine, app: Starlette, client: TestClient,
                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                state_seconds: float) -> None:  # fmt: skip
    """A search page sends a fixed, small number of statements whatever the hits: the index's
    state (unless a view of this process read it less than STATE_SECONDS ago), the shown
    passages and the facets' entities (those two only for passages no search read before: kept
    per process for the index's state, on both databases), read outside any ORM transaction
    (no BEGIN on SQLite; PostgreSQL reads in one transaction). The ranking is done in the
    process (portal/council/postings.py): no statement, a phrase of the municipal thesaurus
    ("budget" -> "budget primitif") and the ranking by the words typed alone included; the
    headings' ids are kept per process too."""
    _minutes(engine, tmp_path)
    monkeypatch.setattr(fulltext, "STATE_SECONDS", state_seconds)
    firsts, counts = [], []
    for query in ("conseil", "conseil municipal", "budget"):
        for view in range(2):
            app.state.page_cache.clear()
            with count_queries(engine) as queries:
                page = client.get("/council/search", params={"q": query}).text
            assert "<mark>" in page
            (counts if view else firsts).append(queries.count)
    # The first view of a query: the state (when not read just before), and the rows of
    # passages no search showed before (their entities with them when the facets need them);
    # the process's very first search also reads what it keeps for the index's state
    # (vocabulary, subjects, headings).
    assert all(n <= 3 for n in firsts[1:]), firsts
    # The second: nothing at all when the state was read a moment ago (the shown passages' rows
    # and entities are kept per process for that state), else the index's state only.
    assert counts == ([0, 0, 0] if state_seconds else [1, 1, 1]), counts


def test_minutes_ingested_by_another_process_are_found_within_state_seconds(
    engine: Engine, client: TestClient, db_url: str, tmp_path: Path
) -> None:
    """The index's state a search read stands for the next searches of its process for at most
    fulltext.STATE_SECONDS: minutes that `portal council ingest` (another process, which this
    process's write events cannot see) loads are found once that time has passed, without
    anything else written meanwhile."""
    _minutes(engine, tmp_path)
    word = "Zorglubienne"
    assert "<mark>" not in client.get("/council/search", params={"q": word}).text
    source = sorted(CONTENT.glob("*.md"))[2].read_text()
    added = tmp_path / "2031-03-03.md"
    added.write_text(source.replace("La séance est levée", f"La séance {word} est levée", 1))
    assert word in added.read_text()
    env = {**os.environ, "PORTAL_DATABASE_URL": db_url, "PORTAL_DATA_DIR": str(tmp_path),
           "PORTAL_SECRET_KEY": "x" * 40}  # fmt: skip
    out = subprocess.run([sys.executable, "-m", "portal.cli", "council", "ingest", str(added)],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr
    done = time.monotonic()
    client.get("/council/search", params={"q": "conseil"})  # a search in between
    time.sleep(max(0.0, fulltext.STATE_SECONDS - (time.monotonic() - done)) + 0.05)
    page = client.get("/council/search", params={"q": word}).text
    assert f"<mark>{word}</mark>" in page


def test_facets_count_the_entities_of_corrected_minutes(
    engine: Engine, app: Starlette, client: TestClient, tmp_path: Path
) -> None:
    """The facets count what the minutes name now: a date that corrected minutes gain is a
    facet on the next search (the entities kept per process are read again when the index
    changes)."""
    files = _minutes(engine, tmp_path)
    page = client.get("/council/search", params={"q": "séance levée"}).text
    assert "<mark>" in page and "annee=2031" not in page
    source = files[-1].read_text()
    corrected = tmp_path / files[-1].name
    corrected.write_text(
        source.replace("La séance est levée", "La séance est levée jusqu'au 3 mars 2031")
    )
    results, errors = ingest_paths(engine, [corrected])
    assert not errors and results[0].status == "replaced"
    app.state.page_cache.clear()
    page = client.get("/council/search", params={"q": "séance levée"}).text
    assert "annee=2031" in page


@pytest.mark.usefixtures("demo_minutes")
def test_passage_counts_are_the_indexs_and_kept(engine: Engine) -> None:
    """fulltext.passage_counts gives the passages in all and the passages with each word, as
    counting them one statement at a time does (answer.py's doc_freq), in one statement, and
    none the next time while the index is unchanged."""
    from portal.council.answer import doc_freq
    from portal.council.fulltext import passage_counts

    with Session(engine) as session:
        for query in QUERIES:
            groups = expand(session, query_terms(query)).groups
            total, freq = doc_freq(session, groups)
            with count_queries(engine) as first:
                found_total, found = passage_counts(session, groups)
            assert (found_total, {stem(g[0]): n for g, n in found.items()}) == (total, freq)
            assert first.count <= 2  # the index's state, the counts
            with count_queries(engine) as again:
                assert passage_counts(session, groups) == (found_total, found)
            assert again.count <= 1  # the index's state only


def test_escape_text_is_markupsafes_escape() -> None:
    """The snippets' and the hit list's escaping writes what markupsafe.escape writes."""
    from markupsafe import escape

    from portal.council.search import _escape_text, escape_text

    # the C function in use, and the fallback kept for a markupsafe without it
    assert escape_text is not _escape_text
    for value in ("", "plain words", "a < b && c > d", 'l\'école "Jules" <b>', "&amp; déjà"):
        assert escape_text(value) == str(escape(value))
        assert _escape_text(value) == str(escape(value))
        assert type(escape_text(value)) is str
