"""create_app(settings) -> Starlette: middleware, every module's routes, lifespan."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from portal import modules
from portal.accounts.authentication import SessionCookieAuthenticator
from portal.accounts.models import User
from portal.council.nlp import load_pipeline
from portal.council.postings import warm as warm_council_postings
from portal.council.vocabulary import warm as warm_council_vocabulary
from portal.db import check_migrated, make_engine, session_scope
from portal.scheduler import start_background
from portal.settings import Settings, SettingsError, load_settings
from portal.web import desk, home, legal, openapi, opendata, search, templating
from portal.web.cache import PageCache
from portal.web.errors import EXCEPTION_HANDLERS
from portal.web.middleware import PortalApp
from portal.web.router import IndexedRouter

STATIC_DIR = Path(__file__).resolve().parent / "web" / "static"
DEMO_EMAIL_DOMAIN = "demo.suresnes.invalid"

log = logging.getLogger("portal")


def collect_routes() -> list[BaseRoute]:
    return [
        *home.routes, *legal.routes, *search.routes, *desk.routes, *openapi.routes,
        *opendata.routes,
        *modules.routes(),
    ]  # fmt: skip


def refuse_demo_accounts(engine: Engine, settings: Settings) -> None:
    """Demo accounts have known passwords: outside demo mode their presence stops the start."""
    if settings.demo:
        return

    with session_scope(engine, write=False) as session:
        found = session.scalar(select(User.id).where(User.email.like(f"%@{DEMO_EMAIL_DOMAIN}")))  # type: ignore[attr-defined]
    if found:
        raise SettingsError(
            "This database holds demo accounts (known passwords) and PORTAL_DEMO is off: "
            "use a fresh database for production, or set PORTAL_DEMO=1 for a demonstration."
        )


def create_app(
    settings: Settings | None = None, *, engine: Engine | None = None, serving: bool = False
) -> Starlette:
    """The portal's ASGI app. `serving`: the app of a server process (app_from_env), which
    freezes what its start loaded (below); a test's app leaves the collector alone."""
    settings = settings or load_settings()
    modules.register_tables()
    templating.configure(modules.template_dirs(), modules.template_globals())
    engine = engine or make_engine(settings.database_url)
    check_migrated(engine)
    refuse_demo_accounts(engine, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        scheduler = None
        # Searches of the minutes read each query with spaCy: load it before the first visitor
        # comes (2 to 8 s), not in their request.
        await anyio.to_thread.run_sync(load_pipeline)
        # …and the minutes' vocabulary for spelling suggestions (about 1.5 s on a ten-year archive).
        await anyio.to_thread.run_sync(warm_council_vocabulary, engine)
        # …and the search's postings (0.7 s on that archive; portal/council/postings.py).
        await anyio.to_thread.run_sync(warm_council_postings, engine)
        if serving:
            # What the start loaded (spaCy's model, the minutes' vocabulary and postings: some
            # 700,000 objects on the ten-year archive) lives as long as the process: frozen, the
            # garbage collector's full collections no longer go through it. Unfrozen, the first
            # one while serving took 150-190 ms, in visitors' requests (the p99 of the archive's
            # first run under load, issue 18).
            gc.collect()
            gc.freeze()
        if settings.run_scheduler:
            scheduler = start_background(engine, settings, modules.all_jobs())
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            engine.dispose()

    routes = collect_routes()
    routes.append(
        Mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    )
    # One ASGI layer of ours (portal/web/middleware.py): proxy, https redirect, language,
    # anonymous id, allowed hosts, body limit, error pages and security headers.
    app = PortalApp(
        settings=settings,
        debug=False,
        routes=routes,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    # The same routes, looked up by their first path segment (portal/web/router.py).
    app.router = IndexedRouter(routes, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.page_cache = PageCache()
    app.state.authenticator = SessionCookieAuthenticator()
    app.state.desk_providers = modules.desk_providers()
    app.state.home_providers = modules.home_providers()
    app.state.home_versions = modules.home_versions()
    app.state.search_providers = modules.search_providers()
    app.state.openapi_parts = modules.openapi_parts()
    return app


def app_from_env() -> Starlette:
    """Factory for `uvicorn --factory portal.app:app_from_env` (each worker reads the environment)."""
    return create_app(load_settings(), serving=True)
