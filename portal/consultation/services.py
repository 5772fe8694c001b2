"""The consultation's door for other packages: what they may use, and nothing more.

The register shows which published clauses a system is committed to and word diffs of its own
drafts; it reaches the consultation only through these names. Whoever takes text from people
(register questions, council questions) calls `ensure_can_write` first: a moderation block
stops every kind of user text.
"""

from __future__ import annotations

from portal.consultation.charter.diff import render_text_diff
from portal.consultation.charter.services import published_clauses
from portal.consultation.moderation.services import ensure_can_write, is_blocked
from portal.consultation.participation.models import current_generation

# `current_generation`: the counter raised by every transaction that writes a table the shared
# pages show (the consultation's, the register's, people's names and roles); the register's list
# is a shared page kept until it moves.
__all__ = [
    "current_generation", "ensure_can_write", "is_blocked", "published_clauses",
    "render_text_diff",
]  # fmt: skip
