"""The consultation's addresses, in one place: code builds links with these, never by hand."""

from __future__ import annotations


def charter(*, article: int | None = None) -> str:
    """The reading view of the version under consultation (or the one in force)."""
    return "/charter" + (f"#article-{article}" if article is not None else "")


def synthesis(*, version: int | None = None) -> str:
    return "/consultation/synthesis" + (f"?version={version}" if version is not None else "")


def clause(number: int, *, comment: int | None = None) -> str:
    return f"/charter/clauses/{number}" + (f"#comment-{comment}" if comment is not None else "")


def version(number: int, *, article: int | None = None) -> str:
    return f"/charter/v/{number}" + (f"#article-{article}" if article is not None else "")


def proposal(proposal_id: int | None, *, comment: int | None = None) -> str:
    return f"/charter/proposals/{proposal_id}" + (
        f"#comment-{comment}" if comment is not None else ""
    )


def answer(proposal_id: int) -> str:
    return f"/charter/proposals/{proposal_id}/answer#answers"


def unsubscribe(token: str) -> str:
    return f"/follow/unsubscribe/{token}"


def synthesis_theme(theme_id: int) -> str:
    return f"/consultation/synthesis/theme/{theme_id}"


def publish(number: int) -> str:
    """The confirmation page before a draft is published (and where its form posts)."""
    return f"/charter/v/{number}/publish"


def cycles() -> str:
    return "/charter/cycles"


def cycle(number: int, *, anchor: str | None = None) -> str:
    """The consultation that produced version `number`: dates, figures, proposals, discussions."""
    return f"/charter/cycles/{number}" + (f"#{anchor}" if anchor else "")


def version_discussion(number: int, article: int) -> str:
    """What residents said about article `article` during the consultation on version `number`
    (read-only once the consultation is over)."""
    return f"/charter/v/{number}/clauses/{article}"


def review_desk() -> str:
    return "/charter/review"


def moderation_queue() -> str:
    return "/moderation"


def moderation_person(user_id: int) -> str:
    """A moderator's page about one person: what they wrote, reports, their block."""
    return f"/moderation/users/{user_id}"
