"""The consultation's tools on "Mon espace" (portal.web.desk): the answer desk, moderation, the
draft and its synthesis, proposals, and the public figures and open data."""

from __future__ import annotations

from sqlmodel import Session

from portal.consultation.charter.permissions import PUBLISH_VERSION
from portal.consultation.moderation import services as moderation
from portal.consultation.moderation.permissions import MODERATE
from portal.consultation.participation import services as participation
from portal.consultation.participation.permissions import PROPOSE, RECORD_ASSISTED
from portal.consultation.review import services as review
from portal.consultation.review.permissions import REVIEW_DESK
from portal.consultation.synthesis.permissions import EDIT_SYNTHESIS
from portal.web.auth import CurrentUser
from portal.web.desk import DeskLink
from portal.web.i18n import gettext as _
from portal.web.permissions import Permission


def desk_links(session: Session, user: CurrentUser) -> list[DeskLink]:
    def may(permission: Permission) -> bool:
        return permission.allows(user.roles, authenticated=True)

    group = _("La charte IA")
    draft = participation.version_under_consultation(session)
    links = [
        DeskLink(group, _("Mes abonnements et la charte"), "/charter",
                 hint=_("Commentez, soutenez, suivez un article.")),
    ]  # fmt: skip
    if may(REVIEW_DESK):
        links.append(DeskLink(group, _("Répondre aux propositions"), "/charter/review",
                              count=len(review.awaiting_answer(session)),
                              hint=_("Chaque réponse est publique, avec sa raison.")))  # fmt: skip
    if may(PUBLISH_VERSION):
        label = (
            _("Calendrier et publication de la version %(n)s", n=draft.number)
            if draft
            else _("Préparer la prochaine version")
        )
        links.append(DeskLink(group, label, "/charter#phase-title" if draft else "/charter"))
    if may(EDIT_SYNTHESIS):
        links.append(DeskLink(group, _("Relire la synthèse des commentaires"),
                              "/consultation/synthesis/draft"))  # fmt: skip
    if (
        may(PROPOSE)
        and draft is not None
        and participation.may_propose(session, draft, is_agent=user.has_role("agent"))
    ):
        links.append(DeskLink(group, _("Proposer un article ou une modification"),
                              "/charter/proposals/new"))  # fmt: skip
    if may(RECORD_ASSISTED) and draft is not None:
        links.append(DeskLink(group, _("Recueillir une contribution (accueil, téléphone, courrier)"),
                              "/charter/desk",
                              hint=_("Pour un·e habitant·e sans compte, jamais sous votre nom.")))  # fmt: skip
    if may(MODERATE):
        links.append(DeskLink(_("Modération"), _("Signalements à traiter"), "/moderation",
                              count=len(moderation.queue(session))
                              + len(moderation.proposal_queue(session)),
                              hint=_("Masquer avec un motif public, garder, bloquer.")))  # fmt: skip
    opendata = _("Données publiques")
    links += [
        DeskLink(opendata, _("Chiffres publics de la modération"), "/moderation/figures"),
        DeskLink(opendata, _("Export anonymisé de la consultation"), "/consultation/export"),
    ]
    return links
