"""The council's addresses, in one place: code builds links with these, never by hand."""

from __future__ import annotations

from datetime import date


def meeting(day: date, *, anchor: int | None = None) -> str:
    """A meeting's minutes; `anchor` is a paragraph's permanent number (#p12)."""
    return f"/council/m/{day.isoformat()}" + (f"#p{anchor}" if anchor is not None else "")


def meeting_source(day: date) -> str:
    return f"/council/m/{day.isoformat()}/source"


def upload(upload_id: int) -> str:
    """The status of an uploaded minutes file (queued, parsing, done, refused)."""
    return f"/council/uploads/{upload_id}"
