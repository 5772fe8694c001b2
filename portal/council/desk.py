"""The council's tools on "Mon espace" (portal.web.desk): one's followed searches, uploading
minutes, answering the questions residents forwarded from the council's answers."""

from __future__ import annotations

from sqlmodel import Session

from portal.council import alerts, forwarded, urls
from portal.council.permissions import ANSWER_QUESTIONS, UPLOAD_MINUTES
from portal.web.auth import CurrentUser
from portal.web.desk import DeskLink
from portal.web.i18n import gettext as _
from portal.web.i18n import ngettext


def desk_links(session: Session, user: CurrentUser) -> list[DeskLink]:
    followed = alerts.count_mine(session, user_id=user.id)
    links = [
        DeskLink(_("Conseil municipal"), _("Mes recherches suivies"), urls.alerts(),
                 hint=ngettext("%(num)s recherche suivie : un courriel signale les nouveaux "
                               "procès-verbaux qui y répondent.",
                               "%(num)s recherches suivies : un courriel signale les nouveaux "
                               "procès-verbaux qui y répondent.", followed))
    ]  # fmt: skip
    if UPLOAD_MINUTES.allows(user.roles, authenticated=True):
        links.append(
            DeskLink(_("Conseil municipal"), _("Déposer un procès-verbal"), "/council/upload",
                     hint=_("PDF, HTML ou texte ; une version corrigée remplace la précédente."))
        )  # fmt: skip
    if ANSWER_QUESTIONS.allows(user.roles, authenticated=True):
        links.append(
            DeskLink(_("Conseil municipal"), _("Questions transmises par les habitants"),
                     urls.questions_desk(), count=forwarded.figures(session).waiting)
        )  # fmt: skip
    return links
