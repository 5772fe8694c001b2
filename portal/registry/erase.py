"""What the register keeps of a person whose account is deleted, deleted at once.

The account's row stays (its public contributions, questions and published changes, keep the
neutral name), so the foreign keys' cascades never fire. Deleted here: the person's incomplete
drafts (what they typed and kept, seen by no one else). Cleared: the ownership of entries, so
that questions no longer wait on a desk no one opens and the entry names no deleted referent
(officials answer them, and mail goes to the service's mailbox). Kept: drafts sent for review
(the city's work), questions and answers, reports to the moderators, monthly figures.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import Session

from portal import audit
from portal.registry.models import IncompleteDraft, System


def erase_account(session: Session, user_id: int) -> None:
    drafts = session.execute(delete(IncompleteDraft).where(IncompleteDraft.author_id == user_id))
    owned = session.execute(update(System).where(System.owner_id == user_id).values(owner_id=None))
    audit.record(
        session, actor_id=None, action="registry.erase_account", object_type="user",
        object_id=user_id,
        detail={"incomplete_drafts": drafts.rowcount, "entries_owned": owned.rowcount},  # type: ignore[attr-defined]
    )  # fmt: skip
