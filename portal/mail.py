"""Mail: every message is queued in the outbox, then delivered by SMTP when it is configured.

Services know nothing of the site's address: a link to a page is queued as `link("/charter/v/2")`
and made absolute from the settings when the mail is sent or read (`as_read`), so the same code
serves any host and port, and a corrected `PORTAL_BASE_URL` fixes mail still in the outbox.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import select
from sqlmodel import Session

from portal.clock import utcnow
from portal.core_models import OutboxMail
from portal.settings import Settings

# Stands for the site's address in a queued mail: an ASCII record separator, which no person
# types and no page shows, so it is never confused with a mail's own text.
SITE = "\x1e"


def link(path: str) -> str:
    """A link to a page of the portal (`/charter/v/2#article-4`), for a queued mail."""
    if not path.startswith("/"):
        raise ValueError(f"a mail link is a path on the site: {path!r}")
    return SITE + path


@dataclass(frozen=True)
class ReadMail:
    """A mail as its reader gets it: links absolute on the site's address."""

    mail: OutboxMail
    subject: str
    body: str
    headers: dict[str, str]


def as_read(mail: OutboxMail, base_url: str) -> ReadMail:
    site = base_url.rstrip("/")
    return ReadMail(
        mail=mail,
        subject=mail.subject,
        body=mail.body.replace(SITE, site),
        headers={k: v.replace(SITE, site) for k, v in mail.headers.items()},
    )


def queue_mail(
    session: Session,
    *,
    to: str,
    subject: str,
    body: str,
    headers: dict[str, str] | None = None,
) -> OutboxMail:
    mail = OutboxMail(to_address=to, subject=subject, body=body, headers=headers or {})
    session.add(mail)
    return mail


def pending(session: Session, limit: int = 100) -> list[OutboxMail]:
    stmt = (
        select(OutboxMail)
        .where(OutboxMail.sent_at.is_(None))
        .where(OutboxMail.attempts < 5)
        .order_by(OutboxMail.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def deliver_pending(session: Session, settings: Settings) -> int:
    """Send queued mail through SMTP; without SMTP the outbox is the delivery (demo mode)."""
    if not settings.smtp_host:
        return 0
    sent = 0
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user and settings.smtp_password:
            smtp.login(settings.smtp_user, settings.smtp_password)
        for mail in pending(session):
            read = as_read(mail, settings.base_url)
            message = EmailMessage()
            message["From"] = settings.mail_from
            message["To"] = mail.to_address
            message["Subject"] = read.subject
            for name, value in read.headers.items():
                message[name] = value
            message.set_content(read.body)
            mail.attempts += 1
            try:
                smtp.send_message(message)
            except smtplib.SMTPException as exc:
                mail.last_error = str(exc)[:500]
                continue
            mail.sent_at = utcnow()
            sent += 1
    return sent


def outbox(session: Session, *, to: str | None = None, limit: int = 50) -> list[OutboxMail]:
    stmt = select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit)
    if to:
        stmt = stmt.where(OutboxMail.to_address == to.strip().lower())
    return list(session.scalars(stmt))
