"""Synthesis of comments through HTTP: computed by the job, edited by officials, published, exported."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.clock import utcnow
from portal.consultation.charter import services
from portal.consultation.demo.loader import clause_ids_by_slug, insert_comment
from portal.consultation.participation.models import Comment
from portal.consultation.synthesis.jobs import recompute
from portal.consultation.synthesis.models import (
    SynthesisEdit,
    SynthesisMember,
    SynthesisRun,
    SynthesisTheme,
)
from portal.core_models import AuditEvent
from portal.db import session_scope
from portal.manifest import JobContext
from portal.settings import Settings
from tests.helpers import ROLES, as_role, assert_accessible, assert_statuses
from tests.helpers import post as post_form

LABELLED = Path(__file__).resolve().parents[1] / "nlp" / "data" / "labelled_comments.jsonl"
HIDDEN_TEXT = "Commentaire insultant masqué par la modération, jamais dans la synthèse."


def labelled(themes: tuple[str, ...], per_theme: int) -> list[str]:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    out = []
    for theme in themes:
        out += [r["text"] for r in rows if r["theme"] == theme and not r["campaign"]][:per_theme]
    return out


@pytest.fixture
def commented_draft(accounts: dict[str, int], engine: Engine, make_user: Any) -> dict[str, int]:
    """Version 2 open, 36 comments on two clauses (one hidden by moderation)."""
    ids = dict(accounts)
    resident = make_user(name="Habitante")
    with session_scope(engine) as session:
        version_id = int(services.get_version(session, 2).id or 0)
        clauses = clause_ids_by_slug(session, version_id)
        texts = labelled(("chatbot_voicebot", "environnement", "protection_donnees"), 8)
        for n, text in enumerate(texts):
            slug = "contact-humain" if n % 3 else "sobriete"
            insert_comment(session, author_id=resident, body=text, clause_id=clauses[slug])
        for n in range(11):  # a small copy-paste campaign
            insert_comment(session, author_id=resident, clause_id=clauses["contact-humain"],
                           body="Je veux un humain au téléphone, pas un robot !" + " !" * (n % 3))  # fmt: skip
        hidden = insert_comment(session, author_id=resident, body=HIDDEN_TEXT,
                                clause_id=clauses["contact-humain"])  # fmt: skip
        hidden.hidden_at = utcnow()
        hidden.hidden_by = ids["elu"]
        hidden.hidden_reason = "insult"
    ids["resident"] = resident
    return ids


def run_job(engine: Engine, settings: Settings) -> str:
    with session_scope(engine) as session:
        ctx = JobContext(session=session, settings=settings, engine=engine, now=utcnow())
        return recompute(ctx)


def post(client: TestClient, path: str, **form: str) -> Any:
    """A synthesis form sent as the page sends it, without following the redirect."""
    return post_form(client, path, form, follow_redirects=False)


def draft_themes(engine: Engine) -> list[SynthesisTheme]:
    with session_scope(engine, write=False) as session:
        run = session.scalar(select(SynthesisRun).where(SynthesisRun.status == "draft"))
        assert run is not None
        return list(
            session.scalars(
                select(SynthesisTheme)
                .where(SynthesisTheme.run_id == run.id, SynthesisTheme.clause_id.is_(None))  # type: ignore[union-attr]
                .order_by(SynthesisTheme.position)
            )
        )


def members(engine: Engine, theme_id: int) -> list[int]:
    with session_scope(engine, write=False) as session:
        return list(
            session.scalars(
                select(SynthesisMember.comment_id).where(SynthesisMember.theme_id == theme_id)
            )
        )


def test_job_computes_a_draft_without_hidden_comments(
    commented_draft: dict[str, int],
    engine: Engine,
    settings: Settings,
    client: TestClient,
    login_as: Any,
) -> None:
    """The worker job builds a draft from visible comments only, once per change of comments."""
    assert "35 comments" in run_job(engine, settings)
    assert run_job(engine, settings) == "no change"
    with session_scope(engine, write=False) as session:
        hidden = session.scalar(select(Comment.id).where(Comment.body == HIDDEN_TEXT))
        in_runs = session.scalars(
            select(SynthesisMember.id).where(SynthesisMember.comment_id == hidden)
        ).all()
        assert in_runs == []
        run = session.scalar(select(SynthesisRun))
        assert run is not None and run.status == "draft" and run.comment_count == 35
        assert json.loads(run.parameters)["model"] == "fr_core_news_md"
        campaign = max(json.loads(run.duplicates), key=len)
        assert len(campaign) == 11
    page = client.get("/consultation/synthesis")
    assert page.status_code == 200 and "Aucune synthèse n&#39;est encore publiée" in page.text
    official = login_as("official")
    draft = official.get("/consultation/synthesis/draft")
    assert draft.status_code == 200
    assert "Publier cette synthèse" in draft.text and HIDDEN_TEXT not in draft.text
    assert "Je veux un humain au téléphone" in draft.text  # the campaign, shown once with its count
    assert "11 envois" in draft.text
    assert '<svg role="img"' in draft.text and "Nombre de commentaires par thème" in draft.text
    assert client.get("/consultation/synthesis.json").status_code == 404


def test_official_edits_and_publishes_residents_see_both_results(
    commented_draft: dict[str, int],
    engine: Engine,
    settings: Settings,
    client: TestClient,
    login_as: Any,
) -> None:
    """Rename, merge and move are recorded; after publication anyone sees them beside the machine's."""
    run_job(engine, settings)
    themes = [t for t in draft_themes(engine) if not t.is_other]
    assert len(themes) >= 2
    first, second = themes[0], themes[1]
    official = login_as("official")
    assert post(official, f"/consultation/synthesis/theme/{first.id}/rename",
                label="Parler à un humain").status_code == 303  # fmt: skip
    moved = members(engine, second.id or 0)[0]
    assert post(official, f"/consultation/synthesis/theme/{second.id}/move",
                comment=str(moved), to=str(first.id)).status_code == 303  # fmt: skip
    assert moved in members(engine, first.id or 0)
    assert post(official, f"/consultation/synthesis/theme/{second.id}/merge",
                into=str(first.id)).status_code == 303  # fmt: skip
    assert members(engine, second.id or 0) == []
    # Not public before publication.
    assert client.get(f"/consultation/synthesis/theme/{first.id}").status_code == 404
    with session_scope(engine, write=False) as session:
        run_id = session.scalar(select(SynthesisRun.id))
        kinds = session.scalars(select(SynthesisEdit.kind).order_by(SynthesisEdit.id)).all()
        assert kinds == ["rename", "move", "merge"]
        actions = set(session.scalars(select(AuditEvent.action)))
        assert {"synthesis.rename", "synthesis.move", "synthesis.merge"} <= actions
    published = post(official, f"/consultation/synthesis/run/{run_id}/publish")
    assert published.status_code == 303
    page = client.get("/consultation/synthesis")
    assert "Parler à un humain" in page.text
    assert f"nom automatique « {first.auto_label} »" in page.text
    assert "Thème renommé" in page.text and "Thèmes fusionnés" in page.text
    assert "Commentaire déplacé" in page.text
    assert "Comment cette synthèse est faite" in page.text
    theme_page = client.get(f"/consultation/synthesis/theme/{first.id}")
    assert theme_page.status_code == 200 and "Déplacer" not in theme_page.text
    # A published synthesis no longer changes.
    refused = post(official, f"/consultation/synthesis/theme/{first.id}/rename", label="Autre")
    assert refused.status_code == 409 and "publiée" in refused.text
    data = client.get("/consultation/synthesis.json?version=2").json()
    assert data["themes"][0]["label"] == "Parler à un humain"
    assert [c["kind"] for c in data["manual_changes"]] == ["rename", "move", "merge"]
    assert data["comment_count"] == 35
    assert all(len(t["representative_comments"]) <= 5 for t in data["themes"])
    rows = list(csv.DictReader(io.StringIO(client.get("/consultation/synthesis.csv").text)))
    assert {r["comment_id"] for r in rows} >= {str(moved)}
    assert HIDDEN_TEXT not in {r["text"] for r in rows}
    # The published charter version links to what residents said.
    assert (
        post(
            official,
            "/charter/v/2/publish",
            note="Version 2",
            lock_version="1",
            reason="Les propositions restantes seront traitées au prochain cycle.",
        ).status_code
        == 303
    )
    version_page = client.get("/charter/v/2")
    assert 'href="/consultation/synthesis?version=2"' in version_page.text
    assert "Parler à un humain" in client.get("/consultation/synthesis?version=2").text


def test_per_clause_view_lists_only_that_clause(
    commented_draft: dict[str, int], engine: Engine, settings: Settings, login_as: Any
) -> None:
    """Each clause with enough comments has its own themes; the view covers only its comments."""
    run_job(engine, settings)
    official = login_as("official")
    page = official.get("/consultation/synthesis/draft")
    with session_scope(engine, write=False) as session:
        version_id = int(services.get_version(session, 2).id or 0)
        clause_id = clause_ids_by_slug(session, version_id)["contact-humain"]
    assert f"clause={clause_id}" in page.text
    clause_page = official.get(f"/consultation/synthesis/draft?clause={clause_id}")
    assert clause_page.status_code == 200 and "Article" in clause_page.text
    assert official.get("/consultation/synthesis/draft?clause=999999").status_code == 404
    assert official.get("/consultation/synthesis/draft?clause=abc").status_code == 404


def test_bad_edits_get_a_clear_message_and_change_nothing(
    commented_draft: dict[str, int], engine: Engine, settings: Settings, login_as: Any
) -> None:
    """An empty name, a theme from elsewhere or a comment not in the theme are refused in French."""
    run_job(engine, settings)
    first, second = [t for t in draft_themes(engine) if not t.is_other][:2]
    official = login_as("official")
    empty = post(official, f"/consultation/synthesis/theme/{first.id}/rename", label="   ")
    assert empty.status_code == 400 and "vide" in empty.text
    long = post(official, f"/consultation/synthesis/theme/{first.id}/rename", label="x" * 200)
    assert long.status_code == 400 and "120" in long.text
    itself = post(official, f"/consultation/synthesis/theme/{first.id}/merge", into=str(first.id))
    assert itself.status_code == 400 and "autre thème" in itself.text
    garbage = post(official, f"/consultation/synthesis/theme/{first.id}/merge", into="abc")
    assert garbage.status_code == 400
    stranger = post(official, f"/consultation/synthesis/theme/{first.id}/move",
                    comment="999999", to=str(second.id))  # fmt: skip
    assert stranger.status_code == 404
    with session_scope(engine, write=False) as session:
        assert session.scalars(select(SynthesisEdit)).all() == []
        assert session.get(SynthesisTheme, first.id).label == first.auto_label  # type: ignore[union-attr]


SYNTHESIS_TABLE = [
    ("anonymous", 303), ("resident", 403), ("agent", 403), ("moderator", 403),
    ("official", 200), ("admin", 200),
]  # fmt: skip


def test_synthesis_permissions(
    commented_draft: dict[str, int],
    engine: Engine,
    settings: Settings,
    make_client: Any,
    login_as: Any,
) -> None:
    """Everyone reads the published synthesis; only officials and admins see and edit the draft."""
    assert [role for role, _status in SYNTHESIS_TABLE] == ROLES
    run_job(engine, settings)
    theme = draft_themes(engine)[0]
    expected: dict[tuple[str, str], int] = {}
    observed: dict[tuple[str, str], int] = {}
    for role, status in SYNTHESIS_TABLE:
        client = as_role(role, make_client, login_as)
        expected[role, "GET synthesis"] = 200
        observed[role, "GET synthesis"] = client.get("/consultation/synthesis").status_code
        expected[role, "GET draft"] = status
        observed[role, "GET draft"] = client.get(
            "/consultation/synthesis/draft", follow_redirects=False
        ).status_code
        expected[role, "GET draft theme"] = 200 if status == 200 else 404
        observed[role, "GET draft theme"] = client.get(
            f"/consultation/synthesis/theme/{theme.id}"
        ).status_code
        renamed = post(client, f"/consultation/synthesis/theme/{theme.id}/rename", label=role)
        expected[role, "POST rename"] = 303 if status == 200 else status
        observed[role, "POST rename"] = renamed.status_code
    assert_statuses(expected, observed)


@pytest.mark.browser
def test_synthesis_pages_are_accessible(
    commented_draft: dict[str, int],
    engine: Engine,
    settings: Settings,
    live_server: str,
    new_page: Any,
) -> None:
    """The public synthesis and a theme's comments pass axe-core and read without JavaScript."""
    publish_first_run(engine, settings, commented_draft["elu"])
    bare = new_page(javascript=False)
    bare.goto(f"{live_server}/consultation/synthesis")
    assert bare.locator("h1").inner_text() == "Ce que les habitants ont dit"
    assert bare.locator("svg[role=img] rect").count() >= 2
    page = new_page()
    page.goto(f"{live_server}/consultation/synthesis")
    assert_accessible(page)
    page.locator("a", has_text="Lire les").first.click()
    assert page.locator("h1").inner_text().startswith("Thème")
    assert page.locator("blockquote").count() >= 3
    assert_accessible(page)


def publish_first_run(engine: Engine, settings: Settings, author_id: int) -> None:
    """The synthesis job's first run, published by `author_id`."""
    from portal.consultation.synthesis.services import publish_run

    run_job(engine, settings)
    with session_scope(engine) as session:
        run = session.scalar(select(SynthesisRun))
        assert run is not None
        publish_run(session, run_id=int(run.id or 0), author_id=author_id)


def test_new_or_hidden_comments_trigger_a_new_draft_and_hidden_ones_vanish(
    commented_draft: dict[str, int], engine: Engine, settings: Settings, client: TestClient
) -> None:
    """A new comment makes the job recompute; a comment hidden after publication leaves the page."""
    publish_first_run(engine, settings, commented_draft["elu"])
    page = client.get("/consultation/synthesis")
    quoted = page.text.count("<blockquote")
    assert quoted >= 3
    data = client.get("/consultation/synthesis.json").json()
    victim = data["themes"][0]["representative_comments"][0]
    with session_scope(engine) as session:
        comment = session.get(Comment, victim["id"])
        assert comment is not None
        comment.hidden_at = utcnow()
    after = client.get("/consultation/synthesis.json?version=2").json()
    assert victim["id"] not in [
        c["id"] for t in after["themes"] for c in t["representative_comments"]
    ]
    assert after["comment_count"] == data["comment_count"] - 1
    assert "34 comments" in run_job(engine, settings)  # recomputed without the hidden one
    with session_scope(engine, write=False) as session:
        statuses = sorted(session.scalars(select(SynthesisRun.status)))
        assert statuses == ["draft", "published"]


def test_a_label_source_marks_the_label_even_when_written_another_way() -> None:
    """A comment holding the label's words in another form (plural, conjugated, a word
    between) has them marked; a comment without them has nothing marked."""
    from portal.consultation.synthesis.services import _words_span

    body = "Je veux que la mairie garde des interlocuteurs vraiment humains !"
    start, end = _words_span(body, "Garder un interlocuteur humain")
    assert body[start:end] == "garde des interlocuteurs vraiment humains"
    assert _words_span("Rien à voir avec le sujet.", "Places de stationnement") == (-1, -1)
