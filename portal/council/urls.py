"""The council's addresses, in one place: code builds links with these, never by hand."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode


def meeting(day: date, *, anchor: int | None = None) -> str:
    """A meeting's minutes; with `anchor` (a paragraph's permanent number), the permanent link
    to that paragraph, which leads to the page of the minutes where it is (`passage`)."""
    if anchor is not None:
        return passage(day, anchor)
    return f"/council/m/{day.isoformat()}"


def passage(day: date, anchor: int) -> str:
    """The permanent link to a paragraph: it redirects to its page and anchor, wherever a
    corrected version of the minutes has moved it."""
    return f"/council/m/{day.isoformat()}/p/{anchor}"


def meeting_page(day: date, page: int = 1, *, anchor: int | None = None) -> str:
    """A page of a meeting's minutes (the first without `?page`), at a paragraph (#p12)."""
    return (
        f"/council/m/{day.isoformat()}"
        + (f"?page={page}" if page > 1 else "")
        + (f"#p{anchor}" if anchor is not None else "")
    )


def meeting_source(day: date) -> str:
    return f"/council/m/{day.isoformat()}/source"


def upload(upload_id: int) -> str:
    """The status of an uploaded minutes file (queued, parsing, done, refused)."""
    return f"/council/uploads/{upload_id}"


def api_meeting(day: date, page: int = 1) -> str:
    """A meeting in the API, one page of its passages."""
    return f"/api/council/meetings/{day.isoformat()}" + (f"?page={page}" if page > 1 else "")


def forwarded_questions() -> str:
    """The public list of residents' questions and the office's answers."""
    return "/council/questions"


def forwarded_question(question_id: int) -> str:
    """An answered question's own page: the permanent link mailed to the asker (the public list
    moves on as answers are published)."""
    return f"/council/questions/{question_id}"


def questions_desk() -> str:
    """The clerk's office's queue of forwarded questions."""
    return "/council/questions/desk"


def answer_question(question_id: int) -> str:
    return f"/council/questions/{question_id}/answer"


def alerts() -> str:
    """A signed-in resident's followed searches (from "Mon espace")."""
    return "/council/alerts"


def alert_remove(saved_id: int) -> str:
    return f"/council/alerts/{saved_id}/delete"


def alert_unsubscribe(token: str) -> str:
    """The unsubscribe link of an alert mail: works signed out (the token is the credential)."""
    return f"/council/alerts/unsubscribe/{token}"


def deliberations_csv() -> str:
    """The deliberations in the national SCDL format (open data)."""
    return "/council/deliberations.csv"


def search(query: str, params: dict[str, str] | None = None) -> str:
    """The search page for a query and its filters (French parameter names)."""
    return "/council/search?" + urlencode({"q": query, **(params or {})})
