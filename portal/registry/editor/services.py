"""An agent's incomplete drafts: what was typed in the entry editor, kept without being sent.

Kept exactly as typed (input name -> text), so that reopening shows every value and the same
errors beside their fields. Sending for review goes through `registry.services.draft`, which
still requires a valid entry; publishing still requires a human channel with hours. Nothing
public reads these rows: they are never an entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import Session

from portal import audit
from portal.clock import utcnow
from portal.errors import NotFound, ValidationFailed
from portal.registry.editor.merge import Rebased, rebase
from portal.registry.models import Change, IncompleteDraft, Revision, System
from portal.web.i18n import gettext as _

# The editor's inputs: dotted paths with list indices (`costs.0.year`).
INPUT_NAME = re.compile(r"^[a-z_]{1,60}(\.[a-z0-9_]{1,60}){0,6}$")
MAX_INPUTS = 1000
# An input longer than the editor accepts is kept as typed (the form shows it with its error),
# up to this bound, which only a script reaches.
MAX_KEPT_TEXT = 100_000
MAX_SUMMARY = 500


@dataclass(frozen=True)
class KeptDraft:
    """One line of an agent's list: the draft, the entry it changes (None for a new one), and
    the name to show (what was typed, or the entry's)."""

    draft: IncompleteDraft
    system: System | None
    title: str

    @property
    def stale(self) -> bool:
        """Whether the entry was published again since the draft was started."""
        base = self.draft.base_revision
        return (
            self.system is not None and base is not None and base != self.system.published_revision
        )


def _kept_form(form: dict[str, str]) -> dict[str, str]:
    kept = {k: v for k, v in form.items() if INPUT_NAME.match(k) and v.strip()}
    if len(kept) > MAX_INPUTS:
        raise ValidationFailed(_("Trop de champs dans le formulaire : rechargez la page."))
    for name, value in kept.items():
        if len(value) > MAX_KEPT_TEXT:
            raise ValidationFailed(
                _("Texte trop long pour être gardé (%(n)s caractères au plus).", n=MAX_KEPT_TEXT),
                field=name,
            )
    return kept


def keep(
    session: Session,
    *,
    author_id: int,
    form: dict[str, str],
    summary: str,
    system_id: int | None,
    draft_id: int | None = None,
    base_revision: int | None = None,
) -> IncompleteDraft:
    """Store what was typed (a new incomplete draft, or `draft_id` updated), valid or not. A new
    draft of a published entry records `base_revision`, the version the editor showed; a draft
    kept again keeps the version it was started from."""
    kept = _kept_form(form)
    summary = summary.strip()[:MAX_SUMMARY]
    if draft_id is None:
        draft = IncompleteDraft(author_id=author_id, system_id=system_id, form=kept,
                                summary=summary,
                                base_revision=base_revision if system_id is not None else None)  # fmt: skip
        session.add(draft)
    else:
        draft = get(session, draft_id=draft_id, author_id=author_id)
        draft.form = kept
        draft.summary = summary
        draft.updated_at = utcnow()
    session.flush()
    audit.record(
        session, actor_id=author_id, action="registry.keep_draft",
        object_type="registry_incomplete_draft", object_id=draft.id,
        detail={"system_id": system_id, "inputs": len(kept)},
    )  # fmt: skip
    return draft


def get(session: Session, *, draft_id: int, author_id: int) -> IncompleteDraft:
    """The author's own incomplete draft; another person's is as unknown as a missing one."""
    draft = session.get(IncompleteDraft, draft_id)
    if draft is None or draft.author_id != author_id:
        raise NotFound(_("Brouillon introuvable."))
    return draft


def system_of(session: Session, draft: IncompleteDraft) -> System | None:
    return session.get(System, draft.system_id) if draft.system_id is not None else None


def of_author(session: Session, author_id: int) -> list[KeptDraft]:
    """The author's incomplete drafts, the most recently saved first (one query)."""
    stmt = (
        select(IncompleteDraft, System)
        .outerjoin(System, System.id == IncompleteDraft.system_id)
        .where(IncompleteDraft.author_id == author_id)
        .order_by(IncompleteDraft.updated_at.desc(), IncompleteDraft.id.desc())  # type: ignore[attr-defined]
    )
    found = []
    for draft, system in session.execute(stmt).all():
        typed = draft.form.get("name", "").strip()
        title = typed or (system.name if system is not None else _("Nouvelle fiche sans nom"))
        found.append(KeptDraft(draft, system, title))
    return found


def count_of_author(session: Session, author_id: int) -> int:
    stmt = select(func.count()).select_from(IncompleteDraft)
    return int(session.scalar(stmt.where(IncompleteDraft.author_id == author_id)) or 0)


def discard(session: Session, *, draft_id: int, author_id: int) -> None:
    """The author deletes an incomplete draft (nothing else refers to it)."""
    draft = get(session, draft_id=draft_id, author_id=author_id)
    session.execute(delete(IncompleteDraft).where(IncompleteDraft.id == draft.id))
    audit.record(
        session, actor_id=author_id, action="registry.discard_draft",
        object_type="registry_incomplete_draft", object_id=draft_id, detail={},
    )  # fmt: skip


def sent(session: Session, *, draft_id: int) -> None:
    """The incomplete draft became a valid draft sent for review: the kept copy goes."""
    session.execute(delete(IncompleteDraft).where(IncompleteDraft.id == draft_id))


def as_form(draft: IncompleteDraft) -> dict[str, Any]:
    return dict(draft.form)


def published_data(session: Session, system_id: int, number: int) -> dict[str, Any] | None:
    """The entry as publication `number` left it (None when the history does not say)."""
    stmt = (
        select(Revision.data)
        .join(Change, Change.revision_id == Revision.id)
        .where(Change.system_id == system_id, Change.number == number)
    )
    data = session.scalar(stmt)
    return dict(data) if data is not None else None


def rebased(
    session: Session, draft: IncompleteDraft, system: System | None, mine: dict[str, Any]
) -> tuple[Rebased, dict[str, str]] | None:
    """The draft's entry (`mine`, as parsed from its form) over the version online, when the
    entry was published again since the draft was started; None when it was not."""
    base = draft.base_revision
    if system is None or system.data is None or base is None or base == system.published_revision:
        return None
    return rebase(
        published_data(session, system.id or 0, base), system.data, mine,
        base_revision=base, online_revision=system.published_revision,
    )  # fmt: skip
