"""Loading the charter from content/charter/: the real content, and clear errors on bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal.consultation.charter.source import CharterSourceError, load_charter

CONTENT = Path(__file__).resolve().parents[2] / "content" / "charter"


def test_draft_and_first_version_load() -> None:
    """The draft (v2) and the first published version load, numbered and in order."""
    draft, first = load_charter(CONTENT), load_charter(CONTENT / "v1")
    assert 12 <= len(draft.clauses) <= 20
    assert [c.number for c in draft.clauses] == list(range(1, len(draft.clauses) + 1))
    assert {c.slug for c in first.clauses} < {c.slug for c in draft.clauses}
    assert draft.title.startswith("Charte d'usage")
    assert all(c.section_slug in {s.slug for s in draft.sections} for c in draft.clauses)


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "charter"
    shutil.copytree(CONTENT, target, ignore=shutil.ignore_patterns("v1"))
    return target


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (
            lambda d: (d / "04-contact-humain.md").write_text("pas d'en-tête"),
            "04-contact-humain.md : en-tête manquant",
        ),
        (
            lambda d: (d / "04-contact-humain.md").write_text(
                "---\nnumber: 4\nsection: droits\n---\ntexte"
            ),
            "« title » est obligatoire",
        ),
        (
            lambda d: (d / "04-contact-humain.md").write_text(
                "---\nnumber: 4\nsection: ailleurs\ntitle: T\n---\ntexte"
            ),
            "section « ailleurs » inconnue",
        ),
        (
            lambda d: (d / "04-contact-humain.md").write_text("---\nnumber: [\n---\ntexte"),
            "en-tête YAML illisible",
        ),
        (
            lambda d: (d / "99-doublon.md").write_text(
                "---\nnumber: 4\nsection: droits\ntitle: T\n---\ntexte"
            ),
            "numéro d'article en double : 4",
        ),
        (lambda d: (d / "charter.yaml").unlink(), "charter.yaml : fichier manquant"),
        (lambda d: (d / "note.md").write_text("x"), "NN-identifiant.md"),
    ],
)
def test_bad_content_names_file_and_field(tmp_path: Path, breakage: object, message: str) -> None:
    """Each kind of broken file raises an error naming the file and what is expected."""
    folder = _copy(tmp_path)
    breakage(folder)  # type: ignore[operator]
    with pytest.raises(CharterSourceError, match=message):
        load_charter(folder)
