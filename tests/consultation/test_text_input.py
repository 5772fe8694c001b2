"""Text as people type it: a browser's CRLF, decomposed accents and trailing spaces are normalised
once at the edge, what was stored before is migrated (0009), and diffs never show such noise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.consultation.charter.models import CharterVersion, Clause
from portal.consultation.demo.loader import load_demo
from portal.consultation.participation.models import Comment, Proposal
from portal.db import make_engine, session_scope
from portal.migrate import downgrade, upgrade
from portal.settings import Settings
from portal.text import normalise_input
from tests.factories import ROOT, Accounts, create_user
from tests.helpers import (
    SECRET,
    database_at,
    post,
    post_comment,
    t,
)

BROWSER_TEXT = "Première ligne  \r\nDeuxie\u0300me ligne\r\n\r\nTroisième\x07 ligne\t"


def test_normalise_input_is_what_people_meant() -> None:
    """CRLF and CR become LF, accents are composed, trailing spaces and control characters go."""
    assert normalise_input(BROWSER_TEXT) == "Première ligne\nDeuxième ligne\n\nTroisième ligne"
    assert normalise_input("a\rb") == "a\nb"
    assert normalise_input(normalise_input(BROWSER_TEXT)) == normalise_input(BROWSER_TEXT)
    assert normalise_input("tab\tinside stays") == "tab\tinside stays"


def test_a_comment_typed_in_a_browser_is_stored_with_lf(
    charter: Accounts, login_as: Any, engine: Engine, client: TestClient
) -> None:
    """A textarea's CRLF reaches the database as LF, composed, without trailing spaces."""
    resident = login_as()
    assert post_comment(resident, BROWSER_TEXT).status_code == 303
    with session_scope(engine, write=False) as session:
        body = session.scalars(select(Comment.body).order_by(Comment.id.desc())).first()  # type: ignore[union-attr]
    assert body == "Première ligne\nDeuxième ligne\n\nTroisième ligne"
    assert "Deuxième ligne" in t(client.get("/charter/clauses/4"))


def test_an_article_sent_back_by_a_browser_diffs_only_where_it_changed(
    charter: Accounts, login_as: Any, engine: Engine, client: TestClient
) -> None:
    """Clause 4 sent back with the browser's CRLF is seen as unchanged (refused as identical);
    with one word changed, the diff shows that word and nothing else."""
    with session_scope(engine, write=False) as session:
        clause = session.scalar(
            select(Clause)
            .join(CharterVersion, CharterVersion.id == Clause.version_id)
            .where(CharterVersion.number == 2, Clause.number == 4)
        )
        assert clause is not None
        title, body = clause.title, clause.body
    assert "\n" in body and "robot" in body
    agent = login_as("agent")

    def propose(text: str) -> Any:
        return post(
            agent, "/charter/proposals",
            {"kind": "amend", "clause_number": "4", "title": title,
             "body": text.replace("\n", "\r\n") + "  ", "rationale": "Relu."},
            follow_redirects=False,
        )  # fmt: skip

    same = propose(body)
    assert same.status_code == 400 and "identique au texte actuel" in t(same)
    changed = propose(body.replace("robot", "automate", 1))
    assert changed.status_code == 303, t(changed)[:500]
    page = client.get(changed.headers["location"]).text
    assert page.count("<del>") == 1 and page.count("<ins>") == 1


@pytest.fixture(params=["sqlite", "postgres"])
def url_at_head(request: pytest.FixtureRequest, tmp_path: Path, worker_tag: str) -> Iterator[str]:
    """A scratch database at the current revision (rows are stored with today's code, then the
    database is taken back to 0008, where they are rewritten as 0008's code stored them)."""
    with database_at("head", request.param, tmp_path, f"portal_migration_0009_{worker_tag}") as url:
        yield url


def _read(url: str, sql: str, **params: Any) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params))
    finally:
        engine.dispose()


def test_migration_0009_normalises_stored_text_but_not_published_versions(
    url_at_head: str, tmp_path: Path
) -> None:
    """Rows stored with CRLF by 0008's code read as LF after the upgrade; a published article is
    left as it was published; the downgrade changes nothing back."""
    url = url_at_head
    engine = make_engine(url)
    settings = Settings(database_url=url, secret_key=SECRET, data_dir=tmp_path,
                        content_dir=ROOT / "content")  # fmt: skip
    accounts = {"elu": create_user(engine, roles=("official",)),
                "agent": create_user(engine, roles=("agent",))}  # fmt: skip
    load_demo(engine, settings, accounts=accounts, progress=lambda _m: None)
    with session_scope(engine) as session:
        draft = session.scalar(select(CharterVersion).where(CharterVersion.number == 2))
        clause = session.scalar(
            select(Clause).where(Clause.version_id == draft.id, Clause.number == 4)  # type: ignore[union-attr]
        )
        comment = Comment(author_id=accounts["agent"], clause_id=clause.id, body="x")  # type: ignore[union-attr]
        proposal = Proposal(
            version_id=draft.id, kind="amend", clause_slug=clause.slug,  # type: ignore[union-attr]
            section_slug=clause.section_slug, title="Titre", body="x",  # type: ignore[union-attr]
            base_body="x", rationale="x", author_id=accounts["agent"],
        )  # fmt: skip
        session.add_all([comment, proposal])
        session.flush()
        comment_id, proposal_id = comment.id, proposal.id
    engine.dispose()
    downgrade(url, "0008")
    # Stored as 0008's code stored what browsers sent: as it came.
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE consultation_comment SET body = :b WHERE id = :i"),
                     {"b": BROWSER_TEXT, "i": comment_id})  # fmt: skip
        conn.execute(
            text("UPDATE consultation_proposal SET body = :b, base_body = :b, rationale = :r "
                 "WHERE id = :i"),
            {"b": BROWSER_TEXT, "r": "Pourquoi\r\ndonc", "i": proposal_id},
        )  # fmt: skip
        for number in (1, 2):  # 1 is published, 2 is the draft
            conn.execute(
                text(
                    "UPDATE consultation_clause SET body = :b WHERE number = 4 AND version_id = "
                    "(SELECT id FROM consultation_version WHERE number = :n)"
                ),
                {"b": BROWSER_TEXT, "n": number},
            )
    engine.dispose()

    upgrade(url, "0009")
    expected = normalise_input(BROWSER_TEXT)
    comment_sql = "SELECT body FROM consultation_comment WHERE id = :i"
    assert _read(url, comment_sql, i=comment_id)[0][0] == expected
    [(body, base_body)] = _read(
        url, "SELECT body, base_body FROM consultation_proposal WHERE id = :i", i=proposal_id
    )
    assert (body, base_body) == (expected, expected)
    bodies = dict(
        _read(
            url,
            "SELECT v.number, c.body FROM consultation_clause c JOIN consultation_version v "
            "ON v.id = c.version_id WHERE c.number = 4",
        )
    )
    assert bodies == {1: BROWSER_TEXT, 2: expected}
    downgrade(url, "0008")
    assert _read(url, comment_sql, i=comment_id)[0][0] == expected
