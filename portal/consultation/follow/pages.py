"""Pages of the follow part: the unsubscribe confirmation."""

from __future__ import annotations

from dataclasses import dataclass

from portal.consultation.follow.services import Subscription, TargetName


@dataclass
class UnsubscribePage:
    names: list[TargetName]  # what the link's mails are about, in words
    token: str
    done: bool
    digest: bool  # the link of a daily digest: it ends every follow the digest gathered


def unsubscribe_page(found: Subscription, *, token: str, done: bool) -> UnsubscribePage:
    return UnsubscribePage(found.names, token, done, found.digest_id is not None)
