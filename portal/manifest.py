"""What a domain package declares about itself: the `Module` manifest and the `Job` it may run.

Each package (`portal/accounts/`, `portal/consultation/`, …) declares one `MANIFEST` in its
`__init__.py`. The composition roots (`app.py`, `cli.py`, `demo.py`,
`migrations/env.py`) read the list in `portal/modules.py`; nothing is discovered by file name, so a
reader sees every route file, job, table module, command and demo loader of a package in one place.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from portal.settings import Settings


@dataclass(frozen=True)
class JobContext:
    """What a job gets: its own database session (committed when it returns), settings, now."""

    session: Session
    settings: Settings
    engine: Engine
    now: datetime


@dataclass(frozen=True)
class Job:
    """A periodic job; `portal.scheduler` runs each slot of `every` once, whatever the processes."""

    name: str
    every: timedelta
    run: Callable[[JobContext], str | None]
    description: str = ""


Progress = Callable[[str], None]


class DemoLoader(Protocol):
    """Loads a package's demo content; idempotent (`portal demo load` may run twice)."""

    def __call__(
        self, engine: Engine, settings: Settings, *, accounts: dict[str, int], progress: Progress
    ) -> None: ...


CliRegistrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


@dataclass(frozen=True)
class Module:
    """One domain package's parts, declared once, by module name (as Warehouse's `includeme` and
    Django's settings name them): declaring costs nothing, and each composition root imports only
    what it uses (`portal --help` loads no route, `portal worker` no template).

    What each named module must expose:
    - `routes`: a `routes` list of Starlette routes (HTML and API alike, matched in this order),
      and optionally `OPENAPI_PATHS` / `OPENAPI_SCHEMAS` for /api/openapi.json;
    - `models`: table classes (importing the module puts them on the metadata);
    - `jobs`: a `JOBS` list of `Job`;
    - `cli`: `register(subparsers)`, adding the package's `portal` sub-commands;
    - `demo`: `load_demo(engine, settings, *, accounts, progress)`, idempotent;
    - `desk`: `desk_links(session, user) -> list[portal.web.desk.DeskLink]`, the person's tools
      of this package on "Mon espace", with what waits there;
    - `home`: `home_news(session) -> portal.web.home.HomeNews`, what is open, new or waiting in
      this package, for the home page (public data only: the page is shared by every visitor),
      and `home_version(session)`, a value read cheaply (a generation counter, the index's state)
      that changes whenever `home_news` would: the home page is rendered once per process for
      each kind of visitor, language and day until one package's version changes (a package
      without it makes the page rendered on every view);
    - `sitesearch`: `search(session, query, *, limit) -> portal.web.search.SearchGroup`, this
      package's matches for the header's search box, found by the package's own search;
    - `template_globals`: a `TEMPLATE_GLOBALS` mapping of pure helpers and constants (labels,
      choices) for the templates; never a database query;
    - `erase`: `erase_account(session, user_id)`, run in the deletion's transaction when an
      account is deleted: deletes at once what the package keeps of that person for that person
      alone (private drafts, what waits on their "Mon espace"), since the account's row stays
      (public contributions keep a neutral name) and no foreign-key cascade fires.
    """

    name: str
    routes: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    jobs: tuple[str, ...] = ()
    cli: str | None = None
    demo: tuple[str, ...] = ()
    # The package's Jinja folder: templates are named `<package>/<page>.html` inside it.
    templates: Path | None = None
    template_globals: str | None = None
    desk: str | None = None
    home: str | None = None
    sitesearch: str | None = None
    erase: str | None = None


class Eraser(Protocol):
    """A package's `erase_account`: what it keeps of a deleted account's person, deleted."""

    def __call__(self, session: Session, user_id: int) -> None: ...


def erase_account(session: Session, user_id: int, modules: Iterable[Module]) -> None:
    """Run every package's `erase` provider for a deleted account (in the caller's session)."""
    for module in modules:
        if module.erase:
            eraser: Eraser = importlib.import_module(module.erase).erase_account
            eraser(session, user_id)
