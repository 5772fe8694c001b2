"""The version diff: clause statuses, word-level changes, accessible and escaped HTML."""

from __future__ import annotations

from pathlib import Path

from portal.consultation.charter.diff import (
    ClauseText,
    diff_text,
    diff_versions,
    render_segments_html,
)
from portal.consultation.charter.source import load_charter

CONTENT = Path(__file__).resolve().parents[2] / "content" / "charter"


def _c(slug: str, number: int, body: str, title: str = "Titre") -> ClauseText:
    return ClauseText(slug, number, title, body)


def test_real_versions_one_added_one_moved_some_changed() -> None:
    """Between v1 and the draft: sobriety added, reliability moved, contact and data changed."""
    to_text = lambda src: [ClauseText(c.slug, c.number, c.title, c.body) for c in src.clauses]  # noqa: E731
    diff = diff_versions(to_text(load_charter(CONTENT / "v1")), to_text(load_charter(CONTENT)))
    status = {(c.new or c.old).slug: c.status for c in diff.clauses}  # type: ignore[union-attr]
    assert status["sobriete"] == "added"
    assert status["fiabilite"] == "moved"
    assert status["contact-humain"] == status["donnees"] == "changed"
    assert status["decision-humaine"] == "unchanged"


def test_removed_and_renamed_clauses() -> None:
    """A clause that disappears is removed; one whose slug changed is matched by its text."""
    old = [
        _c("a", 1, "Le texte de l'article A reste le même."),
        _c("b", 2, "Un article qui va disparaître."),
    ]
    new = [_c("a-bis", 1, "Le texte de l'article A reste le même.")]
    diff = diff_versions(old, new)
    assert [c.status for c in diff.clauses] == ["unchanged", "removed"]


def test_identical_and_empty() -> None:
    """Identical versions have only unchanged clauses; empty to empty is empty."""
    same = [_c("a", 1, "x y z")]
    assert diff_versions(same, same).identical
    assert diff_versions([], []).clauses == []


def test_word_diff_keeps_accents_and_punctuation() -> None:
    """A changed word is one deletion and one insertion; the rest is equal."""
    segments = diff_text("conservés six mois, au plus.", "conservés trois mois, au plus.")
    assert [(s.op, s.text) for s in segments] == [
        ("equal", "conservés "), ("delete", "six"), ("insert", "trois"), ("equal", " mois, au plus."),
    ]  # fmt: skip


def test_html_is_escaped_and_spoken() -> None:
    """Inputs are escaped; each change carries hidden French labels for screen readers."""
    html = str(render_segments_html(diff_text("<script>a</script>", "<b>b</b>")))
    assert "<script" not in html and "<b>" not in html and "&lt;" in html
    assert "<del>" in html and "<ins>" in html
    assert "début d&#39;ajout" in html and "fin de suppression" in html
