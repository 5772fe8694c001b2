"""How the web layer learns who is asking: the `Authenticator` interface and `CurrentUser`.

The web layer defines the interface; `portal.accounts` implements it; `app.py` puts the
implementation on `app.state.authenticator` (as Starlette's `AuthenticationBackend` is wired).
So `web/` never imports a domain package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session
    from starlette.requests import Request

    from portal.settings import Settings


@dataclass(frozen=True)
class CurrentUser:
    """A plain snapshot of the signed-in user: safe to use after the database session closed."""

    id: int
    display_name: str
    email: str
    roles: frozenset[str]
    session_id: int
    session_hash: str

    def has_role(self, *roles: str) -> bool:
        return "admin" in self.roles or bool(self.roles & set(roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & {"agent", "official", "moderator", "admin"})


class Authenticator(Protocol):
    def user_for(
        self, session: Session, request: Request, settings: Settings
    ) -> tuple[CurrentUser | None, int | None]:
        """The signed-in user, if any, and the id of a session whose idle time needs a touch."""
        ...

    def touch(self, engine: Engine, session_id: int) -> None:
        """Record that the session was used (its own short write, after the response's work)."""
        ...
