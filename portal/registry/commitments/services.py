"""Checkable commitments: an official attaches to an article of the charter a rule over register
fields, chosen from four checks (never free code); each published system then meets it, does
not (with the reason), or is not concerned. Services take a session and keyword-only values.
"""

from __future__ import annotations

import calendar
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from portal import audit
from portal.accounts.services import email_of
from portal.clock import utcnow
from portal.errors import NotFound
from portal.mail import link, queue_mail
from portal.registry import urls
from portal.registry.fielderrors import FieldErrors
from portal.registry.loader import field_paths, schema, value_at
from portal.registry.models import Commitment, CommitmentState, System
from portal.web.i18n import N_, current_locale
from portal.web.i18n import gettext as _

CHECKS = {
    "present": N_("le champ est renseigné"),
    "in_set": N_("la valeur du champ fait partie d'une liste"),
    "date_within": N_("la date du champ n'est pas passée et tombe dans les N mois"),
    "channels_reachable": N_("chaque canal pour joindre une personne a ses horaires et un moyen "
                             "de contact"),
}  # fmt: skip
SCOPES = {
    "all": N_("tous les systèmes publiés"),
    "in_service": N_("les systèmes en test ou en service"),
    "generative": N_("les systèmes d'IA générative"),
    "transparency": N_("les systèmes soumis à l'obligation de transparence (risque limité)"),
}
MET, NOT_MET, NOT_APPLICABLE = "met", "not_met", "na"
MAX_TITLE = 200
MAX_MONTHS = 120


def _is_date_field(path: str) -> bool:
    spec = field_paths().get(path, {})
    return spec.get("pattern") == schema()["$defs"]["date"]["pattern"]


def _enum_of(path: str) -> list[str]:
    spec = field_paths().get(path, {})
    if spec.get("type") == "boolean":
        return ["true", "false"]
    return [str(v) for v in spec.get("enum", [])]


def check_rule(
    *, clause: str, clauses: Iterable[str], title: str, check: str, field: str, allowed: str,
    months: str, scope: str,
) -> dict[str, Any]:  # fmt: skip
    """The typed rule, or FieldErrors naming each bad field (an unknown register field among
    them): nothing is stored."""
    errors: dict[str, str] = {}
    clause, title, field = clause.strip(), title.strip(), field.strip()
    if clause not in set(clauses):
        errors["clause"] = _("Choisissez un article publié de la charte.")
    if not title:
        errors["title"] = _("Écrivez l'engagement en une phrase.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("L'engagement dépasse %(n)s caractères.", n=MAX_TITLE)
    if check not in CHECKS:
        errors["check"] = _("Choisissez une vérification dans la liste.")
    if scope not in SCOPES:
        errors["scope"] = _("Choisissez à quels systèmes l'engagement s'applique.")
    values = [v.strip() for v in allowed.replace("\n", ",").split(",") if v.strip()]
    number: int | None = None
    if check in ("present", "in_set", "date_within"):
        if not field:
            errors["field"] = _("Choisissez le champ de la fiche à vérifier.")
        elif field not in field_paths():
            errors["field"] = _("Champ « %(f)s » inconnu du schéma des fiches.", f=field[:120])
        elif check == "date_within" and not _is_date_field(field):
            errors["field"] = _("Ce champ n'est pas une date (AAAA-MM-JJ).")
    if check == "in_set":
        enum = _enum_of(field) if field in field_paths() else []
        if not values:
            errors["allowed"] = _(
                "Indiquez au moins une valeur acceptée, séparées par des virgules."
            )
        elif enum and (unknown := [v for v in values if v not in enum]):
            errors["allowed"] = _(
                "Valeur(s) inconnue(s) : %(v)s ; valeurs possibles : %(e)s.",
                v=", ".join(unknown), e=", ".join(enum),
            )  # fmt: skip
    if check == "date_within":
        try:
            number = int(months.strip())
        except ValueError:
            errors["months"] = _("Indiquez un nombre de mois (entier).")
        else:
            if not 0 < number <= MAX_MONTHS:
                errors["months"] = _("Entre 1 et %(n)s mois.", n=MAX_MONTHS)
    if errors:
        raise FieldErrors(errors)
    return {
        "clause_slug": clause,
        "title": title,
        "check": check,
        "field": field if check != "channels_reachable" else None,
        "allowed": values if check == "in_set" else [],
        "months": number,
        "scope": scope,
    }


def add(
    session: Session, *, actor_id: int | None, clauses: Iterable[str], **form: str
) -> Commitment:
    commitment = Commitment(**check_rule(clauses=clauses, **form), created_by=actor_id)
    session.add(commitment)
    session.flush()
    audit.record(
        session, actor_id=actor_id, action="registry.commitment.add",
        object_type="registry_commitment", object_id=commitment.id,
        detail={"clause": commitment.clause_slug, "check": commitment.check},
    )  # fmt: skip
    return commitment


def remove(session: Session, *, commitment_id: int, actor_id: int) -> None:
    commitment = session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound(_("Engagement introuvable."))
    audit.record(
        session, actor_id=actor_id, action="registry.commitment.remove",
        object_type="registry_commitment", object_id=commitment_id,
        detail={"clause": commitment.clause_slug, "title": commitment.title},
    )  # fmt: skip
    session.delete(commitment)


def all_commitments(session: Session) -> list[Commitment]:
    return list(session.scalars(select(Commitment).order_by(Commitment.clause_slug, Commitment.id)))


# --- evaluation ---------------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _applies(scope: str, data: dict[str, Any]) -> bool:
    if scope == "in_service":
        return data.get("status") in ("test", "deployed")
    if scope == "generative":
        return bool(data.get("generative"))
    if scope == "transparency":
        return value_at(data, "risk.category") == "limited"
    return True


@dataclass(frozen=True)
class Rule:
    """A commitment read once for a whole board: plain values and its sentences translated
    once (reading ORM attributes and the catalogue ten thousand times costs more than the
    checks themselves)."""

    id: int
    check: str
    field: str
    allowed: frozenset[str]
    months: int
    scope: str
    latest: date | None
    say: dict[str, str]
    parts: tuple[str, ...] = ()

    @classmethod
    def of(cls, c: Commitment, today: date) -> Rule:
        months, field = c.months or 0, c.field or ""
        say = {
            "na": _("Ne concerne pas ce système (%(s)s).", s=_(SCOPES.get(c.scope, c.scope))),
            "empty": _("Champ « %(f)s » non renseigné.", f=field),
            "present": _("Champ « %(f)s » renseigné.", f=field),
            "no_channel": _("Aucun canal pour joindre une personne."),
            "lacking": _("Sans horaires ou sans moyen de contact : %(c)s."),
            "reachable": _("Chaque canal a ses horaires et un moyen de contact."),
            "in_set": _("« %(f)s » vaut %(v)s."),
            "not_in_set": _("« %(f)s » vaut %(v)s ; attendu : %(a)s."),
            "unreadable": _("Date « %(v)s » illisible."),
            "past": _("Date passée : %(d)s."),
            "far": _("Le %(d)s, au-delà de %(n)s mois."),
            "soon": _("Le %(d)s, dans les %(n)s mois."),
        }
        return cls(
            c.id or 0, c.check, field, frozenset(c.allowed), months, c.scope,
            _add_months(today, months) if c.check == "date_within" else None, say,
            tuple(field.split(".")) if field else (),
        )  # fmt: skip


def evaluate(c: Commitment | Rule, data: dict[str, Any], today: date) -> tuple[str, str]:
    """(met / not_met / na, the reason in French)."""
    rule = c if isinstance(c, Rule) else Rule.of(c, today)
    say = rule.say
    if not _applies(rule.scope, data):
        return NOT_APPLICABLE, say["na"]
    if rule.check == "channels_reachable":
        channels = value_at(data, "human_contact.channels") or []
        lacking = [
            str(ch.get("channel", "?"))
            for ch in channels
            if not str(ch.get("hours") or "").strip()
            or not any(str(ch.get(k) or "").strip() for k in ("phone", "desk", "url"))
        ]
        if not channels:
            return NOT_MET, say["no_channel"]
        if lacking:
            return NOT_MET, say["lacking"] % {"c": ", ".join(lacking)}
        return MET, say["reachable"]
    field = rule.field
    value: Any = data
    for part in rule.parts:
        value = value.get(part) if isinstance(value, dict) else None
    if _empty(value):
        return NOT_MET, say["empty"]
    if rule.check == "present":
        return MET, say["present"]
    if rule.check == "in_set":
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        if shown in rule.allowed:
            return MET, say["in_set"] % {"f": field, "v": shown}
        return NOT_MET, say["not_in_set"] % {"f": field, "v": shown,
                                              "a": ", ".join(sorted(rule.allowed))}  # fmt: skip
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return NOT_MET, say["unreadable"] % {"v": str(value)[:20]}
    if day < today:
        return NOT_MET, say["past"] % {"d": day.isoformat()}
    if rule.latest is not None and day > rule.latest:
        return NOT_MET, say["far"] % {"d": day.isoformat(), "n": rule.months}
    return MET, say["soon"] % {"d": day.isoformat(), "n": rule.months}


@dataclass(frozen=True)
class Cell:
    status: str
    reason: str


@dataclass(frozen=True)
class Board:
    checked_on: date
    commitments: list[Commitment]
    rows: list[tuple[System, list[Cell]]]
    met: int
    not_met: int


def board(session: Session, *, today: date, systems: list[System] | None = None) -> Board:
    """Every published system against every commitment: two queries whatever the size."""
    commitments = all_commitments(session)
    if systems is None:
        systems = list(
            session.scalars(
                select(System).where(System.published_revision > 0).order_by(System.name)
            )
        )
    rules = [Rule.of(c, today) for c in commitments]
    rows = []
    met = not_met = 0
    for system in systems:
        data = system.data or {}
        cells = [Cell(*evaluate(rule, data, today)) for rule in rules]
        met += sum(1 for x in cells if x.status == MET)
        not_met += sum(1 for x in cells if x.status == NOT_MET)
        rows.append((system, cells))
    return Board(today, commitments, rows, met, not_met)


@dataclass(frozen=True)
class BoardColumn:
    id: int
    clause_slug: str
    title: str
    scope: str
    rule: str


@dataclass(frozen=True)
class BoardRow:
    slug: str
    name: str
    cells: tuple[Cell, ...]
    declared: dict[str, str]  # clause slug -> how the entry says it keeps it


@dataclass(frozen=True)
class PublicBoard:
    """The public page's board as plain values (no database object), shareable between requests."""

    checked_on: date
    commitments: tuple[BoardColumn, ...]
    rows: tuple[BoardRow, ...]
    met: int
    not_met: int


# The public board of 500 entries x 20 commitments reads and decodes every published entry and
# runs 10,000 checks: most of its time. It only changes when an entry is published, a commitment
# added or removed, or the day turns, so each process keeps the last boards built, keyed by a
# fingerprint read in two aggregate queries. A write that bypasses publication (an SQL edit by
# hand) is seen within BOARD_TTL_SECONDS.
BOARD_TTL_SECONDS = 60.0
_BOARDS: dict[tuple[Any, ...], tuple[float, PublicBoard]] = {}
_BOARDS_LOCK = threading.Lock()


def _fingerprint(session: Session) -> tuple[Any, ...]:
    published = session.execute(
        select(
            func.count(), func.max(System.published_at), func.sum(System.published_revision)
        ).where(System.published_revision > 0)
    ).one()
    rules = session.execute(
        select(func.count(), func.max(Commitment.id), func.max(Commitment.created_at))
    ).one()
    return (*published, *rules)


def public_board(session: Session, *, today: date) -> PublicBoard:
    """The board of the public page, with each entry's declared commitments; four queries
    when nothing changed since the last view, otherwise built again from every entry."""
    key = (*_fingerprint(session), today, current_locale.get())
    now = time.monotonic()
    with _BOARDS_LOCK:
        found = _BOARDS.get(key)
    if found is not None and now - found[0] < BOARD_TTL_SECONDS:
        return found[1]
    systems = list(
        session.scalars(select(System).where(System.published_revision > 0).order_by(System.name))
    )
    result = board(session, today=today, systems=systems)
    built = PublicBoard(
        today,
        tuple(BoardColumn(c.id or 0, c.clause_slug, c.title, c.scope, rule_text(c))
              for c in result.commitments),
        tuple(BoardRow(s.slug, s.name, tuple(cells),
                       {d["clause"]: d["how"] for d in (s.data or {}).get("charter", [])})
              for s, cells in result.rows),
        result.met,
        result.not_met,
    )  # fmt: skip
    with _BOARDS_LOCK:
        if len(_BOARDS) >= 8:
            _BOARDS.clear()
        _BOARDS[key] = (now, built)
    return built


def rule_text(c: Commitment) -> str:
    """The rule in words, for the board's column headings and the officials' list."""
    if c.check == "channels_reachable":
        return _(CHECKS[c.check])
    if c.check == "in_set":
        return _("« %(f)s » vaut : %(v)s", f=c.field, v=", ".join(c.allowed))
    if c.check == "date_within":
        return _("« %(f)s » n'est pas passée et tombe dans les %(n)s mois", f=c.field, n=c.months)
    return _("« %(f)s » est renseigné", f=c.field)


# --- the job: tell the owner when a commitment stops being met ----------------------------------


def notify_broken(session: Session, *, today: date, now: datetime | None = None) -> int:
    """Record each (commitment, system) state; mail the owner when one goes from met to not
    met. A first observation is recorded without mail. Returns how many owners were mailed."""
    now = now or utcnow()
    result = board(session, today=today)
    states = {(s.commitment_id, s.system_id): s for s in session.scalars(select(CommitmentState))}
    mailed = 0
    for system, cells in result.rows:
        broken: list[tuple[Commitment, Cell]] = []
        for commitment, cell in zip(result.commitments, cells, strict=True):
            if cell.status == NOT_APPLICABLE:
                continue
            is_met = cell.status == MET
            state = states.get((commitment.id or 0, system.id or 0))
            if state is None:
                session.add(CommitmentState(commitment_id=commitment.id, system_id=system.id,
                                            met=is_met, since=now))  # fmt: skip
            elif state.met != is_met:
                if state.met and not is_met:
                    broken.append((commitment, cell))
                state.met, state.since = is_met, now
        to = email_of(session, system.owner_id) if broken and system.owner_id else None
        if to:
            lines = "\n".join(f"- {c.title} : {cell.reason}" for c, cell in broken)
            queue_mail(
                session,
                to=to,
                subject=_("Registre de l'IA : « %(n)s » ne tient plus un engagement de la charte",
                          n=system.name)[:300],
                body=_("Bonjour,\n\nLa fiche « %(n)s » ne respecte plus :\n%(lines)s\n\n"
                       "Le tableau public des engagements le montre désormais. Mettez la fiche à "
                       "jour :\n%(url)s\n", n=system.name, lines=lines,
                       url=link(urls.edit(system.slug))),
            )  # fmt: skip
            mailed += 1
    session.flush()
    return mailed


DEMO_COMMITMENTS: tuple[dict[str, str], ...] = (
    {"clause": "contact-humain", "title": "Une personne peut toujours être jointe, avec des horaires",
     "check": "channels_reachable", "field": "", "allowed": "", "months": "", "scope": "all"},
    {"clause": "transparence", "title": "Chaque système au contact des habitants s'annonce comme une machine",
     "check": "present", "field": "disclosures", "allowed": "", "months": "",
     "scope": "transparency"},
    {"clause": "ia-generative", "title": "Chaque système génératif dit si les entrées sont réutilisées",
     "check": "present", "field": "generative.supplier_may_reuse_inputs", "allowed": "",
     "months": "", "scope": "generative"},
    {"clause": "evaluation", "title": "Chaque système est revu au moins une fois par an",
     "check": "date_within", "field": "next_review", "allowed": "", "months": "12",
     "scope": "all"},
)  # fmt: skip
