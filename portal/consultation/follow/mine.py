"""One person's own part in the consultation: their comments, proposals, supports and follows,
for their account page and their data download (RGPD art. 15 and 20).

Read in a fixed number of queries whatever the person wrote. Hidden comments are listed with the
moderation's mark (they are still the person's data); deleted ones are not (their text is gone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from portal.consultation import urls
from portal.consultation.charter.models import CharterVersion, Clause
from portal.consultation.follow.models import Follow, Frequency
from portal.consultation.follow.services import TargetName, following, names_of
from portal.consultation.participation.models import Comment, Proposal, Support
from portal.consultation.vocabulary import Target
from portal.web.i18n import gettext as _


@dataclass(frozen=True)
class MyComment:
    id: int
    about: str  # in words: "l'article 4 « … » (version 2)"
    path: str
    body: str
    created_at: datetime
    is_reply: bool
    hidden: bool


@dataclass(frozen=True)
class MyProposal:
    id: int
    title: str
    path: str
    status: str
    created_at: datetime
    body: str
    rationale: str


@dataclass(frozen=True)
class MySupport:
    about: str
    path: str
    created_at: datetime


@dataclass(frozen=True)
class MyFollow:
    id: int
    name: TargetName
    frequency: Frequency
    created_at: datetime


@dataclass
class MyConsultation:
    comments: list[MyComment]
    proposals: list[MyProposal]
    supports: list[MySupport]
    follows: list[MyFollow]


def _clause_words(number: int, title: str, version: int) -> str:
    return _("l'article %(n)s « %(t)s » (version %(v)s)", n=number, t=title, v=version)


def my_consultation(session: Session, *, user_id: int) -> MyConsultation:
    comment_rows = session.execute(
        select(Comment, Clause.number, Clause.title, CharterVersion.number, Proposal.title)
        .outerjoin(Clause, col(Clause.id) == Comment.clause_id)
        .outerjoin(CharterVersion, col(CharterVersion.id) == Clause.version_id)
        .outerjoin(Proposal, col(Proposal.id) == Comment.proposal_id)
        # What an agent recorded for a resident at the front desk is the resident's word, not
        # the agent's: it is in neither the agent's lists nor the agent's data download.
        .where(
            Comment.author_id == user_id,
            col(Comment.deleted_at).is_(None),
            col(Comment.assisted_channel).is_(None),
        )
        .order_by(col(Comment.created_at).desc(), col(Comment.id).desc())
    ).all()
    comments = []
    for comment, number, title, version, proposal_title in comment_rows:
        if comment.clause_id is not None:
            about, path = (
                _clause_words(number, title, version),
                urls.clause(number, comment=comment.id),
            )
        else:
            about = _("la proposition « %(t)s »", t=proposal_title)
            path = urls.proposal(comment.proposal_id, comment=comment.id)
        comments.append(
            MyComment(comment.id or 0, about, path, comment.body, comment.created_at,
                      comment.parent_id is not None, comment.hidden_at is not None)
        )  # fmt: skip
    proposals = [
        MyProposal(p.id or 0, p.title, urls.proposal(p.id), p.status, p.created_at, p.body,
                   p.rationale)
        for p in session.scalars(
            select(Proposal)
            .where(Proposal.author_id == user_id, col(Proposal.assisted_channel).is_(None))
            .order_by(col(Proposal.created_at).desc())
        )
    ]  # fmt: skip
    return MyConsultation(
        comments, proposals, _supports(session, user_id), _follows(session, user_id)
    )


def _supports(session: Session, user_id: int) -> list[MySupport]:
    rows = list(
        session.scalars(
            select(Support)
            .where(Support.user_id == user_id)
            .order_by(col(Support.created_at).desc())
        )
    )
    ids: dict[str, set[int]] = {t: set() for t in Target}
    for row in rows:
        ids.setdefault(row.target_type, set()).add(row.target_id)
    comments = {
        c.id: c
        for c in session.scalars(select(Comment).where(col(Comment.id).in_(ids[Target.COMMENT])))
    }
    clause_ids = ids[Target.CLAUSE] | {c.clause_id for c in comments.values() if c.clause_id}
    proposal_ids = ids[Target.PROPOSAL] | {
        c.proposal_id for c in comments.values() if c.proposal_id
    }
    clauses = {
        cid: (number, title, version)
        for cid, number, title, version in session.execute(
            select(Clause.id, Clause.number, Clause.title, CharterVersion.number)
            .join(CharterVersion, col(CharterVersion.id) == Clause.version_id)
            .where(col(Clause.id).in_(clause_ids))
        )
    }
    proposals: dict[int, str] = {
        int(pid): str(title)
        for pid, title in session.execute(
            select(Proposal.id, Proposal.title).where(col(Proposal.id).in_(proposal_ids))
        )
    }

    def on_clause(clause_id: int) -> tuple[str, str]:
        number, title, version = clauses.get(clause_id, (0, "?", 0))
        return _clause_words(number, title, version), urls.clause(number)

    def on_proposal(proposal_id: int) -> tuple[str, str]:
        return _("la proposition « %(t)s »", t=proposals.get(proposal_id, "?")), urls.proposal(
            proposal_id
        )

    found = []
    for row in rows:
        if row.target_type == Target.CLAUSE:
            about, path = on_clause(row.target_id)
        elif row.target_type == Target.PROPOSAL:
            about, path = on_proposal(row.target_id)
        else:
            comment = comments.get(row.target_id)
            if comment is None:
                continue
            where, path = (
                on_clause(comment.clause_id)
                if comment.clause_id
                else on_proposal(comment.proposal_id or 0)
            )
            about = _("un commentaire sur %(where)s", where=where)
            path = (
                urls.clause(clauses.get(comment.clause_id, (0,))[0], comment=comment.id)
                if comment.clause_id
                else urls.proposal(comment.proposal_id, comment=comment.id)
            )
        found.append(MySupport(about, path, row.created_at))
    return found


def _follows(session: Session, user_id: int) -> list[MyFollow]:
    rows: list[Follow] = following(session, user_id=user_id)
    names = names_of(session, [(f.target_type, f.target_key) for f in rows])
    return [
        MyFollow(
            f.id or 0, names[(f.target_type, f.target_key)], Frequency(f.frequency), f.created_at
        )
        for f in rows
    ]


def as_json(mine: MyConsultation) -> dict[str, object]:
    """The same, as plain JSON values for the download."""
    return {
        "comments": [
            {"id": c.id, "about": c.about, "url": c.path, "text": c.body,
             "created_at": c.created_at.isoformat(), "reply": c.is_reply,
             "hidden_by_moderation": c.hidden}
            for c in mine.comments
        ],
        "proposals": [
            {"id": p.id, "title": p.title, "url": p.path, "status": p.status, "text": p.body,
             "rationale": p.rationale, "created_at": p.created_at.isoformat()}
            for p in mine.proposals
        ],
        "supports": [
            {"about": s.about, "url": s.path, "created_at": s.created_at.isoformat()}
            for s in mine.supports
        ],
        "follows": [
            {"about": f.name.heading, "url": f.name.path, "frequency": f.frequency.value,
             "created_at": f.created_at.isoformat()}
            for f in mine.follows
        ],
    }  # fmt: skip
