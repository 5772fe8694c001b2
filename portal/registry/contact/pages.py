"""Page contexts of reaching a person: the contact page and the owner's handover figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup
from sqlmodel import Session

from portal.registry.charts import bar_chart
from portal.registry.contact import services
from portal.registry.contact.services import CityContact
from portal.registry.models import Handover, System
from portal.web.i18n import gettext as _


@dataclass(frozen=True)
class ContactPage:
    city: CityContact
    system: System | None
    systems: list[tuple[str, str]]
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def contact_page(
    session: Session,
    city: CityContact,
    *,
    system: System | None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
) -> ContactPage:
    typed = {"system": system.slug if system is not None else "", "name": "", "email": "",
             "body": ""} | (values or {})  # fmt: skip
    return ContactPage(
        city, system, services.systems_for_choice(session), typed, errors or {}, error
    )


@dataclass(frozen=True)
class HandoverCharts:
    """The monthly figures of one system, as two charts with their table and commitment."""

    rows: list[Handover]
    share: Markup | None
    delay: Markup | None
    commitment_minutes: int
    commitment_text: str
    late_months: list[str]


def share_of(row: Handover) -> float:
    return round(100 * row.handovers / row.conversations, 1) if row.conversations else 0.0


def handover_charts(rows: list[Handover], city: CityContact, *, prefix: str) -> HandoverCharts:
    share = delay = None
    if rows:
        share = bar_chart(
            {"indicator": _("Conversations passées à un agent"), "unit": "%",
             "values": [{"period": r.month, "value": share_of(r)} for r in rows]},
            chart_id=f"{prefix}-share",
        )  # fmt: skip
        timed = [r for r in rows if r.median_minutes is not None]
        if timed:
            delay = bar_chart(
                {"indicator": _("Délai médian pour joindre une personne"), "unit": _("minutes"),
                 "values": [{"period": r.month, "value": r.median_minutes} for r in timed]},
                chart_id=f"{prefix}-delay",
                target=(float(city.commitment_minutes), _("Engagement de la charte")),
            )  # fmt: skip
    late = [
        r.month
        for r in rows
        if r.median_minutes is not None and r.median_minutes > city.commitment_minutes
    ]
    return HandoverCharts(rows, share, delay, city.commitment_minutes, city.commitment_text, late)


@dataclass(frozen=True)
class HandoverPage:
    system: System
    charts: HandoverCharts
    values: dict[str, str]
    errors: dict[str, str]
    error: str | None
    this_month: str


def handover_page(
    session: Session,
    city: CityContact,
    system: System,
    *,
    today: date,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
) -> HandoverPage:
    assert system.id is not None
    rows = services.handovers_of(session, system.id)
    month = f"{today.year:04d}-{today.month:02d}"
    typed = {"month": month, "conversations": "", "handovers": "", "median_minutes": ""}
    return HandoverPage(
        system,
        handover_charts(rows, city, prefix="handover"),
        typed | {k: str(v) for k, v in (values or {}).items()},
        errors or {},
        error,
        month,
    )
