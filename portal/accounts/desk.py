"""The accounts package's tools on "Mon espace" (portal.web.desk)."""

from __future__ import annotations

from sqlmodel import Session

from portal.accounts.permissions import MANAGE_USERS, READ_OUTBOX
from portal.web.auth import CurrentUser
from portal.web.desk import DeskLink
from portal.web.i18n import gettext as _


def desk_links(session: Session, user: CurrentUser) -> list[DeskLink]:
    links = [
        DeskLink(_("Mon compte"), _("Mon compte"), "/account",
                 hint=_("Nom, mot de passe, suppression du compte.")),
    ]  # fmt: skip
    if MANAGE_USERS.allows(user.roles, authenticated=True):
        links.append(DeskLink(_("Administration"), _("Comptes et rôles"), "/admin/users"))
    if READ_OUTBOX.allows(user.roles, authenticated=True):
        links.append(
            DeskLink(_("Administration"), _("Boîte d'envoi des courriels"), "/admin/outbox")
        )
    return links
