"""The home page says what is happening: the open consultation and who took part, the latest
council meeting and its decisions, the register's latest changes, questions waiting for an answer,
the programme's key figures; every figure is checked against the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.consultation.charter.models import Clause
from portal.consultation.participation.models import Comment, Proposal, Support
from portal.council.ingest import ingest_paths
from portal.council.models import Item, Meeting
from portal.db import session_scope
from portal.registry import services as registry_services
from portal.registry.models import Question, System
from portal.settings import Settings
from tests.factories import ROOT, add_comment, add_proposal, consultation, register_entries
from tests.helpers import count_queries, t

COUNCIL = ROOT / "content" / "council"


def _took_part(engine: Engine) -> int:
    """Everyone who commented, proposed or supported on draft version 2, counted in Python."""
    with session_scope(engine, write=False) as s:
        clause_ids = set(s.scalars(select(Clause.id).where(Clause.version_id == _v2(s))))
        proposals = list(s.scalars(select(Proposal).where(Proposal.version_id == _v2(s))))
        proposal_ids = {p.id for p in proposals}
        comments = [
            c
            for c in s.scalars(select(Comment))
            if c.clause_id in clause_ids or c.proposal_id in proposal_ids
        ]
        people = {c.author_id for c in comments if c.deleted_at is None and c.hidden_at is None}
        people |= {p.author_id for p in proposals if p.hidden_at is None}
        comment_ids = {c.id for c in comments}
        for sup in s.scalars(select(Support)):
            targets = {"clause": clause_ids, "proposal": proposal_ids, "comment": comment_ids}
            if sup.target_id in targets.get(sup.target_type, set()):
                people.add(sup.user_id)
        return len(people)


def _v2(session: Any) -> int:
    from portal.consultation.charter.services import get_version

    return int(get_version(session, 2).id or 0)


def test_empty_portal_home_says_nothing_is_happening_yet(client: TestClient) -> None:
    """On an empty database the home page answers 200 and says there is nothing yet."""
    page = t(client.get("/"))
    assert "Aucun procès-verbal n'est encore publié." in page
    assert "Aucune fiche n'est encore publiée." in page
    assert "Aucune question n'attend de réponse pour le moment." in page
    assert "0</strong> systèmes d'IA en service" in page


def test_home_counts_match_the_database(
    client: TestClient, engine: Engine, settings: Settings, make_user: Any, tmp_path: Path
) -> None:
    """Each figure on the home page is the database's count, and each block links to its page."""
    accounts = consultation(engine, settings, make_user)
    residents = [make_user() for _ in range(3)]
    add_proposal(engine, author_id=residents[0], supporters=[residents[1], residents[2]])
    add_proposal(engine, author_id=residents[1], title="Un agent le samedi")
    add_comment(engine, author_id=residents[2], supporters=[accounts["agent"]])
    slugs = register_entries(engine, accounts["agent"])
    asker = make_user()
    with session_scope(engine) as s:
        registry_services.ask(
            s, slug=slugs[0], author_id=asker, body="Qui relit les réponses du robot ?",
            kind="question",
        )  # fmt: skip
    results, errors = ingest_paths(engine, sorted(COUNCIL.glob("*.md"))[:3])
    assert errors == [] and len(results) == 3

    page = t(client.get("/"))

    took_part = _took_part(engine)
    assert took_part >= 4
    assert f"{took_part} personnes y ont pris part." in page
    with session_scope(engine, write=False) as s:
        waiting_proposals = s.scalar(
            select(func.count()).select_from(Proposal).where(Proposal.status == "pending")
        )
        waiting_questions = s.scalar(
            select(func.count()).select_from(Question).where(Question.answer.is_(None))  # type: ignore[union-attr]
        )
        deployed = s.scalar(
            select(func.count()).select_from(System).where(System.status == "deployed")
        )
        testing = s.scalar(select(func.count()).select_from(System).where(System.status == "test"))
        latest = s.scalar(select(Meeting).order_by(Meeting.meeting_date.desc()).limit(1))  # type: ignore[attr-defined]
        assert latest is not None
        votes = list(
            s.scalars(
                select(Item)
                .where(Item.meeting_id == latest.id, Item.adopted.is_not(None))  # type: ignore[union-attr]
                .order_by(Item.position)
            )
        )
        meetings = s.scalar(select(func.count()).select_from(Meeting))
    unanswered = int(waiting_proposals or 0) + int(waiting_questions or 0)
    assert unanswered >= 3
    assert f"{unanswered} questions ou propositions attendent la réponse de la ville." in page
    assert "Qui relit les réponses du robot ?" in page and "Un agent le samedi" in page
    assert f"{deployed}</strong> systèmes d'IA en service" in page
    assert f"{testing}</strong> systèmes d'IA en test" in page
    assert f"{meetings}</strong> séances du conseil publiées" in page
    assert f'href="/council/m/{latest.meeting_date.isoformat()}"' in page
    adopted = sum(1 for v in votes if v.adopted)
    if votes:
        assert f"{len(votes)} délibérations votées, dont {adopted} adoptées." in page or (
            f"{len(votes)} délibération votée, dont {adopted} adoptée." in page
        )
        assert votes[0].title in page
    assert "Consultation ouverte" in page and "Vous avez jusqu'au" in page
    for href in ('href="/charter"', 'href="/registry"', f'href="/registry/{slugs[0]}#question-'):
        assert href in page


def test_home_is_cached_for_visitors_and_fresh_after_a_write(
    client: TestClient, engine: Engine, settings: Settings, make_user: Any
) -> None:
    """Anonymous visitors share the home page; a write in the process shows up on the next visit."""
    assert "Aucune fiche n'est encore publiée." in t(client.get("/"))
    slugs = register_entries(engine, make_user("agent"))
    # Written behind the app's back: the shared page is still the one rendered before...
    assert "Aucune fiche n'est encore publiée." in t(client.get("/"))
    client.app.state.page_cache.clear()  # type: ignore[attr-defined]
    fresh = t(client.get("/"))
    assert "Aucune fiche n'est encore publiée." not in fresh
    assert any(f"/registry/{slug}#historique" in fresh for slug in slugs)


def test_signed_in_home_is_shared_and_fresh_after_each_kind_of_write(
    client: TestClient, engine: Engine, settings: Settings, make_user: Any, login_as: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """A signed-in visitor's home page is rendered once per process for their kind of visitor,
    language and day (issue 18), yet shows each write at once: a proposal (the consultation's
    generation), a register question (the same counter), minutes ingested (the council index's
    state). The page's second view sends the session's statements and the versions' reads only;
    the visitor's own name is theirs; English is English."""
    from portal.council import fulltext

    monkeypatch.setattr(fulltext, "STATE_SECONDS", 0)  # every view reads the index's state
    accounts = consultation(engine, settings, make_user)
    resident = login_as("resident")
    assert "Bienvenue" in t(resident.get("/"))  # the sign-in's message: this view alone
    first = t(resident.get("/"))
    assert "0 personne y a pris part." in first or "personnes y ont pris part." in first
    with count_queries(engine) as queries:
        again = t(resident.get("/"))
    assert again == first
    # the session and its roles, the consultation's generation, the council index's state
    assert queries.count == 3, queries.count
    author = make_user()
    add_proposal(engine, author_id=author, title="Un humain au bout du fil le dimanche")
    after_proposal = t(resident.get("/"))
    assert "Un humain au bout du fil le dimanche" in after_proposal
    slugs = register_entries(engine, accounts["agent"])
    with session_scope(engine) as s:
        registry_services.ask(s, slug=slugs[0], author_id=author,
                              body="Le répondeur vocal enregistre-t-il les appels ?",
                              kind="question")  # fmt: skip
    assert "Le répondeur vocal enregistre-t-il les appels ?" in t(resident.get("/"))
    results, errors = ingest_paths(engine, sorted(COUNCIL.glob("*.md"))[:1])
    assert errors == [] and len(results) == 1
    with_minutes = t(resident.get("/"))
    assert f'href="/council/m/{results[0].meeting_date.isoformat()}"' in with_minutes
    # another signed-in visitor of the same kind gets the same page with their own name
    other = login_as("resident")
    other.get("/")  # the sign-in's message
    theirs = t(other.get("/"))
    with session_scope(engine, write=False) as s:
        from portal.accounts.models import User

        names = {u.id: u.display_name for u in s.scalars(select(User))}
    assert names[other.user_id] in theirs and names[resident.user_id] not in theirs
    other.cookies.set("portal_lang", "en")
    english = t(other.get("/"))
    assert "Questions waiting for an answer" in english
    assert "Questions en attente de réponse" not in english
