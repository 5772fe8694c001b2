"""Following a clause (by its stable slug) or a proposal, and the mails sent to followers.

Every mail goes through the outbox (portal/mail.py), names what it is about in words (the article's
number and title, the proposal's title: never a slug) and carries its own unsubscribe link:
`/follow/unsubscribe/<token>` shows a confirmation button (a GET never changes anything), and a
mail client's one-click POST (RFC 8058) to the same address needs nothing but the token.
New comments and replies reach each follower at the pace they chose (`mails.py`); an official's
answer, a change of the text and a publication are mailed at once to every follower.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlmodel import Session, col

from portal import audit
from portal.accounts.services import deleted_user_ids, email_of
from portal.consultation import urls
from portal.consultation.charter.models import CharterVersion, Clause
from portal.consultation.follow.models import Follow, FollowDelivery, FollowDigest, Frequency
from portal.consultation.participation.models import Proposal
from portal.consultation.vocabulary import Target
from portal.errors import NotFound, ValidationFailed
from portal.mail import link, queue_mail
from portal.web.i18n import gettext as _

TARGETS = (Target.CLAUSE, Target.PROPOSAL)
ONE_CLICK = {"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
MY_CONSULTATION = "/account/consultation"  # one's comments, proposals, supports and follows
MY_CONSULTATION_JSON = "/account/consultation.json"
MY_DATA_JSON = "/account/export.json"  # the account's data and the consultation's, in one file
MY_FOLLOWS = MY_CONSULTATION + "#follows"


def _check_target(target_type: str, target_key: str) -> str:
    key = target_key.strip()
    if target_type not in TARGETS or not key or len(key) > 80:
        raise ValidationFailed(_("On ne peut suivre qu'un article ou une proposition."))
    if target_type == Target.PROPOSAL and not key.isdigit():
        raise ValidationFailed(_("Cette proposition n'existe pas."))
    return key


def check_frequency(frequency: str) -> Frequency:
    try:
        return Frequency(frequency or Frequency.IMMEDIATE)
    except ValueError:
        raise ValidationFailed(
            _("Choisissez de recevoir les messages un par un ou en un résumé par jour."),
            field="frequency",
        ) from None


# --- what a follow is about, in words -----------------------------------------------------------


@dataclass(frozen=True)
class TargetName:
    """A followed clause or proposal as a person reads it."""

    words: str  # within a sentence: "l'article 4 « Un humain à qui parler »"
    heading: str  # on its own: "Article 4 « Un humain à qui parler »"
    path: str  # its page


def names_of(
    session: Session, targets: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], TargetName]:
    """Names of followed targets in two queries: a clause by its latest version's number and
    title, a proposal by its title; a target that no longer exists is still named."""
    wanted = set(targets)
    slugs = {key for kind, key in wanted if kind == Target.CLAUSE}
    ids = {int(key) for kind, key in wanted if kind == Target.PROPOSAL and key.isdigit()}
    found: dict[tuple[str, str], TargetName] = {}
    if slugs:
        rows = session.execute(
            select(Clause.slug, Clause.number, Clause.title)
            .join(CharterVersion, col(CharterVersion.id) == Clause.version_id)
            .where(col(Clause.slug).in_(slugs))
            .order_by(col(CharterVersion.number).desc())
        )
        for slug, number, title in rows:
            found.setdefault(
                (Target.CLAUSE, slug),
                TargetName(
                    _("l'article %(n)s « %(t)s »", n=number, t=title),
                    _("Article %(n)s « %(t)s »", n=number, t=title),
                    urls.clause(number),
                ),
            )
    if ids:
        rows = session.execute(select(Proposal.id, Proposal.title).where(col(Proposal.id).in_(ids)))
        for proposal_id, title in rows:
            found[(Target.PROPOSAL, str(proposal_id))] = TargetName(
                _("la proposition « %(t)s »", t=title),
                _("Proposition « %(t)s »", t=title),
                urls.proposal(proposal_id),
            )
    for kind, key in wanted - found.keys():
        if kind == Target.CLAUSE:
            found[(kind, key)] = TargetName(
                _("un article retiré de la charte"),
                _("Article retiré de la charte"),
                urls.charter(),
            )
        else:
            found[(kind, key)] = TargetName(
                _("une proposition retirée"), _("Proposition retirée"), urls.charter()
            )
    return found


def name_of(session: Session, target_type: str, target_key: str) -> TargetName:
    return names_of(session, [(target_type, target_key)])[(target_type, target_key)]


# --- following ----------------------------------------------------------------------------------


def find(session: Session, *, user_id: int, target_type: str, target_key: str) -> Follow | None:
    return session.scalar(
        select(Follow).where(
            Follow.user_id == user_id,
            Follow.target_type == target_type,
            Follow.target_key == target_key,
        )
    )


def follow(
    session: Session,
    *,
    user_id: int,
    target_type: str,
    target_key: str,
    frequency: str = Frequency.IMMEDIATE,
) -> Follow:
    """Follow a clause or a proposal; following twice keeps one subscription (at the pace asked
    last)."""
    key = _check_target(target_type, target_key)
    pace = check_frequency(frequency)
    existing = find(session, user_id=user_id, target_type=target_type, target_key=key)
    if existing is not None:
        if existing.frequency != pace:
            existing.frequency = pace.value
            session.add(existing)
        return existing
    row = Follow(
        user_id=user_id,
        target_type=target_type,
        target_key=key,
        unsubscribe_token=secrets.token_urlsafe(32),
        frequency=pace.value,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor_id=user_id, action="consultation.follow", object_type=target_type,
        object_id=key, detail={"frequency": pace.value},
    )  # fmt: skip
    return row


def set_frequency(session: Session, *, user_id: int, follow_id: int, frequency: str) -> Follow:
    """Change the pace of one's own follow (someone else's is not found)."""
    pace = check_frequency(frequency)
    row = session.get(Follow, follow_id)
    if row is None or row.user_id != user_id:
        raise NotFound(_("Vous ne suivez pas (ou plus) cet élément."))
    if row.frequency != pace:
        row.frequency = pace.value
        session.add(row)
        audit.record(
            session, actor_id=user_id, action="consultation.follow.frequency",
            object_type=row.target_type, object_id=row.target_key,
            detail={"frequency": pace.value},
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


def forget_deleted_accounts(session: Session) -> int:
    """Remove the follows, deliveries and digest links of accounts deleted since the last run:
    a deleted account keeps its public contributions, not what it followed. Accounts cannot
    call this package (it depends on them), so the follow mail job does it before mailing.
    Returns how many follows were removed."""
    holders = set(session.scalars(select(Follow.user_id).distinct()))
    holders |= set(session.scalars(select(FollowDigest.user_id).distinct()))
    gone = deleted_user_ids(session, holders)
    if not gone:
        return 0
    follow_ids = list(session.scalars(select(Follow.id).where(col(Follow.user_id).in_(gone))))
    if follow_ids:
        session.execute(delete(FollowDelivery).where(col(FollowDelivery.follow_id).in_(follow_ids)))
        session.execute(delete(Follow).where(col(Follow.id).in_(follow_ids)))
    session.execute(delete(FollowDigest).where(col(FollowDigest.user_id).in_(gone)))
    return len(follow_ids)


def following(session: Session, *, user_id: int) -> list[Follow]:
    stmt = select(Follow).where(Follow.user_id == user_id).order_by(col(Follow.created_at))
    return list(session.scalars(stmt))


# --- unsubscribing from a mail -------------------------------------------------------------------

GONE = "Ce lien de désabonnement n'est plus valable : l'abonnement est déjà supprimé."


@dataclass(frozen=True)
class Subscription:
    """What an unsubscribe link ends: one follow (a mail about one item) or the follows a daily
    digest gathered."""

    names: list[TargetName]
    follow_ids: list[int]
    user_id: int
    digest_id: int | None = None


def by_token(session: Session, token: str) -> Subscription:
    """The subscription an unsubscribe link names; a used, stale or forged token is not found."""
    if not token or len(token) > 64:
        raise NotFound(_(GONE))
    row = session.scalar(select(Follow).where(Follow.unsubscribe_token == token))
    if row is not None and row.id is not None:
        return Subscription(
            [name_of(session, row.target_type, row.target_key)], [row.id], row.user_id
        )
    digest = session.scalar(select(FollowDigest).where(FollowDigest.token == token))
    if digest is None:
        raise NotFound(_(GONE))
    follows = list(
        session.scalars(
            select(Follow)
            .where(col(Follow.id).in_(digest.follow_ids), Follow.user_id == digest.user_id)
            .order_by(col(Follow.id))
        )
    )
    if not follows:
        raise NotFound(_(GONE))
    names = names_of(session, [(f.target_type, f.target_key) for f in follows])
    return Subscription(
        [names[(f.target_type, f.target_key)] for f in follows],
        [f.id for f in follows if f.id is not None],
        digest.user_id,
        digest.id,
    )


def unsubscribe(session: Session, *, token: str) -> Subscription:
    """The one-click unsubscribe of a mail: the token is the only credential needed. A second
    use finds nothing (the follows are gone) and changes nothing."""
    found = by_token(session, token)
    follows = list(session.scalars(select(Follow).where(col(Follow.id).in_(found.follow_ids))))
    deleted = session.execute(delete(Follow).where(col(Follow.id).in_(found.follow_ids)))
    if found.digest_id is not None:
        session.execute(delete(FollowDigest).where(col(FollowDigest.id) == found.digest_id))
    if not deleted.rowcount:  # type: ignore[attr-defined]
        raise NotFound(_(GONE))  # the same link posted twice at once: the other one did it
    for row in follows:
        audit.record(
            session, actor_id=row.user_id, action="consultation.unsubscribe",
            object_type=row.target_type, object_id=row.target_key,
        )  # fmt: skip
    return found


# --- mails about one target ----------------------------------------------------------------------


def footer(name: TargetName, unsubscribe_token: str) -> str:
    return "\n\n".join(
        [
            "-- ",
            _(
                "Vous recevez ce message parce que vous suivez %(what)s sur le portail. "
                "Pour ne plus le recevoir, en un clic : %(url)s",
                what=name.words,
                url=link(urls.unsubscribe(unsubscribe_token)),
            ),
            _("Vos abonnements et leur rythme : %(url)s", url=link(MY_FOLLOWS)),
        ]
    )


def unsubscribe_headers(token: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{link(urls.unsubscribe(token))}>", **ONE_CLICK}


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
    """Queue one mail per follower of the target, whatever pace they chose for comments (an
    answer, a change of the text, a publication are rare and awaited); returns how many."""

    follows = list(
        session.scalars(
            select(Follow)
            .where(Follow.target_type == target_type, Follow.target_key == target_key)
            .order_by(col(Follow.id))
        )
    )
    if not follows:
        return 0
    name = name_of(session, target_type, target_key)
    sent = 0
    for row in follows:
        if row.user_id == exclude_user_id:
            continue
        address = email_of(session, row.user_id)
        if address is None:
            continue
        text = "\n\n".join(
            [body, _("À lire : %(url)s", url=link(path)), footer(name, row.unsubscribe_token)]
        )
        queue_mail(
            session,
            to=address,
            subject=subject[:300],
            body=text,
            headers=unsubscribe_headers(row.unsubscribe_token),
        )
        sent += 1
    return sent
