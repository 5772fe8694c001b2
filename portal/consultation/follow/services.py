"""Following a clause (by its stable slug) or a proposal, and the mails sent to followers.

Every mail goes through the outbox (portal/mail.py) and carries its own unsubscribe link:
`/follow/unsubscribe/<token>` shows a confirmation button (a GET never changes anything).
"""

from __future__ import annotations

import secrets

from sqlalchemy import delete, select
from sqlmodel import Session, col

from portal import audit
from portal.accounts.services import email_of
from portal.consultation import urls
from portal.consultation.follow.models import Follow
from portal.consultation.vocabulary import Target
from portal.errors import NotFound, ValidationFailed
from portal.mail import link, queue_mail
from portal.web.i18n import gettext as _

TARGETS = (Target.CLAUSE, Target.PROPOSAL)


def _check_target(target_type: str, target_key: str) -> str:
    key = target_key.strip()
    if target_type not in TARGETS or not key or len(key) > 80:
        raise ValidationFailed(_("On ne peut suivre qu'un article ou une proposition."))
    if target_type == Target.PROPOSAL and not key.isdigit():
        raise ValidationFailed(_("Cette proposition n'existe pas."))
    return key


def find(session: Session, *, user_id: int, target_type: str, target_key: str) -> Follow | None:
    return session.scalar(
        select(Follow).where(
            Follow.user_id == user_id,
            Follow.target_type == target_type,
            Follow.target_key == target_key,
        )
    )


def follow(session: Session, *, user_id: int, target_type: str, target_key: str) -> Follow:
    """Follow a clause or a proposal; following twice keeps one subscription."""
    key = _check_target(target_type, target_key)
    existing = find(session, user_id=user_id, target_type=target_type, target_key=key)
    if existing is not None:
        return existing
    row = Follow(
        user_id=user_id,
        target_type=target_type,
        target_key=key,
        unsubscribe_token=secrets.token_urlsafe(32),
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor_id=user_id, action="consultation.follow", object_type=target_type,
        object_id=key,
    )  # fmt: skip
    return row


def unfollow(session: Session, *, user_id: int, target_type: str, target_key: str) -> bool:
    row = find(session, user_id=user_id, target_type=target_type, target_key=target_key.strip())
    if row is None:
        return False
    session.delete(row)
    audit.record(
        session, actor_id=user_id, action="consultation.unfollow", object_type=target_type,
        object_id=row.target_key,
    )  # fmt: skip
    return True


def by_token(session: Session, token: str) -> Follow:
    row = session.scalar(select(Follow).where(Follow.unsubscribe_token == token))
    if row is None or not token:
        raise NotFound(
            _("Ce lien de désabonnement n'est plus valable : l'abonnement est déjà supprimé.")
        )
    return row


def unsubscribe(session: Session, *, token: str) -> Follow:
    """The one-click unsubscribe of a mail: the token is the only credential needed."""
    row = by_token(session, token)
    session.execute(delete(Follow).where(col(Follow.id) == row.id))
    audit.record(
        session, actor_id=row.user_id, action="consultation.unsubscribe",
        object_type=row.target_type, object_id=row.target_key,
    )  # fmt: skip
    return row


def notify(
    session: Session,
    *,
    target_type: str,
    target_key: str,
    subject: str,
    body: str,
    path: str,
    exclude_user_id: int | None = None,
) -> int:
    """Queue one mail per follower of the target; returns how many were queued."""

    follows = list(
        session.scalars(
            select(Follow)
            .where(Follow.target_type == target_type, Follow.target_key == target_key)
            .order_by(col(Follow.id))
        )
    )
    sent = 0
    for row in follows:
        if row.user_id == exclude_user_id:
            continue
        address = email_of(session, row.user_id)
        if address is None:
            continue
        unsubscribe_url = link(urls.unsubscribe(row.unsubscribe_token))
        text = "\n\n".join(
            [
                body,
                _("À lire : %(url)s", url=link(path)),
                "-- ",
                _(
                    "Vous recevez ce message parce que vous suivez cet élément sur le portail. "
                    "Pour ne plus le recevoir, en un clic : %(url)s",
                    url=unsubscribe_url,
                ),
            ]
        )
        queue_mail(
            session,
            to=address,
            subject=subject[:300],
            body=text,
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        sent += 1
    return sent


def following(session: Session, *, user_id: int) -> list[Follow]:
    stmt = select(Follow).where(Follow.user_id == user_id).order_by(col(Follow.created_at))
    return list(session.scalars(stmt))
