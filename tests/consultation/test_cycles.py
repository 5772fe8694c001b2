"""The consultation runs again: after a publication an official opens the next draft from the
published text (page and CLI), and the cycle runs a second and a third time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.consultation.charter import services as charter_services
from portal.consultation.charter.models import CharterVersion, Clause
from portal.db import session_scope
from tests.factories import Accounts
from tests.helpers import ROLES, as_role, assert_statuses, post, post_comment, run_concurrently, t

ROOT = Path(__file__).resolve().parents[2]


def publish(client: TestClient, number: int, lock: int = 1) -> Any:
    return post(client, f"/charter/v/{number}/publish",
                {"note": f"Version {number} adoptée", "lock_version": str(lock),
                 "reason": "Le conseil a voté avant la clôture."},
                follow_redirects=False)  # fmt: skip


def version_count(engine: Engine) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(select(func.count()).select_from(CharterVersion)) or 0)


def test_the_consultation_runs_a_second_and_a_third_time(
    charter: Accounts, login_as: Any, client: TestClient, engine: Engine
) -> None:
    """Publish v2, open v3 from it, comment, publish v3, open v4: each cycle starts from the last
    published text, and residents see a draft in preparation, never a dead consultation."""
    official, resident = login_as("official"), login_as()
    assert post_comment(resident, "Premier cycle : un avis.").status_code == 303
    assert publish(official, 2).status_code == 303

    page = t(official.get("/charter"))
    assert "Préparer la prochaine version" in page and "Ouvrir la version 3" in page
    assert "Ouvrir la version 3" not in t(resident.get("/charter"))
    opened = post(official, "/charter/next-draft", follow_redirects=False)
    assert opened.status_code == 303
    landing = t(official.get(opened.headers["location"]))
    assert "La version 3 est en préparation" in landing
    with session_scope(engine, write=False) as session:
        v2 = charter_services.view(session, charter_services.get_version(session, 2))
        v3 = charter_services.view(session, charter_services.get_version(session, 3))
        assert [(c.slug, c.title, c.body) for c in v3.clauses] == [
            (c.slug, c.title, c.body) for c in v2.clauses
        ]
        assert v3.version.status == "draft"
    # The draft in preparation is what visitors see, with the published version beside it.
    public = t(client.get("/charter"))
    assert "Projet de version 3" in public and "Lire la version 2, en vigueur" in public

    # Second cycle: open it, take part, publish.
    assert post(official, "/charter/v/3/phase", {"action": "open"},
                follow_redirects=False).status_code == 303  # fmt: skip
    assert post_comment(resident, "Deuxième cycle : un autre avis.").status_code == 303
    assert "Deuxième cycle : un autre avis." in t(client.get("/charter/clauses/4"))
    assert "Premier cycle : un avis." not in t(client.get("/charter/clauses/4"))
    assert publish(official, 3).status_code == 303
    # Third cycle opens the same way; the history keeps every version.
    assert post(official, "/charter/next-draft", follow_redirects=False).status_code == 303
    history = t(client.get("/charter/versions"))
    assert all(f"Version {n}" in history for n in (1, 2, 3, 4))
    with session_scope(engine, write=False) as session:
        assert charter_services.latest(session, "draft").number == 4  # type: ignore[union-attr]


def test_only_one_draft_at_a_time(drafting: Accounts, login_as: Any, engine: Engine) -> None:
    """While version 2 is in preparation, opening another draft is refused and creates nothing."""
    official = login_as("official")
    refused = post(official, "/charter/next-draft")
    assert refused.status_code == 409
    assert "La version 2 est déjà en préparation" in t(refused)
    assert version_count(engine) == 2


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_next_draft(
    role: str, drafting: Accounts, make_client: Any, login_as: Any, engine: Engine
) -> None:
    """Officials (and the admin) open the next draft; everyone else is refused, exactly."""
    with session_scope(engine) as session:
        charter_services.publish_version(session, number=2, note="Adoptée", actor_id=drafting["elu"],
                                expected_lock=1)  # fmt: skip
    client = as_role(role, make_client, login_as)
    response = post(client, "/charter/next-draft", follow_redirects=False)
    expected = {"anonymous": 303, "resident": 403, "agent": 403, "moderator": 403,
                "official": 303, "admin": 303}  # fmt: skip
    assert_statuses({role: expected[role]}, {role: response.status_code})
    if role == "anonymous":
        assert response.headers["location"].startswith("/login?next=")
    assert version_count(engine) == (3 if expected[role] == 303 and role != "anonymous" else 2)


def test_two_officials_opening_at_once_make_one_draft(
    drafting: Accounts, login_as: Any, engine: Engine
) -> None:
    """Two officials open the next draft at the same instant: one draft, the other gets 409."""
    with session_scope(engine) as session:
        charter_services.publish_version(session, number=2, note="Adoptée", actor_id=drafting["elu"],
                                expected_lock=1)  # fmt: skip
    officials = [login_as("official"), login_as("official")]
    tokens = [officials[i].get("/charter").text for i in range(2)]
    assert all("Ouvrir la version 3" in page for page in tokens)
    outcomes = run_concurrently(
        2, lambda i: post(officials[i], "/charter/next-draft", follow_redirects=False).status_code
    )
    assert outcomes.errors == []
    assert sorted(outcomes.results) == [303, 409]
    assert version_count(engine) == 3


def test_a_published_version_keeps_its_text_when_the_next_draft_changes(
    drafting: Accounts, login_as: Any, engine: Engine, client: TestClient
) -> None:
    """Editing the new draft never touches the published version it was copied from."""
    with session_scope(engine) as session:
        charter_services.publish_version(session, number=2, note="Adoptée", actor_id=drafting["elu"],
                                expected_lock=1)  # fmt: skip
        charter_services.open_next_draft(session, actor_id=drafting["elu"])
    official = login_as("official")
    edited = post(official, "/charter/draft/clauses/4/edit",
                  {"title": "Un humain, toujours", "body": "Texte du troisième cycle."},
                  follow_redirects=False)  # fmt: skip
    assert edited.status_code == 303
    assert "Texte du troisième cycle." not in t(client.get("/charter/v/2"))
    assert "Texte du troisième cycle." in t(client.get("/charter"))
    with session_scope(engine, write=False) as session:
        v2_body = session.scalar(
            select(Clause.body)
            .join(CharterVersion, CharterVersion.id == Clause.version_id)
            .where(CharterVersion.number == 2, Clause.number == 4)
        )
    assert v2_body and "troisième cycle" not in v2_body


def test_cli_opens_the_next_draft_and_refuses_a_second(
    drafting: Accounts, db_url: str, tmp_path: Path, engine: Engine
) -> None:
    """`portal charter new-draft` opens version 3 after a publication, then refuses a second."""
    with session_scope(engine) as session:
        charter_services.publish_version(session, number=2, note="Adoptée", actor_id=drafting["elu"],
                                expected_lock=1)  # fmt: skip
    env = {**os.environ, "PORTAL_DATABASE_URL": db_url, "PORTAL_DATA_DIR": str(tmp_path),
           "PORTAL_SECRET_KEY": "x" * 40}  # fmt: skip
    command = [sys.executable, "-m", "portal.cli", "charter", "new-draft"]
    first = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "Version 3 is open for drafting" in first.stdout
    second = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert second.returncode == 2
    assert "La version 3 est déjà en préparation" in second.stderr
    listing = subprocess.run([sys.executable, "-m", "portal.cli", "charter", "versions"],
                             capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)  # fmt: skip
    assert listing.returncode == 0
    lines = listing.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["3", "2", "1"]
    assert lines[0].split("\t")[1] == "drafting"
    assert all(line.split("\t")[1].startswith("published 20") for line in lines[1:])
