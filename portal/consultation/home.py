"""What the consultation puts on the home page: the draft open for comments and its deadline, how
many people took part, the proposals still waiting for an official's answer.

Named in the manifest's `home`; public figures only (the home page is shared by every visitor).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, union
from sqlmodel import Session, col

from portal.consultation import urls
from portal.consultation.charter.models import CharterVersion, Clause
from portal.consultation.charter.services import latest
from portal.consultation.participation.models import Comment, Proposal, Support, current_generation
from portal.consultation.participation.services import phase_info, version_under_consultation
from portal.consultation.vocabulary import Decision, Phase, Target, VersionStatus
from portal.web.home import HomeBlock, HomeFigure, HomeLink, HomeNews
from portal.web.i18n import format_datetime, ngettext
from portal.web.i18n import gettext as _

UNANSWERED_SHOWN = 3

# The home news read the consultation's and the register's tables and people's names: every
# write to them raises this counter (participation/models.py), the register's home news too.
home_version = current_generation


def participants(session: Session, version_id: int) -> int:
    """People who commented, proposed or supported something in this version (each once)."""
    clause_ids = select(Clause.id).where(Clause.version_id == version_id)
    proposal_ids = select(Proposal.id).where(Proposal.version_id == version_id)
    on_version = or_(
        col(Comment.clause_id).in_(clause_ids), col(Comment.proposal_id).in_(proposal_ids)
    )
    comments = select(Comment.author_id).where(
        on_version, col(Comment.deleted_at).is_(None), col(Comment.hidden_at).is_(None)
    )
    comment_ids = select(Comment.id).where(on_version)
    proposers = select(Proposal.author_id).where(
        Proposal.version_id == version_id, col(Proposal.hidden_at).is_(None)
    )
    supporters = select(Support.user_id).where(
        or_(
            and_(col(Support.target_type) == Target.CLAUSE, col(Support.target_id).in_(clause_ids)),
            and_(
                col(Support.target_type) == Target.PROPOSAL,
                col(Support.target_id).in_(proposal_ids),
            ),
            and_(
                col(Support.target_type) == Target.COMMENT, col(Support.target_id).in_(comment_ids)
            ),
        )
    )
    people = union(comments, proposers, supporters).subquery()
    return int(session.scalar(select(func.count()).select_from(people)) or 0)


def unanswered_proposals(session: Session, version_id: int) -> list[Proposal]:
    stmt = (
        select(Proposal)
        .where(
            Proposal.version_id == version_id,
            col(Proposal.status) == Decision.PENDING,
            col(Proposal.hidden_at).is_(None),
        )
        .order_by(col(Proposal.support_count).desc(), col(Proposal.created_at))
    )
    return list(session.scalars(stmt))


def _deadline(closes_at: datetime) -> str:
    aware = closes_at if closes_at.tzinfo else closes_at.replace(tzinfo=UTC)
    return format_datetime(aware.astimezone(ZoneInfo("Europe/Paris")))


def home_news(session: Session) -> HomeNews:
    version = version_under_consultation(session)
    published = latest(session, VersionStatus.PUBLISHED)
    if version is None:
        return HomeNews(blocks=(_in_force(published),) if published else ())
    info = phase_info(session, version)
    people = participants(session, int(version.id or 0))
    waiting = unanswered_proposals(session, int(version.id or 0))
    took_part = ngettext(
        "%(num)s personne y a pris part.", "%(num)s personnes y ont pris part.", people
    )
    if info.phase == Phase.OPEN:
        title = _("Consultation ouverte : %(title)s", title=version.title)
        lead = _("Chacun peut commenter les articles et faire des propositions.")
        if info.closes_at is not None:
            lead += " " + _("Vous avez jusqu'au %(date)s.", date=_deadline(info.closes_at))
        lead += " " + took_part
    else:
        title = _("Projet de charte : %(title)s", title=version.title)
        lead = _("Phase actuelle : %(phase)s.", phase=info.label) + " " + took_part
    block = HomeBlock(
        order=10,
        title=title,
        url=urls.charter(),
        lead=lead,
        items=(HomeLink(_("Les propositions et les réponses des élus"), "/charter/proposals"),),
    )
    shown = tuple(
        HomeLink(
            p.title,
            urls.proposal(p.id),
            ngettext("%(num)s soutien", "%(num)s soutiens", p.support_count),
        )
        for p in waiting[:UNANSWERED_SHOWN]
    )
    figures = (
        HomeFigure(
            ngettext(
                "personne a pris part à la consultation",
                "personnes ont pris part à la consultation",
                people,
            ),
            str(people),
            urls.charter(),
        ),
    )
    return HomeNews(
        blocks=(block,), unanswered=shown, unanswered_count=len(waiting), figures=figures
    )


def _in_force(version: CharterVersion) -> HomeBlock:
    return HomeBlock(
        order=10,
        title=_("La charte en vigueur : %(title)s", title=version.title),
        url=urls.charter(),
        lead=_("Aucune consultation n'est ouverte en ce moment."),
    )
