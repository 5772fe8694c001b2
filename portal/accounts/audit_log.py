"""The admin's audit page: who changed roles, published, moderated, and when.

Reads the shared audit trail (core_audit) written by every package; it names the actions it
shows, grouped by kind, so a new kind of event is added here on purpose, with its French label.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.accounts.permissions import role_label
from portal.core_models import AuditEvent
from portal.web.i18n import N_
from portal.web.i18n import gettext as _

KINDS: dict[str, tuple[str, dict[str, str]]] = {
    "roles": (
        N_("Comptes du personnel et rôles"),
        {
            "account.invite": N_("a invité un membre du personnel"),
            "account.invitation_accept": N_("a accepté son invitation"),
            "account.create": N_("a créé un compte"),
            "account.roles": N_("a changé des rôles"),
            "account.role_change": N_("a reçu un rôle à la connexion"),
            "account.enable": N_("a réactivé un compte"),
            "account.disable": N_("a suspendu un compte"),
            "account.delete": N_("a supprimé un compte"),
        },
    ),
    "publications": (
        N_("Publications"),
        {
            "charter.version.publish": N_("a publié une version de la charte"),
            "charter.version.next": N_("a ouvert le projet suivant de la charte"),
            "synthesis.publish": N_("a publié la synthèse des commentaires"),
            "registry.publish": N_("a publié une fiche du registre"),
            "registry.reject": N_("a renvoyé une fiche du registre en brouillon"),
        },
    ),
    "moderation": (
        N_("Décisions de modération"),
        {
            "consultation.comment.hide": N_("a masqué un commentaire"),
            "consultation.comment.keep": N_("a maintenu un commentaire signalé"),
            "consultation.comment.restore": N_("a rétabli un commentaire"),
            "consultation.user.block": N_("a bloqué un participant"),
            "consultation.user.unblock": N_("a débloqué un participant"),
            "registry.question.hide": N_("a masqué une question du registre"),
            "registry.question.restore": N_("a rétabli une question du registre"),
            "registry.question.dismiss": N_("a classé un signalement de question"),
        },
    ),
}
LABELS = {
    action: label for _kind, (_title, actions) in KINDS.items() for action, label in actions.items()
}
DETAIL_KEYS = ("roles", "before", "after", "reason", "note", "decision", "version")


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    who: str
    what: str
    kind: str
    target: str  # the object, in words where the accounts package can name it
    detail: str


def kind_title(kind: str) -> str:
    return _(KINDS[kind][0]) if kind in KINDS else _("Tout")


def _detail(event: AuditEvent) -> str:
    parts = []
    for key in DETAIL_KEYS:
        value = event.detail.get(key)
        if value in (None, "", []):
            continue
        if key in ("roles", "before", "after") and isinstance(value, list):
            value = ", ".join(role_label(str(v)) for v in value)
        label = {"roles": _("rôles"), "before": _("avant"), "after": _("après"),
                 "reason": _("motif"), "note": _("note"), "decision": _("décision"),
                 "version": _("version")}[key]  # fmt: skip
        parts.append(f"{label} : {str(value)[:200]}")
    return " ; ".join(parts)


def audit_page(
    session: Session, *, kind: str = "", page: int = 1, per_page: int = 50
) -> tuple[list[AuditRow], int]:
    """One page of the staff's decisions, newest first, and how many there are (three queries)."""
    actions = list(KINDS[kind][1]) if kind in KINDS else list(LABELS)
    where = col(AuditEvent.action).in_(actions)
    total = int(session.scalar(select(func.count()).select_from(AuditEvent).where(where)) or 0)
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(where)
            .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    user_ids = {e.actor_id for e in events if e.actor_id is not None}
    user_ids |= {
        int(e.object_id) for e in events if e.object_type == "user" and e.object_id.isdigit()
    }
    names: dict[int, str] = {
        int(uid): str(name)
        for uid, name in session.execute(
            select(User.id, User.display_name).where(col(User.id).in_(user_ids))
        )
    }
    kind_of = {action: k for k, (_t, acts) in KINDS.items() for action in acts}
    rows = []
    for event in events:
        if event.object_type == "user" and event.object_id.isdigit():
            target = _("compte « %(name)s »", name=names.get(int(event.object_id), event.object_id))
        else:
            target = f"{event.object_type} {event.object_id}"
        rows.append(
            AuditRow(
                at=event.at,
                who=names.get(event.actor_id, _("le système"))
                if event.actor_id
                else _("le système"),
                what=_(LABELS[event.action]),
                kind=_(KINDS[kind_of[event.action]][0]),
                target=target,
                detail=_detail(event),
            )
        )
    return rows, total
