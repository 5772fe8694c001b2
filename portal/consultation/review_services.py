"""Official answers to proposals, their application to the next draft, and where clauses came from."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from portal.consultation.models import Answer, CharterVersion, Comment, Proposal


@dataclass(frozen=True)
class ClauseOrigin:
    """Why a clause of a published version reads as it does: what shaped it, with links."""

    proposals: list[tuple[Proposal, list[Answer]]] = field(default_factory=list)
    top_comments: list[Comment] = field(default_factory=list)


def clause_origins(session: Session, version: CharterVersion) -> dict[str, ClauseOrigin]:
    """Origins of the clauses of `version`, keyed by clause slug (empty until answers exist)."""
    return {}
