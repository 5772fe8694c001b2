"""The register's tools on "Mon espace" (portal.web.desk): drafts to review, questions to answer,
new entries."""

from __future__ import annotations

from sqlmodel import Session

from portal.registry import services, urls
from portal.registry.editor import services as incomplete
from portal.registry.moderation import services as moderation
from portal.registry.permissions import DRAFT_ENTRY, MODERATE_QUESTIONS, REVIEW_ENTRY
from portal.web.auth import CurrentUser
from portal.web.desk import DeskLink
from portal.web.i18n import gettext as _


def desk_links(session: Session, user: CurrentUser) -> list[DeskLink]:
    group = _("Registre des IA")
    links: list[DeskLink] = []
    drafting = DRAFT_ENTRY.allows(user.roles, authenticated=True)
    if REVIEW_ENTRY.allows(user.roles, authenticated=True):
        links.append(DeskLink(group, _("Brouillons à relire et publier"), "/registry/drafts",
                              count=len(services.drafts(session))))  # fmt: skip
    elif drafting:
        links.append(DeskLink(group, _("Brouillons en relecture"), "/registry/drafts"))
    if drafting:
        links.append(DeskLink(group, _("Mes brouillons non envoyés"),
                              "/registry/drafts#non-envoyes",
                              count=incomplete.count_of_author(session, user.id)))  # fmt: skip
    waiting = services.open_questions_for(session, user.id)
    if waiting or drafting:
        first = waiting[0][1].slug if waiting else None
        links.append(DeskLink(group, _("Questions des habitants sur mes fiches"),
                              urls.entry(first, part="questions") if first else "/registry",
                              count=len(waiting)))  # fmt: skip
    if drafting:
        links.append(DeskLink(group, _("Inscrire un nouveau système"), "/registry/new"))
    if MODERATE_QUESTIONS.allows(user.roles, authenticated=True):
        links.append(DeskLink(group, _("Questions du registre signalées"),
                              urls.reported_questions(),
                              count=moderation.open_report_count(session)))  # fmt: skip
    return links
