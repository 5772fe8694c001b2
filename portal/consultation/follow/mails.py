"""New comments and replies mailed to the followers of their clause or proposal.

Two jobs call `mail_new_comments`: every minute for the follows set to "at once" (one mail per
follow, usually about one comment), once a day for the "daily" ones (one mail per person, grouped
by clause and proposal). Each comment mailed to a follow is recorded in FollowDelivery in the same
transaction as the mail, so nothing is sent twice, and a comment whose transaction committed late
is still found on the next run (the job looks back over WINDOW, not from its last run).
Hidden and deleted comments, and one's own, are never mailed.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, cast, delete, exists, insert, select
from sqlmodel import Session, col

from portal.accounts.services import display_names, emails_of
from portal.consultation import urls
from portal.consultation.charter.models import Clause
from portal.consultation.follow.models import Follow, FollowDelivery, FollowDigest, Frequency
from portal.consultation.follow.services import (
    MY_FOLLOWS,
    ONE_CLICK,
    TargetName,
    footer,
    names_of,
    unsubscribe_headers,
)
from portal.consultation.participation.models import Comment
from portal.consultation.vocabulary import Target
from portal.mail import link, queue_mail
from portal.text import excerpt
from portal.web.i18n import gettext as _
from portal.web.i18n import ngettext

WINDOW = timedelta(days=3)  # how far back a run looks for comments not yet mailed
KEEP_DELIVERIES = timedelta(days=10)  # longer than WINDOW: a delivery row outlives its use
KEEP_DIGEST_TOKENS = timedelta(days=90)  # a digest's one-click link works this long
QUOTE_CHARS = 600
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class NewComment:
    follow: Follow
    comment_id: int
    author_id: int
    body: str
    is_reply: bool
    created_at: datetime
    path: str


def _pending(session: Session, *, frequency: Frequency, now: datetime) -> list[NewComment]:
    """Comments not yet mailed to the follows of this pace, in two queries (clauses, proposals)."""
    since = now - WINDOW
    not_mailed = ~exists().where(
        FollowDelivery.follow_id == Follow.id, FollowDelivery.comment_id == Comment.id
    )
    visible = and_(
        Follow.frequency == frequency.value,
        col(Comment.created_at) >= since,
        col(Comment.created_at) <= now,
        col(Comment.created_at) >= Follow.created_at,
        Comment.author_id != Follow.user_id,
        col(Comment.hidden_at).is_(None),
        col(Comment.deleted_at).is_(None),
        not_mailed,
    )
    found: list[NewComment] = []
    on_clauses = session.execute(
        select(Follow, Comment, Clause.number)
        .join(Clause, and_(Follow.target_type == Target.CLAUSE, Clause.slug == Follow.target_key))
        .join(Comment, Comment.clause_id == Clause.id)
        .where(visible)
        .order_by(col(Comment.id))
    )
    for row, comment, number in on_clauses:
        found.append(
            NewComment(row, comment.id, comment.author_id, comment.body,
                       comment.parent_id is not None, comment.created_at,
                       urls.clause(number, comment=comment.id))
        )  # fmt: skip
    on_proposals = session.execute(
        select(Follow, Comment)
        .join(
            Comment,
            and_(
                Follow.target_type == Target.PROPOSAL,
                cast(Comment.proposal_id, String) == Follow.target_key,
            ),
        )
        .where(visible)
        .order_by(col(Comment.id))
    )
    for row, comment in on_proposals:
        found.append(
            NewComment(row, comment.id, comment.author_id, comment.body,
                       comment.parent_id is not None, comment.created_at,
                       urls.proposal(comment.proposal_id, comment=comment.id))
        )  # fmt: skip
    return found


def _quote(item: NewComment, authors: dict[int, str]) -> str:
    author = authors.get(item.author_id, _("Un participant"))
    when = item.created_at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    said = (
        _("%(who)s a répondu (%(when)s) :", who=author, when=when)
        if item.is_reply
        else _("%(who)s a commenté (%(when)s) :", who=author, when=when)
    )
    return "\n".join(
        [said, "« " + excerpt(item.body, QUOTE_CHARS) + " »",
         _("Lire et répondre : %(url)s", url=link(item.path))]
    )  # fmt: skip


def _subject_one_target(items: list[NewComment], name: TargetName) -> str:
    if len(items) == 1:
        if items[0].is_reply:
            return _("Nouvelle réponse sur %(what)s", what=name.words)
        return _("Nouveau commentaire sur %(what)s", what=name.words)
    return ngettext(
        "%(num)s nouveau message sur %(what)s",
        "%(num)s nouveaux messages sur %(what)s",
        len(items),
        what=name.words,
    )


def mail_new_comments(session: Session, *, frequency: Frequency, now: datetime) -> int:
    """Mail the comments and replies not yet mailed to the follows of this pace; returns the
    number of mails queued."""
    items = _pending(session, frequency=frequency, now=now)
    if not items:
        return 0
    addresses = emails_of(session, {i.follow.user_id for i in items})
    authors = display_names(session, {i.author_id for i in items})
    names = names_of(session, {(i.follow.target_type, i.follow.target_key) for i in items})
    # A comment is quoted the same way in every follower's mail: written once (the excerpt
    # renders Markdown, the costly part of a run).
    quotes: dict[int, str] = {}
    for item in items:
        if item.comment_id not in quotes:
            quotes[item.comment_id] = _quote(item, authors)
    by_follow: dict[int, list[NewComment]] = defaultdict(list)
    for item in items:
        by_follow[item.follow.id or 0].append(item)
    session.execute(
        insert(FollowDelivery),
        [{"follow_id": i.follow.id, "comment_id": i.comment_id, "mailed_at": now} for i in items],
    )
    queued = 0
    if frequency == Frequency.IMMEDIATE:
        for its in by_follow.values():
            row = its[0].follow
            address = addresses.get(row.user_id)
            if address is None:
                continue
            name = names[(row.target_type, row.target_key)]
            body = "\n\n".join(
                [_("Bonjour,"), *(quotes[i.comment_id] for i in its),
                 footer(name, row.unsubscribe_token)]
            )  # fmt: skip
            queue_mail(
                session,
                to=address,
                subject=_subject_one_target(its, name)[:300],
                body=body,
                headers=unsubscribe_headers(row.unsubscribe_token),
            )
            queued += 1
        return queued
    by_user: dict[int, list[list[NewComment]]] = defaultdict(list)
    for its in by_follow.values():
        by_user[its[0].follow.user_id].append(its)
    for user_id, groups in by_user.items():
        address = addresses.get(user_id)
        if address is None:
            continue
        subject, body, headers = _digest(session, user_id, groups, names, quotes, now)
        queue_mail(session, to=address, subject=subject, body=body, headers=headers)
        queued += 1
    return queued


def _digest(
    session: Session,
    user_id: int,
    groups: list[list[NewComment]],
    names: dict[tuple[str, str], TargetName],
    quotes: dict[int, str],
    now: datetime,
) -> tuple[str, str, dict[str, str]]:
    """One person's daily mail: a section per followed clause or proposal, in page order."""
    token = secrets.token_urlsafe(32)
    follows = [g[0].follow for g in groups]
    session.add(
        FollowDigest(
            user_id=user_id, token=token, follow_ids=[f.id or 0 for f in follows], created_at=now
        )
    )
    total = sum(len(g) for g in groups)
    sections = []
    for its in sorted(groups, key=lambda g: (g[0].follow.target_type, g[0].path)):
        row = its[0].follow
        name = names[(row.target_type, row.target_key)]
        heading = ngettext(
            "%(what)s — %(num)s nouveau message", "%(what)s — %(num)s nouveaux messages",
            len(its), what=name.heading,
        )  # fmt: skip
        sections.append(
            "\n\n".join(
                [f"== {heading} ==", *(quotes[i.comment_id] for i in its),
                 _("Ne plus suivre %(what)s : %(url)s", what=name.words,
                   url=link(urls.unsubscribe(row.unsubscribe_token)))]
            )
        )  # fmt: skip
    body = "\n\n".join(
        [
            _("Bonjour,"),
            _("Voici les nouveaux messages du jour sur ce que vous suivez sur le portail."),
            *sections,
            "-- ",
            _(
                "Vous recevez ce résumé une fois par jour parce que vous suivez ces éléments. "
                "Pour ne plus recevoir ce résumé, en un clic : %(url)s",
                url=link(urls.unsubscribe(token)),
            ),
            _("Vos abonnements et leur rythme : %(url)s", url=link(MY_FOLLOWS)),
        ]
    )
    subject = ngettext(
        "Résumé du jour : %(num)s nouveau message sur ce que vous suivez",
        "Résumé du jour : %(num)s nouveaux messages sur ce que vous suivez",
        total,
    )
    return subject, body, {"List-Unsubscribe": f"<{link(urls.unsubscribe(token))}>", **ONE_CLICK}


def purge(session: Session, *, now: datetime) -> None:
    """Forget deliveries older than any run looks back, and digests' links after three months."""
    session.execute(
        delete(FollowDelivery).where(col(FollowDelivery.mailed_at) < now - KEEP_DELIVERIES)
    )
    session.execute(
        delete(FollowDigest).where(col(FollowDigest.created_at) < now - KEEP_DIGEST_TOKENS)
    )
