"""The register's addresses, in one place: code builds links with these, never by hand."""

from __future__ import annotations


def entry(slug: str, *, part: str | None = None) -> str:
    """An entry's page; `part` is a section of it ("questions", "historique", "question-12")."""
    return f"/registry/{slug}" + (f"#{part}" if part else "")


def edit(slug: str) -> str:
    return f"/registry/{slug}/edit"


def draft(revision_id: int | None) -> str:
    return f"/registry/drafts/{revision_id}"
