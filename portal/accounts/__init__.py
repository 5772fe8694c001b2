"""Accounts: users, roles, sessions, sign-up, sign-in, password reset, the admin's user list.

Other packages keep a `user_id` and ask `accounts.services` for names and roles; nothing else
touches these tables. `authentication.py` implements the web layer's `Authenticator`.
"""

from pathlib import Path

from portal.manifest import Module

MANIFEST = Module(
    name="accounts",
    routes=("portal.accounts.routes", "portal.accounts.oidc.routes"),
    models=("portal.accounts.models", "portal.accounts.oidc.models"),
    jobs=("portal.accounts.jobs",),
    desk="portal.accounts.desk",
    templates=Path(__file__).parent / "templates",
    template_globals="portal.accounts.permissions",
)
