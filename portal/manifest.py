"""What a domain package declares about itself: the `Module` manifest and the `Job` it may run.

Each package (`portal/accounts/`, `portal/consultation/`, …) has a `manifest()` function in its
`__init__.py` that returns one `Module`. The composition roots (`app.py`, `cli.py`, `demo.py`,
`migrations/env.py`) read the list in `portal/modules.py`; nothing is discovered by file name, so a
reader sees every route file, job, table module, command and demo loader of a package in one place.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session
    from starlette.routing import BaseRoute

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
    """One domain package's parts, declared once (Warehouse's `includeme`, as a value)."""

    name: str
    # Route lists, HTML and API alike, in the order they are matched.
    routes: Sequence[BaseRoute] = ()
    # Modules whose import puts the package's tables on the metadata (table names keep the prefix).
    models: Sequence[ModuleType] = ()
    jobs: Sequence[Job] = ()
    # Adds the package's sub-commands to `portal` (argparse sub-parsers).
    cli: CliRegistrar | None = None
    # Demo loaders, run in this order by `portal demo load`.
    demo: Sequence[DemoLoader] = ()
    # The package's Jinja folder: templates are named `<package>/<page>.html` inside it.
    templates: Path | None = None
    # Pure helpers and constants for its templates (labels, choices): never a database query.
    template_globals: Mapping[str, Any] = field(default_factory=dict)
    # The package's part of /api/openapi.json.
    openapi_paths: Mapping[str, Any] = field(default_factory=dict)
    openapi_schemas: Mapping[str, Any] = field(default_factory=dict)
