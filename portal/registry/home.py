"""What the register puts on the home page: its latest published changes, the questions to the
city still without an answer, and the key figures of the city's AI programme (systems in service,
share of conversations handed to a person).

Named in the manifest's `home`; public figures only (the home page is shared by every visitor).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from portal.consultation.participation.models import current_generation
from portal.registry import urls
from portal.registry.models import Handover, Question, System
from portal.registry.services import recent_changes
from portal.text import excerpt
from portal.web.home import HomeBlock, HomeFigure, HomeLink, HomeNews
from portal.web.i18n import format_datetime, format_number
from portal.web.i18n import gettext as _

# The register's tables raise the consultation's generation (the clause pages show them): the
# same counter as the consultation's home news, read once for both.
home_version = current_generation

CHANGES_SHOWN = 3
UNANSWERED_SHOWN = 3
# The handover share is read over the months entered in the last year.
HANDOVER_MONTHS = 12


def _published() -> object:
    return col(System.published_revision) > 0


def in_service(session: Session) -> int:
    stmt = select(func.count()).select_from(System).where(_published(), System.status == "deployed")
    return int(session.scalar(stmt) or 0)


def in_test(session: Session) -> int:
    stmt = select(func.count()).select_from(System).where(_published(), System.status == "test")
    return int(session.scalar(stmt) or 0)


def unanswered_questions(session: Session) -> list[tuple[Question, System]]:
    stmt = (
        select(Question, System)
        .join(System, col(System.id) == Question.system_id)
        .where(col(Question.answer).is_(None), col(Question.hidden_at).is_(None), _published())
        .order_by(col(Question.created_at))
    )
    return [(q, s) for q, s in session.execute(stmt).all()]


def handover_share(session: Session) -> tuple[int, int]:
    """(handovers, conversations) over the latest months any published system entered."""
    months = select(Handover.month).distinct().order_by(col(Handover.month).desc())
    recent = [m for (m,) in session.execute(months.limit(HANDOVER_MONTHS)).all()]
    if not recent:
        return 0, 0
    stmt = (
        select(func.sum(Handover.handovers), func.sum(Handover.conversations))
        .join(System, col(System.id) == Handover.system_id)
        .where(col(Handover.month).in_(recent), _published())
    )
    handed, total = session.execute(stmt).one()
    return int(handed or 0), int(total or 0)


def home_news(session: Session) -> HomeNews:
    changes = recent_changes(session, limit=CHANGES_SHOWN)
    block = HomeBlock(
        order=30,
        title=_("Dernières modifications du registre"),
        url="/registry",
        items=tuple(
            HomeLink(
                f"{system.name} : {change.summary}",
                urls.entry(system.slug, part="historique"),
                format_datetime(change.published_at, "short"),
            )
            for change, system in changes
        ),
        empty=_("Aucune fiche n'est encore publiée."),
    )
    waiting = unanswered_questions(session)
    unanswered = tuple(
        HomeLink(
            f"{system.name} : {excerpt(question.body, 90)}",
            urls.entry(system.slug, part=f"question-{question.id}"),
            format_datetime(question.created_at, "short"),
        )
        for question, system in waiting[:UNANSWERED_SHOWN]
    )
    figures = [
        HomeFigure(_("systèmes d'IA en service"), str(in_service(session)), "/registry/programme"),
        HomeFigure(_("systèmes d'IA en test"), str(in_test(session)), "/registry/programme"),
    ]
    handed, conversations = handover_share(session)
    if conversations:
        share = format_number(round(100 * handed / conversations, 1))
        figures.append(
            HomeFigure(
                _("des échanges avec une IA passés à une personne (12 derniers mois)"),
                f"{share} %",
                "/contact",
            )
        )
    return HomeNews(
        blocks=(block,),
        unanswered=unanswered,
        unanswered_count=len(waiting),
        figures=tuple(figures),
    )
