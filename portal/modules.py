"""The one list of domain packages, in order, and what the composition roots read from it.

`app.py`, `cli.py`, `demo.py` and `migrations/env.py` call these functions; the lower layers
(`web/`, `scheduler.py`, `db.py`) are given what they need and never import this list.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import portal.core_models  # noqa: F401 - the import puts the shared tables on the metadata
from portal import accounts, consultation, council, registry
from portal.manifest import Job, Module

PACKAGES = (accounts, consultation, registry, council)


@lru_cache(maxsize=1)
def modules() -> tuple[Module, ...]:
    """Every package's manifest, in the order of PACKAGES (routes are matched in that order)."""
    return tuple(package.manifest() for package in PACKAGES)


def register_tables() -> None:
    """Put every package's tables on the metadata (core ones too): foreign keys between packages
    (core_audit -> accounts_user) resolve only when all are there, whatever a command imported."""
    modules()  # each manifest imports the modules that hold its tables, which registers them


def all_jobs() -> list[Job]:
    return [job for module in modules() for job in module.jobs]


def template_dirs() -> list[Path]:
    return [m.templates for m in modules() if m.templates is not None]


def template_globals() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for module in modules():
        clash = found.keys() & module.template_globals.keys()
        if clash:
            raise RuntimeError(f"template globals declared twice: {sorted(clash)}")
        found.update(module.template_globals)
    return found


def openapi_parts() -> tuple[dict[str, Any], dict[str, Any]]:
    """(paths, schemas) that the packages add to /api/openapi.json."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for module in modules():
        paths.update(module.openapi_paths)
        schemas.update(module.openapi_schemas)
    return paths, schemas
