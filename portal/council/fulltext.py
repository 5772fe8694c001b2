"""The full-text query of a query's groups, for SQLite's FTS5 and PostgreSQL's tsquery."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from portal.council.text import Group, group_stems


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def fts5_match(groups: list[Group], any_term: bool) -> str:
    """'("travau" OR "travail") AND "piscin"': each group's stems, any of them (a phrase of
    stems, "plan local urban", for a phrase of the thesaurus)."""
    parts = []
    for group in groups:
        stems = group_stems(group)
        one = " OR ".join(f'"{s}"' for s in stems)
        parts.append(f"({one})" if len(stems) > 1 else one)
    return (" OR " if any_term else " AND ").join(parts)


def _ts_alternative(alternative: str) -> str:
    words = alternative.split()
    return words[0] if len(words) == 1 else "(" + " <-> ".join(words) + ")"


def tsquery(groups: list[Group], any_term: bool) -> str:
    """'(travaux | travail) & piscine': folded words, which the french configuration stems."""
    parts = [
        f"({' | '.join(_ts_alternative(a) for a in g)})" if len(g) > 1 else _ts_alternative(g[0])
        for g in groups
    ]
    return (" | " if any_term else " & ").join(parts)


def any_passage_has(session: Session, group: Group) -> bool:
    """Whether some passage has a word of the group (as written, by lemma, stemmed)."""
    if is_sqlite(session):
        sql = "SELECT 1 FROM council_passage_fts WHERE council_passage_fts MATCH :q LIMIT 1"
        return session.scalar(text(sql), {"q": fts5_match([group], False)}) is not None
    sql = "SELECT 1 FROM council_passage WHERE tsv @@ to_tsquery('french', :q) LIMIT 1"
    return session.scalar(text(sql), {"q": tsquery([group], False)}) is not None
