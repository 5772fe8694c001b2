"""The register's addresses, in one place: code builds links with these, never by hand."""

from __future__ import annotations


def entry(slug: str, *, part: str | None = None) -> str:
    """An entry's page; `part` is a section of it ("questions", "historique", "question-12")."""
    return f"/registry/{slug}" + (f"#{part}" if part else "")


def edit(slug: str) -> str:
    return f"/registry/{slug}/edit"


def draft(revision_id: int | None) -> str:
    return f"/registry/drafts/{revision_id}"


def incomplete(draft_id: int | None) -> str:
    """An agent's draft kept without being sent, reopened in the editor."""
    return f"/registry/drafts/incomplete/{draft_id}"


def contact(slug: str | None = None) -> str:
    """The page to reach a person; with `slug`, about that system (its channels first)."""
    return "/contact" + (f"?system={slug}" if slug else "")


def handover(slug: str) -> str:
    """Where a system's owner enters its monthly handover figures."""
    return f"/registry/{slug}/handover"


def reported_questions() -> str:
    return "/registry/questions/signalees"


def compliance(slug: str, *, fmt: str = "") -> str:
    """A system's compliance pack: the page, or `fmt` "json"."""
    return f"/registry/{slug}/conformite" + (f".{fmt}" if fmt else "")


def annex_viii_c(slug: str) -> str:
    return f"/registry/{slug}/annexe-viii-c.json"


def explanation_letter(slug: str) -> str:
    return f"/registry/{slug}/conformite/lettre"


def inventory_csv() -> str:
    return "/registry/inventaire-algorithmes.csv"
