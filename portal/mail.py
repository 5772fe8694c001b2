"""Mail: every message is queued in the outbox, then delivered by SMTP when it is configured.

Services know nothing of the site's address: a link to a page is queued as `link("/charter/v/2")`
and made absolute from the settings when the mail is sent or read (`as_read`), so the same code
serves any host and port, and a corrected `PORTAL_BASE_URL` fixes mail still in the outbox.
"""

from __future__ import annotations

import html
import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from markupsafe import Markup
from sqlalchemy import select
from sqlmodel import Session

from portal.clock import utcnow
from portal.core_models import OutboxMail
from portal.settings import Settings

# Stands for the site's address in a queued mail: an ASCII record separator, which no person
# types and no page shows, so it is never confused with a mail's own text.
SITE = "\x1e"

# A queued link runs to the next space or line end; a full stop, comma, closing bracket or
# guillemet right after it is the sentence's, not the address's.
_LINK = re.compile(SITE + r"(/[^\s<>\"]*?)(?=[.,;:!?)»]*(?:\s|$))")


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
    body: str  # the text part
    html: str  # the HTML part: the same words, escaped, with its links clickable
    html_content: Markup  # the HTML part's body, for a page that shows the mail (the outbox)
    headers: dict[str, str]


def _html_paragraph(text: str, site: str) -> str:
    parts: list[str] = []
    last = 0
    for found in _LINK.finditer(text):
        parts.append(html.escape(text[last : found.start()]).replace(SITE, ""))
        url = html.escape(site + found.group(1))
        parts.append(f'<a href="{url}">{url}</a>')
        last = found.end()
    parts.append(html.escape(text[last:]).replace(SITE, ""))
    return "<p>" + "".join(parts).replace("\n", "<br>\n") + "</p>"


def html_content(body: str, site: str) -> Markup:
    """A queued mail's text as HTML: every character escaped (a resident's comment quoted in a
    mail cannot inject markup), paragraphs kept, links absolute and clickable."""
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    return Markup("\n".join(_html_paragraph(p, site) for p in paragraphs))  # noqa: S704 - escaped above


def html_part(subject: str, inner: str) -> str:
    """The HTML part of a mail around its content (`html_content`)."""
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>\n<body>\n{inner}\n</body>\n</html>\n"
    )


def as_read(mail: OutboxMail, base_url: str) -> ReadMail:
    site = base_url.rstrip("/")
    inner = html_content(mail.body, site)
    return ReadMail(
        mail=mail,
        subject=mail.subject,
        body=mail.body.replace(SITE, site),
        html=html_part(mail.subject, inner),
        html_content=inner,
        headers={k: v.replace(SITE, site) for k, v in mail.headers.items()},
    )


def message_of(read: ReadMail, *, sender: str) -> EmailMessage:
    """The mail as SMTP sends it: a text part and its HTML alternative, and the mail's headers."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = read.mail.to_address
    message["Subject"] = read.subject
    for name, value in read.headers.items():
        message[name] = value
    message.set_content(read.body)
    message.add_alternative(read.html, subtype="html")
    return message


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
            message = message_of(as_read(mail, settings.base_url), sender=settings.mail_from)
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
