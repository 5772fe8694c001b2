"""The baseline: a bare Starlette endpoint, served the same way as the portal."""

from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route


async def hello(request):  # type: ignore[no-untyped-def]
    return HTMLResponse("<!doctype html><title>ok</title><p>ok</p>")


def create() -> Starlette:
    return Starlette(routes=[Route("/", hello)])
