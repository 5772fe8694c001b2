"""Jobs of the follow part: new comments and replies mailed at once, or once a day."""

from __future__ import annotations

from datetime import timedelta

from portal.consultation.follow import mails, services
from portal.consultation.follow.models import Frequency
from portal.manifest import Job, JobContext


def mail_now(ctx: JobContext) -> str:
    # Within a minute of an account's deletion, what it followed is gone too.
    forgotten = services.forget_deleted_accounts(ctx.session)
    sent = mails.mail_new_comments(ctx.session, frequency=Frequency.IMMEDIATE, now=ctx.now)
    return f"mails={sent}" + (f" forgotten={forgotten}" if forgotten else "")


def mail_digest(ctx: JobContext) -> str:
    sent = mails.mail_new_comments(ctx.session, frequency=Frequency.DAILY, now=ctx.now)
    mails.purge(ctx.session, now=ctx.now)
    return f"digests={sent}"


JOBS = [
    Job("consultation.follow.now", timedelta(minutes=1), mail_now,
        "Mail new comments and replies to the followers who want them at once"),
    Job("consultation.follow.digest", timedelta(days=1), mail_digest,
        "Mail each follower who chose it one summary of the day's comments, by clause"),
]  # fmt: skip
