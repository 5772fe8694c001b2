"""Tables in the minutes, as answers read them (issue 14): a row is a fact of its own, quoted alone
(verbatim) with its header's words counted like a title's; a question asking why, that only a
table's rows answer, is not answered (a vote says who, never why). On both databases, through the
reader: Markdown tables as a secretary types them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.council.answer import RULES, ask, quotable_parts, table_header
from portal.db import session_scope
from tests.helpers import ingest_minutes

MINUTES = """# Conseil municipal de Kerlouan-sur-Aff — séance du 12 mars 2026

## 1. Tarifs de la salle polyvalente

Mme Gwenaëlle Tanguy, adjointe à la vie associative, présente les tarifs de location de la salle polyvalente pour l'année 2026.

| Location | Habitants | Extérieurs |
|---|---|---|
| Week-end | 320 € | 560 € |
| Journée en semaine | 140 € | 250 € |
| Vin d'honneur | 90 € | 150 € |

Adopté à l'unanimité.

## 2. Votes de la séance

| N° | Objet | Pour | Contre | Abst. |
|---|---|---|---|---|
| 2026-11 | Tarifs de la salle polyvalente | 15 | 0 | 0 |
| 2026-12 | Éclairage du terrain de football | 12 | 3 (M. Le Bihan, Mme Riou, M. Caradec) | 0 |
| 2026-13 | Adhésion au syndicat de la fourrière | 14 | 0 | 1 (M. Caradec) |
"""


@pytest.fixture
def kerlouan(engine: Engine, tmp_path: Path) -> Engine:
    return ingest_minutes(engine, tmp_path / "2026-03-12.md", MINUTES)


def test_a_table_is_quoted_by_its_rows() -> None:
    table = (
        "| N° | Objet | Pour | |---|---|---| | 2026-11 | Tarifs | 15 | "
        "| 2026-12 | Éclairage du terrain | 12 |"
    )
    assert quotable_parts(table) == [
        "| 2026-11 | Tarifs | 15 |",
        "| 2026-12 | Éclairage du terrain | 12 |",
    ]
    assert table_header(table) == "| N° | Objet | Pour |"
    lines = "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |"
    assert quotable_parts(lines) == ["| 1 | 2 |", "| 3 | 4 |"]
    # a browser's CRLF: the same rows, no carriage return in them
    assert quotable_parts(lines.replace("\n", "\r\n")) == ["| 1 | 2 |", "| 3 | 4 |"]
    # any other passage: its sentences
    assert quotable_parts("Adopté. Le maire remercie.") == ["Adopté.", "Le maire remercie."]
    assert table_header("Adopté à l'unanimité.") == ""


def test_a_question_on_one_row_quotes_that_row(kerlouan: Engine) -> None:
    with session_scope(kerlouan, write=False) as session:
        reply = ask(session, "prix location salle polyvalente le week end pour les exterieurs")
        assert reply.found, reply.rule
        assert reply.quotes[0].text == "| Week-end | 320 € | 560 € |"
        reply = ask(session, "qui a vote contre l'eclairage du terrain de foot")
        assert reply.found, reply.rule
        row = "| 2026-12 | Éclairage du terrain de football | 12 | 3 (M. Le Bihan, Mme Riou, M. Caradec) | 0 |"
        assert row in [q.text for q in reply.quotes]
        # never the whole table: each quote is one row or a sentence
        assert all(q.text.count("2026-1") <= 1 for q in reply.quotes)


def test_why_is_not_answered_by_a_vote_row(kerlouan: Engine) -> None:
    with session_scope(kerlouan, write=False) as session:
        reply = ask(session, "pourquoi caradec s'est abstenu sur la fourriere")
        assert not reply.found
        assert reply.rule == "reason-missing" and reply.rule in RULES
        # what was declined was the row that says who abstained (with, since the closing
        # table's rows are each their deliberation's vote passage, the other row naming him)
        declined = [q.text for q in reply.declined]
        assert declined[0] == (
            "| 2026-13 | Adhésion au syndicat de la fourrière | 14 | 0 | 1 (M. Caradec) |"
        )
        assert all(q.startswith("| 2026-1") and "Caradec" in q for q in declined)


def test_the_ask_page_shows_a_quoted_row_under_its_columns(
    client: TestClient, kerlouan: Engine
) -> None:
    """A resident reads "| Week-end | 320 € | 560 € |" as a row of a table with its columns
    named: the page shows it so, in a box that scrolls on a phone (a named region the keyboard
    reaches), and the API gives the row word for word."""
    question = "prix location salle polyvalente le week end pour les exterieurs"
    page = client.get("/council/ask", params={"q": question}).text
    assert 'role="region" tabindex="0" aria-label="Ligne citée du tableau"' in page
    assert (
        '<th scope="col">Location</th><th scope="col">Habitants</th><th scope="col">Extérieurs</th>'
    ) in page
    assert "<td>Week-end</td><td>320 €</td><td>560 €</td>" in page
    data = client.get("/api/council/ask", params={"q": question}).json()
    assert data["answer"][0]["quote"] == "| Week-end | 320 € | 560 € |"
    # a sentence is still quoted as a sentence
    page = client.get("/council/ask", params={"q": "qui est l adjointe a la vie associative"}).text
    assert "« Mme Gwenaëlle Tanguy, adjointe à la vie associative" in page


def test_minutes_typed_with_crlf_are_quoted_by_their_rows(engine: Engine, tmp_path: Path) -> None:
    """The same minutes saved by a browser (CRLF line ends): the same row, under its columns."""
    ingest_minutes(engine, tmp_path / "2026-03-12.md", MINUTES.replace("\n", "\r\n"))
    with session_scope(engine, write=False) as session:
        reply = ask(session, "prix location salle polyvalente le week end pour les exterieurs")
        assert reply.found, reply.rule
        assert reply.quotes[0].text == "| Week-end | 320 € | 560 € |"
        assert reply.quotes[0].columns == [
            ("Location", "Week-end"),
            ("Habitants", "320 €"),
            ("Extérieurs", "560 €"),
        ]
