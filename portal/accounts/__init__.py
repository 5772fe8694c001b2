"""Accounts: users, roles, sessions, sign-up, sign-in, password reset, the admin's user list.

Other packages keep a `user_id` and ask `accounts.services` for names and roles; nothing else
touches these tables.
"""

from __future__ import annotations

from pathlib import Path

from portal.manifest import Module


def manifest() -> Module:
    # The parts are imported when the composition root asks for the manifest, not when any
    # module of the package is imported: a service used elsewhere must not load every route.
    from portal.accounts import jobs, models, permissions, routes

    return Module(
        name="accounts",
        routes=routes.routes,
        models=(models,),
        jobs=jobs.JOBS,
        templates=Path(__file__).parent / "templates",
        template_globals={"role_label": permissions.role_label},
    )
