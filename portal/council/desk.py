"""The council's tools on "Mon espace" (portal.web.desk): uploading minutes."""

from __future__ import annotations

from sqlmodel import Session

from portal.council.permissions import UPLOAD_MINUTES
from portal.web.auth import CurrentUser
from portal.web.desk import DeskLink
from portal.web.i18n import gettext as _


def desk_links(session: Session, user: CurrentUser) -> list[DeskLink]:
    if not UPLOAD_MINUTES.allows(user.roles, authenticated=True):
        return []
    return [
        DeskLink(_("Conseil municipal"), _("Déposer un procès-verbal"), "/council/upload",
                 hint=_("PDF, HTML ou texte ; une version corrigée remplace la précédente.")),
    ]  # fmt: skip
