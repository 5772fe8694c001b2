"""One way for a handler to try a service call and, on a domain error, show the form again.

    result = attempt(request, lambda: services.add_comment(db, ...))
    if isinstance(result, DomainError):
        return render(..., {"error": result.message, "values": typed}, status_code=result.status_code)

The call runs in a savepoint: on a domain error nothing it wrote is kept, the request's session
stays usable to build the page again, and what the person typed is shown back with the message.
A `NotFound` is raised rather than returned: there is no form to show for what does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.requests import Request

from portal.errors import DomainError, NotFound

T = TypeVar("T")


def attempt(request: Request, action: Callable[[], T]) -> T | DomainError:
    try:
        with request.state.db.begin_nested():
            return action()
    except NotFound:
        raise
    except DomainError as exc:
        return exc
