""" "Mon espace": each signed-in person's tools, by role, with what awaits there.

The web layer defines what a desk link is and shows the page; each package says which of its desks
a person may use and how many items wait there (a `desk_links(session, user)` function named in its
manifest; app.py hands them to the app). Staff are never left to guess the address of their desk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from portal.web.auth import CurrentUser
from portal.web.permissions import SIGNED_IN
from portal.web.routing import route
from portal.web.templating import render


@dataclass(frozen=True)
class DeskLink:
    """One tool: its name (in the visitor's language), its page, what waits there (None: nothing
    to count), and a line saying what it is for."""

    group: str
    label: str
    url: str
    count: int | None = None
    hint: str = ""


DeskProvider = Callable[[Session, CurrentUser], Sequence[DeskLink]]


@dataclass
class DeskPage:
    groups: list[tuple[str, list[DeskLink]]]
    waiting: int  # items counted across every desk


def desk_page(request: Request) -> DeskPage:
    links: list[DeskLink] = []
    for provider in request.app.state.desk_providers:
        links.extend(provider(request.state.db, request.state.user))
    groups: dict[str, list[DeskLink]] = {}
    for link in links:
        groups.setdefault(link.group, []).append(link)
    return DeskPage(groups=list(groups.items()), waiting=sum(link.count or 0 for link in links))


def my_desk(request: Request) -> Response:
    return render(request, "desk.html", desk_page(request))


routes = [route("/espace", my_desk, permission=SIGNED_IN, name="my_desk")]
