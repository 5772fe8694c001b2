"""The accounts package's implementation of `portal.web.auth.Authenticator` (session cookies)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.requests import Request

from portal.accounts import services
from portal.settings import Settings
from portal.web.auth import CurrentUser


class SessionCookieAuthenticator:
    def user_for(
        self, session: Session, request: Request, settings: Settings
    ) -> tuple[CurrentUser | None, int | None]:
        return services.user_from_request(session, request, settings)

    def touch(self, engine: Engine, session_id: int) -> None:
        services.touch_session(engine, session_id)
