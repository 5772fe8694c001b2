"""Write the audit trail: who did what, when, to which object."""

from __future__ import annotations

from sqlmodel import Session

from portal.core_models import AuditEvent


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: object,
    detail: dict[str, object] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail or {},
    )
    session.add(event)
    return event
