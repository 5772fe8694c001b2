"""`portal charter rerender`: after a change of the Markdown renderer's rules, the command renders
again every comment and proposal stored by an older renderer, and says how many."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from portal import text as user_text
from portal.consultation.participation.models import Comment, Proposal
from portal.db import session_scope
from tests.factories import Accounts, add_comment, add_proposal

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], db_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": db_url,
        "PORTAL_DATA_DIR": str(tmp_path),
        "PORTAL_SECRET_KEY": "x" * 40,
    }
    return subprocess.run(
        [sys.executable, "-m", "portal.cli", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip


def test_rerender_renders_rows_of_an_older_renderer_and_says_how_many(
    accounts: Accounts, engine: Engine, db_url: str, tmp_path: Path
) -> None:
    comment_id = add_comment(engine, author_id=accounts["agent"], body="Un avis *nuancé*.")
    proposal_id = add_proposal(engine, author_id=accounts["agent"], rationale="Parce *que*.")
    with engine.begin() as conn:  # as an older renderer left them
        conn.execute(
            text(
                "UPDATE consultation_comment SET body_html = 'vieux', html_version = 0 WHERE id = :i"
            ),
            {"i": comment_id},
        )
        conn.execute(
            text(
                "UPDATE consultation_proposal SET body_html = 'vieux', html_version = 0 WHERE id = :i"
            ),
            {"i": proposal_id},
        )
    result = run(["charter", "rerender"], db_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "rendered again with the current rules" in result.stdout
    assert int(result.stdout.split()[0]) >= 2
    with session_scope(engine, write=False) as session:
        comment = session.get(Comment, comment_id)
        proposal = session.get(Proposal, proposal_id)
        assert comment is not None and proposal is not None
        assert comment.html_version == user_text.RENDERER_VERSION
        assert comment.body_html is not None and "<em>nuancé</em>" in comment.body_html
        assert proposal.html_version == user_text.RENDERER_VERSION
        assert proposal.body_html != "vieux"
    again = run(["charter", "rerender"], db_url, tmp_path)
    assert again.returncode == 0 and again.stdout.startswith("0 comments")


def test_rerender_help_says_what_it_does(db_url: str, tmp_path: Path) -> None:
    result = run(["charter", "rerender", "--help"], db_url, tmp_path)
    assert result.returncode == 0
    assert "made by an older version" in " ".join(result.stdout.split())
