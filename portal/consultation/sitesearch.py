"""The consultation's part of the header's search box: the charter's articles, the proposals and
the officials' answers, found with the shared French keys (portal.nlp.french: accents folded,
stems, stop words) and the municipal thesaurus's synonyms, as the register and the council do.

The charter searched is the one residents read at /charter: the draft under consultation, or
else the version in force. Named in the manifest's `sitesearch`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from portal.consultation import urls
from portal.consultation.charter.models import CharterVersion, Clause
from portal.consultation.charter.services import latest
from portal.consultation.participation.models import Proposal
from portal.consultation.participation.services import version_under_consultation
from portal.consultation.review.models import Answer
from portal.consultation.vocabulary import VersionStatus
from portal.nlp.french import synonym_phrases, terms
from portal.text import excerpt, plain_text
from portal.web.i18n import gettext as _
from portal.web.search import SearchGroup, SearchHit


@dataclass(frozen=True)
class _Doc:
    hit: SearchHit
    text: str
    order: int


def _keys(text: str) -> list[str]:
    return terms(text) + terms(" ".join(synonym_phrases(text)))


def _score(stems: list[str], keys: list[str]) -> int:
    """How many of the text's keys the query's stems start; 0 unless every stem is found."""
    total = 0
    for stem_ in stems:
        found = sum(1 for key in keys if key.startswith(stem_))
        if not found:
            return 0
        total += found
    return total


def _version(session: Session) -> CharterVersion | None:
    return version_under_consultation(session) or latest(session, VersionStatus.PUBLISHED)


def _docs(session: Session, version: CharterVersion) -> list[_Doc]:
    docs: list[_Doc] = []
    clauses = session.scalars(
        select(Clause).where(Clause.version_id == version.id).order_by(col(Clause.number))
    )
    for clause in clauses:
        hit = SearchHit(
            title=_("Article %(n)s : %(title)s", n=clause.number, title=clause.title),
            url=urls.clause(clause.number),
            excerpt=excerpt(clause.body, 240),
            kind=_("article de la charte"),
        )
        docs.append(_Doc(hit, f"{clause.title} {plain_text(clause.body)}", 0))
    proposals = list(
        session.scalars(
            select(Proposal).where(
                Proposal.version_id == version.id, col(Proposal.hidden_at).is_(None)
            )
        )
    )
    for proposal in proposals:
        hit = SearchHit(
            title=proposal.title,
            url=urls.proposal(proposal.id),
            excerpt=excerpt(proposal.body, 240),
            kind=_("proposition"),
        )
        text = f"{proposal.title} {proposal.body} {proposal.rationale}"
        docs.append(_Doc(hit, text, 1))
    titles = {p.id: p.title for p in proposals}
    answers = session.scalars(
        select(Answer)
        .where(col(Answer.proposal_id).in_(list(titles)))
        .order_by(col(Answer.created_at).desc())
    )
    for answer in answers:
        hit = SearchHit(
            title=_("Réponse à « %(title)s »", title=titles[answer.proposal_id]),
            url=urls.answer(answer.proposal_id),
            excerpt=excerpt(answer.reason, 240),
            kind=_("réponse des élus"),
        )
        docs.append(_Doc(hit, f"{answer.reason} {answer.final_text or ''}", 2))
    return docs


def search(session: Session, query: str, *, limit: int) -> SearchGroup:
    stems = list(dict.fromkeys(terms(query)))[:8]
    version = _version(session)
    scored: list[tuple[int, int, _Doc]] = []
    if stems and version is not None:
        for index, doc in enumerate(_docs(session, version)):
            score = _score(stems, _keys(doc.text))
            if score:
                scored.append((score, -index, doc))
    scored.sort(key=lambda s: (s[2].order, -s[0], -s[1]))
    return SearchGroup(
        module="consultation",
        title=_("La charte : articles, propositions et réponses"),
        hits=tuple(doc.hit for _s, _i, doc in scored[:limit]),
        total=len(scored),
        more_url=urls.charter(),
    )
