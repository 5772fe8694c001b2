"""Routes of the registry module."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal.web.permissions import PUBLIC
from portal.web.routing import route
from portal.web.templating import render


def index(request: Request) -> Response:
    return render(request, "registry/index.html", {})


routes = [
    route("/registry", index, permission=PUBLIC, name="registry_index"),
]
