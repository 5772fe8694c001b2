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


def test_default_demo_comments_are_written_once() -> None:
    """Apart from the campaign, every top-level comment and every reply of the default demo is a
    different text: residents write in their own words, not from a handful of templates."""
    demo = generate_demo(CLAUSES)
    top = [
        c.body
        for c in demo.comments
        if c.parent_key is None and not c.abusive and not c.body.startswith("NON à l'intelligence")
    ]
    replies = [c.body for c in demo.comments if c.parent_key is not None]
    assert len(top) >= 280 and len(set(top)) == len(top)
    assert len(replies) >= 30 and len(set(replies)) == len(replies)
    # A larger demo than the written comments still loads, saying some again with an opener.
    bigger = generate_demo(CLAUSES, n_comments=400)
    assert len([c for c in bigger.comments if c.parent_key is None]) == 402
