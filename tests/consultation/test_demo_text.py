"""The demo consultation generator: deterministic, relevant, with a campaign and abusive comments."""

from __future__ import annotations

from pathlib import Path

from portal.consultation.charter.source import load_charter
from portal.consultation.demo.comments import generate_demo

CLAUSES = load_charter(Path(__file__).resolve().parents[2] / "content" / "charter").clauses


def test_same_seed_same_content() -> None:
    """The same seed gives the same consultation; another seed another one."""
    assert generate_demo(CLAUSES, seed=1) == generate_demo(CLAUSES, seed=1)
    assert generate_demo(CLAUSES, seed=1) != generate_demo(CLAUSES, seed=2)


def test_counts_and_clauses() -> None:
    """A few hundred comments on existing clauses, replies to existing comments, proposals."""
    demo = generate_demo(CLAUSES, n_comments=300)
    slugs = {c.slug for c in CLAUSES}
    keys = {c.key for c in demo.comments}
    assert len(demo.comments) >= 300
    assert all(c.clause_slug in slugs for c in demo.comments)
    assert all(c.parent_key in keys for c in demo.comments if c.parent_key)
    assert sum(c.abusive for c in demo.comments) == 2
    assert sum(c.body.startswith("NON à l'intelligence") for c in demo.comments) >= 15
    assert {p.answer for p in demo.proposals} >= {
        "accepted_with_changes",
        "rejected",
        "under_study",
        None,
    }
