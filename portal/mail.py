"""Mail: every message is queued in the outbox, then delivered by SMTP when it is configured."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from sqlalchemy import select
from sqlmodel import Session

from portal.clock import utcnow
from portal.core_models import OutboxMail
from portal.settings import Settings


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
        .where(OutboxMail.sent_at.is_(None))  # type: ignore[union-attr]
        .where(OutboxMail.attempts < 5)
        .order_by(OutboxMail.id)  # type: ignore[arg-type]
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
            message = EmailMessage()
            message["From"] = settings.mail_from
            message["To"] = mail.to_address
            message["Subject"] = mail.subject
            for name, value in mail.headers.items():
                message[name] = value
            message.set_content(mail.body)
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
    stmt = select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit)  # type: ignore[union-attr]
    if to:
        stmt = stmt.where(OutboxMail.to_address == to.strip().lower())
    return list(session.scalars(stmt))
