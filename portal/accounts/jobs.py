"""Jobs of the accounts module (and the mail delivery every module relies on)."""

from __future__ import annotations

from datetime import timedelta

from portal.accounts import services
from portal.mail import deliver_pending
from portal.manifest import Job, JobContext


def purge(ctx: JobContext) -> str:
    counts = services.purge_expired(ctx.session)
    return ", ".join(f"{k}={v}" for k, v in counts.items())


def send_mail(ctx: JobContext) -> str:
    return f"sent={deliver_pending(ctx.session, ctx.settings)}"


JOBS = [
    Job("accounts.purge_expired", timedelta(hours=1), purge,
        "Remove ended sessions, stale tokens and never-confirmed accounts"),
    Job("mail.deliver", timedelta(minutes=1), send_mail, "Send queued mail through SMTP"),
]  # fmt: skip
