"""Official answers to proposals, their application to the next draft, and where clauses came from."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from portal import audit
from portal.accounts.services import display_names
from portal.consultation import urls
from portal.consultation.charter.models import CharterSection, CharterVersion, Clause
from portal.consultation.follow import services as follow_services
from portal.consultation.participation.models import Comment, Proposal
from portal.consultation.review.models import Answer
from portal.consultation.vocabulary import (
    DECISIONS,
    Decision,
    ProposalKind,
    Target,
    VersionStatus,
    decision_label,
)
from portal.errors import Conflict, NotFound, ValidationFailed
from portal.text import slugify
from portal.web.i18n import gettext as _

REASON_MAX_CHARS = 5000
CLAUSE_MAX_CHARS = 10000
TITLE_MAX_CHARS = 300
TOP_COMMENTS_PER_CLAUSE = 3


@dataclass(frozen=True)
class ClauseOrigin:
    """Why a clause of a published version reads as it does: what shaped it, with links."""

    proposals: list[tuple[Proposal, list[Answer]]] = field(default_factory=list)
    top_comments: list[Comment] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.proposals or self.top_comments)


# --- reading -----------------------------------------------------------------------------------


def get_proposal(session: Session, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(_("Cette proposition n'existe pas."))
    return proposal


def answers_of(session: Session, proposal_id: int) -> list[Answer]:
    """Every answer to a proposal, oldest first (the last one is the current decision)."""
    stmt = (
        select(Answer)
        .where(Answer.proposal_id == proposal_id)
        .order_by(col(Answer.created_at), col(Answer.id))
    )
    return list(session.scalars(stmt))


def latest_answers(session: Session, proposal_ids: list[int]) -> dict[int, Answer]:
    """The current (latest) answer of each of these proposals, in one query."""
    latest: dict[int, Answer] = {}
    if proposal_ids:
        for answer in session.scalars(
            select(Answer)
            .where(col(Answer.proposal_id).in_(proposal_ids))
            .order_by(col(Answer.created_at), col(Answer.id))
        ):
            latest[answer.proposal_id] = answer
    return latest


def awaiting_answer(session: Session) -> list[Proposal]:
    """The review desk: proposals without a final answer (pending, under study), most supported first."""
    stmt = (
        select(Proposal)
        .join(CharterVersion, CharterVersion.id == Proposal.version_id)
        .where(
            col(Proposal.status).in_((Decision.PENDING, Decision.UNDER_STUDY)),
            CharterVersion.status == VersionStatus.DRAFT,
            col(Proposal.hidden_at).is_(None),  # hidden by the moderators: nothing to answer
        )
        .order_by(col(Proposal.support_count).desc(), col(Proposal.created_at), col(Proposal.id))
    )
    return list(session.scalars(stmt))


def answered_count(session: Session) -> int:
    stmt = select(func.count()).select_from(Proposal).where(Proposal.status != Decision.PENDING)
    return int(session.scalar(stmt) or 0)


def current_clause_text(session: Session, proposal: Proposal) -> Clause | None:
    """The clause of the current draft that an amendment targets (None for a new clause)."""
    if proposal.kind != ProposalKind.AMEND or not proposal.clause_slug:
        return None
    draft = _latest_draft(session)
    version_id = draft.id if draft else proposal.version_id
    return session.scalar(
        select(Clause).where(Clause.version_id == version_id, Clause.slug == proposal.clause_slug)
    )


def applied_clause_url(session: Session, proposal: Proposal) -> str | None:
    """Where the accepted text of a proposal can be read: the draft's clause or a version's."""
    if proposal.applied_clause_id is None:
        return None
    row = session.execute(
        select(Clause.number, CharterVersion.number, CharterVersion.status)
        .join(CharterVersion, CharterVersion.id == Clause.version_id)
        .where(Clause.id == proposal.applied_clause_id)
    ).first()
    if row is None:
        return None
    clause_number, version_number, status = row
    if status == VersionStatus.DRAFT:
        return urls.clause(clause_number)
    return urls.version(version_number, article=clause_number)


# --- answering ---------------------------------------------------------------------------------


def _latest_draft(session: Session) -> CharterVersion | None:
    stmt = (
        select(CharterVersion)
        .where(CharterVersion.status == VersionStatus.DRAFT)
        .order_by(col(CharterVersion.number).desc())
    )
    return session.scalars(stmt.limit(1)).first()


def _check_text(value: str, *, label: str, limit: int, field_name: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationFailed(_("%(what)s est obligatoire.", what=label), field=field_name)
    if len(value) > limit:
        raise ValidationFailed(
            _("%(what)s dépasse %(n)s caractères.", what=label, n=limit), field=field_name
        )
    return value


def answer_proposal(
    session: Session,
    *,
    proposal_id: int,
    official_id: int,
    decision: str,
    reason: str,
    final_text: str = "",
    expected_lock: int,
) -> Answer:
    """Answer a proposal publicly. Accepting applies the text to the current draft.

    Two officials answering at once: the second one's `expected_lock` is stale and gets a conflict;
    the first answer stays, the second is not stored (its form is shown again, nothing is lost).
    """
    if decision not in DECISIONS:
        raise ValidationFailed(_("Choisissez une décision dans la liste."), field="decision")
    reason = _check_text(
        reason, label=_("La raison de la réponse"), limit=REASON_MAX_CHARS, field_name="reason"
    )
    proposal = get_proposal(session, proposal_id)
    text = proposal.body
    if decision == Decision.ACCEPTED_WITH_CHANGES:
        text = _check_text(
            final_text, label=_("Le texte retenu"), limit=CLAUSE_MAX_CHARS, field_name="final_text"
        )
    accepting = decision in (Decision.ACCEPTED, Decision.ACCEPTED_WITH_CHANGES)
    draft = _latest_draft(session) if accepting else None
    if accepting and draft is None:
        raise Conflict(
            _("Aucun projet de version n'est ouvert : le texte ne peut pas être appliqué.")
        )
    updated = session.execute(
        update(Proposal)
        .where(col(Proposal.id) == proposal_id, col(Proposal.lock_version) == expected_lock)
        .values(status=decision, lock_version=expected_lock + 1)
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            _(
                "Un autre élu a répondu à cette proposition juste avant vous : sa réponse est "
                "affichée ci-dessous, la vôtre n'a pas été enregistrée et reste dans le formulaire."
            )
        )
    session.refresh(proposal)
    answer = Answer(
        proposal_id=proposal_id,
        official_id=official_id,
        decision=decision,
        reason=reason,
        final_text=text if accepting else None,
    )
    session.add(answer)
    clause: Clause | None = None
    if accepting and draft is not None:
        clause = _apply(session, proposal=proposal, draft=draft, text=text, actor_id=official_id)
        proposal.applied_clause_id = clause.id
    session.flush()
    audit.record(
        session, actor_id=official_id, action="consultation.proposal.answer",
        object_type="consultation_proposal", object_id=proposal_id,
        detail={"decision": decision, "answer_id": answer.id,
                "applied_clause_id": clause.id if clause else None},
    )  # fmt: skip
    follow_services.notify(
        session,
        target_type=Target.PROPOSAL,
        target_key=str(proposal_id),
        subject=_("Réponse officielle à la proposition « %(t)s »", t=proposal.title),
        body=_(
            "La Ville a répondu à la proposition « %(t)s » : %(d)s.\n\nRaison : %(r)s",
            t=proposal.title,
            d=decision_label(decision),
            r=reason,
        ),
        path=urls.proposal(proposal_id),
    )
    if clause is not None:
        follow_services.notify(
            session,
            target_type=Target.CLAUSE,
            target_key=clause.slug,
            subject=_("L'article « %(t)s » a changé", t=clause.title),
            body=_(
                "Le projet de charte a été modifié pour suivre la proposition « %(p)s ».\n\n"
                "Nouveau texte :\n%(b)s",
                p=proposal.title,
                b=clause.body,
            ),
            path=urls.clause(clause.number),
        )
    return answer


def _apply(
    session: Session, *, proposal: Proposal, draft: CharterVersion, text: str, actor_id: int
) -> Clause:
    """Write the accepted text into the draft: edit the clause of that slug, or add a new one."""
    clause: Clause | None = None
    if proposal.applied_clause_id is not None:
        previous = session.get(Clause, proposal.applied_clause_id)
        if previous is not None and previous.version_id == draft.id:
            clause = previous
    if clause is None and proposal.clause_slug:
        clause = session.scalar(
            select(Clause).where(Clause.version_id == draft.id, Clause.slug == proposal.clause_slug)
        )
    if clause is not None:
        clause.body = text
        session.add(clause)
        session.flush()
        return clause
    return _insert_clause(
        session,
        draft=draft,
        section_slug=proposal.section_slug,
        title=proposal.title,
        body=text,
        actor_id=actor_id,
    )


def _insert_clause(
    session: Session,
    *,
    draft: CharterVersion,
    section_slug: str | None,
    title: str,
    body: str,
    actor_id: int,
) -> Clause:
    """A new clause takes the next number in its section; later clauses move down by one."""
    sections = list(
        session.scalars(
            select(CharterSection)
            .where(CharterSection.version_id == draft.id)
            .order_by(col(CharterSection.position))
        )
    )
    if not sections:
        raise Conflict(_("Ce projet de version n'a aucune section où ajouter l'article."))
    section = next((s for s in sections if s.slug == section_slug), sections[-1])
    up_to = [s.slug for s in sections if s.position <= section.position]
    last = session.scalar(
        select(func.max(Clause.number)).where(
            Clause.version_id == draft.id, col(Clause.section_slug).in_(up_to)
        )
    )
    number = int(last or 0) + 1
    # Two steps so that the unique (version, number) never sees two equal numbers mid-update.
    later = (Clause.version_id == draft.id, Clause.number >= number)
    session.execute(
        update(Clause)
        .where(*later)
        .values(number=-(col(Clause.number) + 1))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Clause)
        .where(Clause.version_id == draft.id, Clause.number < 0)
        .values(number=-col(Clause.number))
        .execution_options(synchronize_session=False)
    )
    slug = base = slugify(title) or "article"
    taken = set(session.scalars(select(Clause.slug).where(Clause.version_id == draft.id)))
    n = 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    clause = Clause(
        version_id=draft.id,
        number=number,
        slug=slug,
        section_slug=section.slug,
        title=title,
        body=body,
    )
    session.add(clause)
    session.flush()
    session.expire_all()
    audit.record(
        session, actor_id=actor_id, action="charter.clause.add", object_type="consultation_clause",
        object_id=clause.id, detail={"version": draft.number, "number": number, "slug": slug},
    )  # fmt: skip
    return clause


def edit_draft_clause(
    session: Session, *, clause_id: int, title: str, body: str, actor_id: int
) -> Clause:
    """An official edits a clause of a draft; a published version never changes."""
    clause = session.get(Clause, clause_id)
    if clause is None:
        raise NotFound(_("Cet article n'existe pas."))
    version = session.get(CharterVersion, clause.version_id)
    if version is None or version.status != VersionStatus.DRAFT:
        raise Conflict(_("Cette version est publiée : son texte ne peut plus changer."))
    title = _check_text(title, label=_("Le titre"), limit=TITLE_MAX_CHARS, field_name="title")
    body = _check_text(body, label=_("Le texte"), limit=CLAUSE_MAX_CHARS, field_name="body")
    if (title, body) == (clause.title, clause.body):
        return clause
    before = {"title": clause.title, "body": clause.body}
    clause.title, clause.body = title, body
    session.add(clause)
    audit.record(
        session, actor_id=actor_id, action="charter.clause.edit", object_type="consultation_clause",
        object_id=clause.id, detail={"version": version.number, "before": before},
    )  # fmt: skip
    follow_services.notify(
        session,
        target_type=Target.CLAUSE,
        target_key=clause.slug,
        subject=_("L'article « %(t)s » a changé", t=clause.title),
        body=_("Le projet de charte a été modifié.\n\nNouveau texte :\n%(b)s", b=clause.body),
        path=urls.clause(clause.number),
    )
    return clause


# --- where clauses came from ---------------------------------------------------------------------


def clause_origins(session: Session, version: CharterVersion) -> dict[str, ClauseOrigin]:
    """Origins of the clauses of `version`, keyed by clause slug, in four queries.

    A clause's origin is every answered proposal about it made during the consultation on this
    version (or whose accepted text became it), with all its answers, and its most supported
    comments of that consultation (visible ones, top-level, at least one support).
    """
    clauses = list(
        session.execute(select(Clause.id, Clause.slug).where(Clause.version_id == version.id))
    )
    if not clauses:
        return {}
    slug_of_id = {int(i): str(s) for i, s in clauses}
    proposals = list(
        session.scalars(
            select(Proposal)
            .where(
                (col(Proposal.applied_clause_id).in_(slug_of_id))
                | ((Proposal.version_id == version.id) & (Proposal.status != Decision.PENDING))
            )
            .order_by(col(Proposal.support_count).desc(), col(Proposal.id))
        )
    )
    answers: dict[int, list[Answer]] = {}
    if proposals:
        for answer in session.scalars(
            select(Answer)
            .where(col(Answer.proposal_id).in_([p.id for p in proposals]))
            .order_by(col(Answer.created_at), col(Answer.id))
        ):
            answers.setdefault(answer.proposal_id, []).append(answer)
    ranked = (
        select(
            Comment.id,
            func.row_number()
            .over(
                partition_by=Comment.clause_id,
                order_by=(col(Comment.support_count).desc(), col(Comment.id)),
            )
            .label("rank"),
        )
        .where(
            col(Comment.clause_id).in_(slug_of_id),
            col(Comment.parent_id).is_(None),
            col(Comment.hidden_at).is_(None),
            col(Comment.deleted_at).is_(None),
            Comment.support_count > 0,
        )
        .subquery()
    )
    top = list(
        session.scalars(
            select(Comment)
            .join(ranked, ranked.c.id == Comment.id)
            .where(ranked.c.rank <= TOP_COMMENTS_PER_CLAUSE)
            .order_by(col(Comment.support_count).desc(), col(Comment.id))
        )
    )

    names = display_names(
        session,
        [p.author_id for p in proposals]
        + [a.official_id for lst in answers.values() for a in lst]
        + [c.author_id for c in top],
    )
    by_slug_props: dict[str, list[tuple[Proposal, list[Answer]]]] = {}
    for p in proposals:
        slug = slug_of_id.get(p.applied_clause_id or -1) or p.clause_slug
        if slug is None or slug not in slug_of_id.values() or p.id not in answers:
            continue
        by_slug_props.setdefault(slug, []).append((p, answers[p.id]))
    by_slug_comments: dict[str, list[Comment]] = {}
    for c in top:
        by_slug_comments.setdefault(slug_of_id[c.clause_id or -1], []).append(c)
    return {
        slug: ClauseOrigin(
            proposals=by_slug_props.get(slug, []),
            top_comments=by_slug_comments.get(slug, []),
            names=names,
        )
        for slug in slug_of_id.values()
    }
