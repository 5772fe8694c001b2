"""The consultation's door for other packages: what they may use, and nothing more.

The register shows which published clauses a system is committed to and word diffs of its own
drafts; it reaches the consultation only through these names.
"""

from __future__ import annotations

from portal.consultation.charter.diff import render_text_diff
from portal.consultation.charter.services import published_clauses

__all__ = ["published_clauses", "render_text_diff"]
