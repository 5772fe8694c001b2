"""The accounts package's tools on "Mon espace" (portal.web.desk)."""

from __future__ import annotations

from sqlmodel import Session

from portal.accounts.permissions import MANAGE_USERS, READ_AUDIT, READ_OUTBOX
from portal.web.auth import CurrentUser
from portal.web.desk import DeskLink
from portal.web.i18n import gettext as _


def desk_links(session: Session, user: CurrentUser) -> list[DeskLink]:
    links = [
        DeskLink(_("Mon compte"), _("Mon compte"), "/account",
                 hint=_("Nom, adresse, mot de passe, vos données, suppression du compte.")),
        DeskLink(_("Mon compte"), _("Ma participation à la consultation"), "/account/consultation",
                 hint=_("Vos commentaires, propositions, soutiens et abonnements.")),
    ]  # fmt: skip
    if MANAGE_USERS.allows(user.roles, authenticated=True):
        links.append(DeskLink(_("Administration"), _("Comptes et rôles"), "/admin/users"))
    if READ_AUDIT.allows(user.roles, authenticated=True):
        links.append(DeskLink(_("Administration"), _("Journal des décisions"), "/admin/audit"))
    if READ_OUTBOX.allows(user.roles, authenticated=True):
        links.append(
            DeskLink(_("Administration"), _("Boîte d'envoi des courriels"), "/admin/outbox")
        )
    return links
