"""Pages of the accounts package built from services: one's account, the admin's desks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime

from sqlmodel import Session

from portal.accounts import audit_log, services
from portal.errors import DomainError


@dataclass
class AccountPage:
    """The signed-in person's account: what it holds, and the forms to change it."""

    display_name: str
    email: str
    roles: list[str]
    created_at: datetime
    pending_email: str | None
    error: str | None = None
    field: str | None = None  # the form field the error is about
    values: dict[str, str] = dataclass_field(default_factory=dict)  # what was typed, shown again


def account_page(
    session: Session,
    *,
    user_id: int,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> AccountPage:
    user = services.get_user(session, user_id)
    return AccountPage(
        display_name=user.display_name,
        email=user.email,
        roles=sorted(services.roles_of(session, user_id)),
        created_at=user.created_at,
        pending_email=services.pending_email_change(session, user_id=user_id),
        error=error.message if error else None,
        field=error.field if error else None,
        values=values or {},
    )


AUDIT_PER_PAGE = 50


@dataclass
class AuditPage:
    """The admin's audit page: one kind of decisions (or all), newest first, paginated."""

    rows: list[audit_log.AuditRow]
    total: int
    kind: str
    kinds: list[tuple[str, str]]  # (value, title) of the filter
    title: str
    page: int
    pages: int
    base_query: str


def audit_page(session: Session, *, kind: str, page: int) -> AuditPage:
    kind = kind if kind in audit_log.KINDS else ""
    rows, total = audit_log.audit_page(session, kind=kind, page=page, per_page=AUDIT_PER_PAGE)
    return AuditPage(
        rows=rows,
        total=total,
        kind=kind,
        kinds=[(k, audit_log.kind_title(k)) for k in audit_log.KINDS],
        title=audit_log.kind_title(kind),
        page=page,
        pages=max(1, math.ceil(total / AUDIT_PER_PAGE)),
        base_query=f"kind={kind}" if kind else "",
    )
