"""What a resident reads on a published synthesis: labels taken from the comments with their
sources, distinct arguments, the campaign with its variants and burst, the method's figures."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from portal.consultation.charter import services as charter
from portal.consultation.demo.loader import clause_ids_by_slug, insert_comment
from portal.consultation.synthesis import services as synthesis
from portal.consultation.synthesis.models import SynthesisRun, SynthesisTheme
from portal.db import session_scope

DEV = Path(__file__).resolve().parents[1] / "nlp" / "data" / "plan_velo" / "dev.jsonl"


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def _publish(
    accounts: dict[str, int], engine: Engine, make_user: Any, limit: int | None = None
) -> dict[str, Any]:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()][:limit]
    resident = make_user(name="Habitant")
    with session_scope(engine) as session:
        version_id = int(charter.get_version(session, 2).id or 0)
        clauses = sorted(clause_ids_by_slug(session, version_id).values())
        ids = {}
        for n, row in enumerate(rows):
            when = datetime.fromisoformat(row["created_at"]).replace(tzinfo=UTC)
            comment = insert_comment(session, author_id=resident, body=row["text"],
                                     clause_id=clauses[n % 3], created_at=when)  # fmt: skip
            ids[int(comment.id or 0)] = row
        run = synthesis.compute_run(session, version_id=version_id)
        assert run is not None
        synthesis.publish_run(session, run_id=int(run.id or 0), author_id=accounts["elu"])
    return {"rows": ids, "elu": accounts["elu"]}


@pytest.fixture
def published(accounts: dict[str, int], engine: Engine, make_user: Any) -> dict[str, Any]:
    """The dev half of the cycling-plan set as comments (with their times, the campaign in one
    evening), computed and published."""
    return _publish(accounts, engine, make_user)


@pytest.fixture
def published_small(accounts: dict[str, int], engine: Engine, make_user: Any) -> dict[str, Any]:
    """The first 80 comments of that set, computed and published: enough for tests of what is
    stored and shown, not of the themes' quality (the synthesis costs seconds per hundred)."""
    return _publish(accounts, engine, make_user, limit=80)


def test_published_synthesis_reads_as_phrases_arguments_and_campaign(
    published: dict[str, Any], client: TestClient
) -> None:
    """Each label is a phrase written in one of its theme's comments (shown with its sources),
    sizes come with distinct arguments, the campaign is one group with its variants and burst,
    and the order-stability figure is published."""
    rows = published["rows"]
    page = client.get("/consultation/synthesis")
    assert page.status_code == 200
    data = client.get("/consultation/synthesis.json").json()
    assert data["themes"]
    for theme in data["themes"]:
        label = theme["label"]
        assert "," not in label
        sources = theme["label_source_ids"]
        assert len(sources) >= 2
        assert any(fold(label) in fold(rows[i]["text"]) for i in sources), label
        assert 0 < theme["distinct_arguments"] <= theme["size"]
        assert 0 < theme["coherence"] <= 1
        # The label heads its section and its sources show on hover/focus and in the page.
        anchor = page.text.index(f'id="theme-title-{theme["id"]}"')
        section = page.text[anchor : anchor + 6000]
        assert f'aria-describedby="label-tip-{theme["id"]}"' in section
        assert 'role="tooltip"' in section and "D&#39;où vient ce nom" in section
        # A name held by under a quarter of the theme's distinct arguments is said to be so.
        mixed = theme["distinct_arguments"] >= 8 and 4 * len(sources) < theme["distinct_arguments"]
        note = section[: section.find("synthesis-meta")]
        assert ("repris que par" in note) == mixed, (label, len(sources), theme)
    campaign_ids = {i for i, r in rows.items() if r["campaign"]}
    campaigns = data["campaigns"]
    assert len(campaigns) >= 1
    biggest = max(campaigns, key=lambda c: len(c["ids"]))
    assert set(biggest["ids"]) == campaign_ids
    assert biggest["burst"] is True
    assert any(v["changes"] for v in biggest["variants"])
    holder = next(t for t in data["themes"] if t["label"] == biggest["theme"])
    assert holder["distinct_arguments"] <= holder["size"] - len(campaign_ids) + 1
    assert "Arrivée en rafale" in page.text and "<ins>" in page.text
    assert re.search(r"\d+ arguments? distincts?", page.text)
    assert data["order_stability_ari"] == 1.0
    assert "indice de Rand ajusté 1,00" in page.text and "(mêmes thèmes)" in page.text
    assert "Part dans « Autres »" in page.text
    assert "portal nlp cluster commentaires.jsonl" in page.text
    # The time taken written as French writes numbers (a decimal comma).
    assert re.search(r"Ce calcul a pris \d+(,\d+)? secondes", page.text), page.text


def test_a_theme_computed_before_shows_its_coherence_as_not_measured(
    published_small: dict[str, Any], client: TestClient, engine: Engine
) -> None:
    """Themes stored before coherence was measured say so instead of showing a figure."""
    with session_scope(engine) as session:
        session.execute(update(SynthesisTheme).values(coherence=None, label_source_ids="[]"))
    page = client.get("/consultation/synthesis")
    assert page.status_code == 200
    assert "cohérence non mesurée" in page.text
    assert 'role="tooltip"' not in page.text
    data = client.get("/consultation/synthesis.json").json()
    assert all(t["coherence"] is None and t["label_source_ids"] == [] for t in data["themes"])


def test_officials_draft_copy_keeps_labels_sources_and_coherence(
    published_small: dict[str, Any], engine: Engine
) -> None:
    """The draft copy officials edit keeps each theme's coherence, label sources and singular
    arguments."""
    with session_scope(engine) as session:
        run_id = session.scalar(select(SynthesisRun.id))
        copy = synthesis.clone_as_draft(session, run_id=int(run_id or 0))
        session.flush()
        pairs = session.execute(
            select(SynthesisTheme.run_id, SynthesisTheme.auto_label, SynthesisTheme.coherence,
                   SynthesisTheme.label_source_ids, SynthesisTheme.singular_ids)
        ).all()  # fmt: skip
    first = sorted(p[1:] for p in pairs if p[0] == run_id)
    second = sorted(p[1:] for p in pairs if p[0] == copy.id)
    assert first == second and any(p[1] is not None for p in first)
