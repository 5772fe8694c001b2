"""What the council puts on the home page: its latest meeting and the decisions taken there.

Named in the manifest's `home`; public figures only (the home page is shared by every visitor).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from portal.council import urls
from portal.council.fulltext import hold_index_state
from portal.council.models import Item, Meeting
from portal.council.services import meeting_count
from portal.web.home import HomeBlock, HomeFigure, HomeLink, HomeNews
from portal.web.i18n import format_datetime, ngettext
from portal.web.i18n import gettext as _

DECISIONS_SHOWN = 4


def home_version(session: Session) -> object:
    """The meetings and their source files (fulltext.index_state): the latest meeting, its
    decisions and the count of meetings change only with them."""
    return hold_index_state(session).stamp


def latest_meeting(session: Session) -> Meeting | None:
    return session.scalar(select(Meeting).order_by(col(Meeting.meeting_date).desc()).limit(1))


def decisions_of(session: Session, meeting_id: int) -> list[Item]:
    """The items put to the vote at this meeting (adopted or not), in the order of the agenda."""
    stmt = (
        select(Item)
        .where(Item.meeting_id == meeting_id, col(Item.adopted).is_not(None))
        .order_by(col(Item.position))
    )
    return list(session.scalars(stmt))


def _outcome(item: Item) -> str:
    if item.adopted is False:
        return _("rejetée")
    if item.unanimous:
        return _("adoptée à l'unanimité")
    return _("adoptée")


def home_news(session: Session) -> HomeNews:
    meeting = latest_meeting(session)
    count = meeting_count(session)
    if meeting is None:
        block = HomeBlock(
            order=20,
            title=_("Le conseil municipal"),
            url="/council",
            empty=_("Aucun procès-verbal n'est encore publié."),
        )
        return HomeNews(blocks=(block,))
    decisions = decisions_of(session, int(meeting.id or 0))
    adopted = sum(1 for d in decisions if d.adopted)
    day = format_datetime(meeting.meeting_date)
    lead = ngettext(
        "%(num)s délibération votée, dont %(adopted)s adoptée.",
        "%(num)s délibérations votées, dont %(adopted)s adoptées.",
        len(decisions),
        adopted=adopted,
    )
    block = HomeBlock(
        order=20,
        title=_("Dernier conseil municipal : %(day)s", day=day),
        url=urls.meeting(meeting.meeting_date),
        lead=lead
        if decisions
        else _("Aucune délibération votée n'est relevée dans ce procès-verbal."),
        items=tuple(
            HomeLink(item.title, urls.meeting(meeting.meeting_date), _outcome(item))
            for item in decisions[:DECISIONS_SHOWN]
        ),
    )
    figures = (
        HomeFigure(
            ngettext("séance du conseil publiée", "séances du conseil publiées", count),
            str(count),
            "/council",
        ),
    )
    return HomeNews(blocks=(block,), figures=figures)
