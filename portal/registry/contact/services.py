"""Reaching a person: the city's channels (content/registry/contact.yaml), a message to the
service owning a system through the mail outbox with an acknowledgment to its sender, and the
monthly handover figures that a system's owner enters.

Services take a session and keyword-only values, raise domain errors, audit, never commit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portal import audit
from portal.accounts.services import email_of
from portal.clock import utcnow
from portal.core_models import OutboxMail
from portal.errors import Forbidden, TooManyRequests
from portal.mail import link, queue_mail
from portal.registry import urls
from portal.registry.fielderrors import FieldErrors
from portal.registry.models import Handover, System
from portal.web.i18n import gettext as _

CONTACT_FILE = Path("registry") / "contact.yaml"
MAX_NAME = 100
MAX_EMAIL = 320
MAX_BODY = 4000
# One address may send this many messages an hour: the form mails its sender, so it must not
# become a way to flood someone else's mailbox.
MAX_MESSAGES_PER_HOUR = 5
EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
# Names the kind of a queued mail (a harmless extra header): the hourly limit counts these.
KIND_HEADER = "X-Portal-Kind"
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MAX_CONVERSATIONS = 10_000_000
MAX_MINUTES = 60 * 24 * 60  # two months: beyond, the figure is a typing mistake


@dataclass(frozen=True)
class CityContact:
    """The city's own ways to reach a person, and the charter's handover commitment."""

    service_name: str
    service_email: str
    channels: tuple[dict[str, str], ...]
    commitment_clause: str
    commitment_minutes: int
    commitment_text: str


@lru_cache(maxsize=4)
def city_contact(content_dir: Path) -> CityContact:
    """Read content/registry/contact.yaml once per process; a broken file stops with its name."""
    path = content_dir / CONTACT_FILE
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        commitment = raw["handover_commitment"]
        channels = tuple(
            {str(k): str(v) for k, v in channel.items()} for channel in raw["channels"]
        )
        city = CityContact(
            service_name=str(raw["service"]["name"]),
            service_email=str(raw["service"]["email"]),
            channels=channels,
            commitment_clause=str(commitment["clause"]),
            commitment_minutes=int(commitment["minutes"]),
            commitment_text=str(commitment["text"]),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RuntimeError(f"{path}: unreadable contact file ({exc!r})") from exc
    if not all(c.get("channel") and c.get("hours") for c in city.channels):
        raise RuntimeError(f"{path}: every channel needs a name and its hours")
    return city


def contactable_system(session: Session, slug: str) -> System | None:
    """A published system by its address, or None."""
    return session.scalar(select(System).where(System.slug == slug, System.published_revision > 0))


def systems_for_choice(session: Session) -> list[tuple[str, str]]:
    """(slug, name) of every published system, for the form's list."""
    rows = session.execute(
        select(System.slug, System.name).where(System.published_revision > 0).order_by(System.name)
    )
    return [(str(s), str(n)) for s, n in rows]


@dataclass(frozen=True)
class Sent:
    service: str
    system_name: str | None


def _recipient(session: Session, city: CityContact, system: System | None) -> tuple[str, str]:
    """(address, service name): the system's service mailbox, else its owner, else the city's."""
    if system is not None and system.data is not None:
        service = system.data["service"]
        if service.get("email"):
            return str(service["email"]), str(service["name"])
        owner = email_of(session, system.owner_id) if system.owner_id else None
        if owner:
            return owner, str(service["name"])
    return city.service_email, city.service_name


def _outbox_headers() -> Any:
    """The outbox's JSON header column as a SQL expression (its Python type is a dict)."""
    return OutboxMail.__table__.c.headers  # type: ignore[attr-defined]


def send_message(
    session: Session,
    *,
    city: CityContact,
    slug: str,
    name: str,
    email: str,
    body: str,
    sender_id: int | None,
) -> Sent:
    """A resident's message to the service owning `slug` (or to the city's contact centre),
    queued in the outbox, and an acknowledgment to the sender. Every field's problem at once."""
    errors: dict[str, str] = {}
    system = None
    if slug:
        system = contactable_system(session, slug)
        if system is None:
            errors["system"] = _("Choisissez un système du registre dans la liste, ou aucun.")
    name, email, body = name.strip(), email.strip(), body.strip()
    if not name:
        errors["name"] = _("Indiquez votre nom : le service en a besoin pour vous répondre.")
    elif len(name) > MAX_NAME:
        errors["name"] = _("Votre nom dépasse %(n)s caractères.", n=MAX_NAME)
    if not email:
        errors["email"] = _("Indiquez votre adresse électronique : la réponse y sera envoyée.")
    elif len(email) > MAX_EMAIL or not EMAIL.match(email):
        errors["email"] = _("Adresse électronique invalide ; exemple : prenom.nom@exemple.fr")
    if len(body) < 10:
        errors["body"] = _("Écrivez votre message (10 caractères au moins).")
    elif len(body) > MAX_BODY:
        errors["body"] = _("Votre message dépasse 4 000 caractères.")
    if errors:
        raise FieldErrors(errors)
    recent = session.scalar(
        select(func.count())
        .select_from(OutboxMail)
        .where(
            OutboxMail.to_address == email,
            _outbox_headers()[KIND_HEADER].as_string() == "registry.contact.ack",
            OutboxMail.created_at > utcnow() - timedelta(hours=1),
        )
    )
    if int(recent or 0) >= MAX_MESSAGES_PER_HOUR:
        raise TooManyRequests(
            _("Vous avez déjà envoyé plusieurs messages cette heure-ci : réessayez plus tard, ou "
              "appelez le centre de contact.")
        )  # fmt: skip
    to, service = _recipient(session, city, system)
    about = (
        _("au sujet de « %(name)s »", name=system.name)
        if system is not None
        else _("sans système précis")
    )
    entry = f"\n{link(urls.entry(system.slug))}\n" if system is not None else "\n"
    queue_mail(
        session,
        to=to,
        subject=_("Message d'un habitant %(about)s", about=about)[:300],
        body=_(
            "Bonjour,\n\nUn message a été envoyé depuis la page « Joindre une personne » du "
            "registre, %(about)s. Répondez directement à son auteur ; l'article 4 de la charte "
            "demande une réponse au plus tard le jour ouvré suivant.\n\n"
            "De : %(name)s <%(email)s>\n\n%(body)s\n",
            about=about,
            name=name,
            email=email,
            body=body,
        )
        + entry,
        headers={"Reply-To": email, KIND_HEADER: "registry.contact"},
    )
    # The acknowledgment does not repeat the message: typed by anyone for any address, it would
    # let the form carry someone's text into a stranger's mailbox.
    queue_mail(
        session,
        to=email,
        subject=_("Votre message à la mairie a bien été reçu"),
        body=_(
            "Bonjour %(name)s,\n\nVotre message %(about)s a été transmis à : %(service)s. "
            "Une personne vous répondra par écrit, au plus tard le jour ouvré suivant.\n\n"
            "Pour joindre quelqu'un tout de suite, les téléphones et accueils avec leurs horaires "
            "sont sur cette page :\n%(url)s\n\nSi vous n'avez pas écrit à la mairie, ignorez ce "
            "message.\n",
            name=name,
            about=about,
            service=service,
            url=link(urls.contact()),
        ),
        headers={KIND_HEADER: "registry.contact.ack"},
    )
    audit.record(
        session, actor_id=sender_id, action="registry.contact", object_type="registry_system",
        object_id=system.id if system is not None else None,
        detail={"service": service},
    )  # fmt: skip
    return Sent(service, system.name if system is not None else None)


# --- handover figures -----------------------------------------------------------------------


def can_enter_figures(roles: Iterable[str], user_id: int, system: System) -> bool:
    """The system's owner enters its figures; officials and the admin may do it for them."""
    return system.owner_id == user_id or bool(set(roles) & {"official", "admin"})


def handovers_of(session: Session, system_id: int, *, months: int = 24) -> list[Handover]:
    """The latest `months` months entered, oldest first."""
    rows = session.scalars(
        select(Handover)
        .where(Handover.system_id == system_id)
        .order_by(Handover.month.desc())  # type: ignore[attr-defined]
        .limit(months)
    )
    return sorted(rows, key=lambda h: h.month)


def _int(value: str, field: str, errors: dict[str, str], *, top: int) -> int | None:
    text = value.strip().replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    if not text:
        errors[field] = _("Champ obligatoire.")
        return None
    if not text.isdigit():
        errors[field] = _("Indiquez un nombre entier positif ou nul.")
        return None
    number = int(text)
    if number > top:
        errors[field] = _("Nombre trop grand (au plus %(n)s).", n=f"{top:,}".replace(",", " "))
        return None
    return number


def record_handover(
    session: Session,
    *,
    system: System,
    actor_id: int,
    roles: Iterable[str],
    month: str,
    conversations: str,
    handovers: str,
    median_minutes: str,
    today: date,
) -> Handover:
    """Enter (or correct) one month's figures: conversations, how many were passed to a person,
    and the median minutes until a person took over (blank when not measured)."""
    if not can_enter_figures(roles, actor_id, system):
        raise Forbidden(_("Seul le service responsable de ce système saisit ses chiffres."))
    errors: dict[str, str] = {}
    month = month.strip()
    match = MONTH.match(month)
    if not match:
        errors["month"] = _("Mois invalide ; attendu AAAA-MM, par exemple 2026-10.")
    elif (int(match.group(1)), int(match.group(2))) > (today.year, today.month):
        errors["month"] = _("Ce mois n'est pas encore commencé.")
    elif int(match.group(1)) < 2000:
        errors["month"] = _("Mois invalide ; attendu AAAA-MM, par exemple 2026-10.")
    total = _int(conversations, "conversations", errors, top=MAX_CONVERSATIONS)
    passed = _int(handovers, "handovers", errors, top=MAX_CONVERSATIONS)
    if total is not None and passed is not None and passed > total:
        errors["handovers"] = _(
            "Plus de passages à un agent (%(p)s) que de conversations (%(t)s).", p=passed, t=total
        )
    minutes: float | None = None
    if median_minutes.strip():
        try:
            minutes = float(median_minutes.strip().replace(",", "."))
        except ValueError:
            errors["median_minutes"] = _("Indiquez un nombre de minutes, par exemple 12 ou 7,5.")
        else:
            if not 0 <= minutes <= MAX_MINUTES or minutes != minutes:
                errors["median_minutes"] = _(
                    "Durée hors limites (entre 0 et %(n)s minutes).", n=MAX_MINUTES
                )
    if errors:
        raise FieldErrors(errors)
    assert total is not None and passed is not None
    values = {"conversations": total, "handovers": passed, "median_minutes": minutes,
              "entered_by": actor_id, "entered_at": utcnow()}  # fmt: skip
    row = session.scalar(
        select(Handover).where(Handover.system_id == system.id, Handover.month == month)
    )
    if row is None:
        try:
            with session.begin_nested():
                row = Handover(system_id=system.id, month=month, **values)
                session.add(row)
        except IntegrityError:  # the same month entered at the same moment: correct it instead
            row = session.scalar(
                select(Handover).where(Handover.system_id == system.id, Handover.month == month)
            )
            assert row is not None
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    audit.record(
        session, actor_id=actor_id, action="registry.handover", object_type="registry_system",
        object_id=system.id, detail={"month": month, "conversations": total, "handovers": passed,
                                     "median_minutes": minutes},
    )  # fmt: skip
    return row
