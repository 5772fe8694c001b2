"""The one list of domain packages, in order, and what the composition roots read from it.

`app.py`, `cli.py`, `demo.py` and `migrations/env.py` call these functions; the lower layers
(`web/`, `scheduler.py`, `db.py`) are given what they need and never import this list. Each
function imports only the parts it needs, so a command that registers sub-commands does not load
the web pages, and the worker does not load the templates.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from portal import accounts, consultation, council, registry
from portal.manifest import DemoLoader, Job, Module

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from portal.web.desk import DeskProvider
    from portal.web.home import HomeProvider, HomeVersion
    from portal.web.search import SearchProvider

MODULES: tuple[Module, ...] = (
    accounts.MANIFEST,
    consultation.MANIFEST,
    registry.MANIFEST,
    council.MANIFEST,
)


def _parts(names: tuple[str, ...]) -> Iterator[ModuleType]:
    for name in names:
        yield importlib.import_module(name)


def register_tables() -> None:
    """Put every package's tables on the metadata, the shared ones too: foreign keys between
    packages (core_audit -> accounts_user) resolve only when all are there."""
    importlib.import_module("portal.core_models")
    for module in MODULES:
        for _part in _parts(module.models):
            pass  # importing the module is what registers its tables


def routes() -> list[BaseRoute]:
    return [route for m in MODULES for part in _parts(m.routes) for route in part.routes]


def openapi_parts() -> tuple[dict[str, Any], dict[str, Any]]:
    """(paths, schemas) that the packages' route modules add to /api/openapi.json."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for module in MODULES:
        for part in _parts(module.routes):
            paths.update(getattr(part, "OPENAPI_PATHS", {}))
            schemas.update(getattr(part, "OPENAPI_SCHEMAS", {}))
    return paths, schemas


def all_jobs() -> list[Job]:
    return [job for m in MODULES for part in _parts(m.jobs) for job in part.JOBS]


def register_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for module in MODULES:
        if module.cli is not None:
            importlib.import_module(module.cli).register(subparsers)


def demo_loaders(only: list[str] | None = None) -> list[DemoLoader]:
    return [
        part.load_demo for m in MODULES if not only or m.name in only for part in _parts(m.demo)
    ]


def home_versions() -> list[HomeVersion] | None:
    """Each package's `home_version`, each function once (packages whose news depend on the same
    counter name the same function); None when a package with home news has none."""
    found: list[HomeVersion] = []
    for m in MODULES:
        if m.home is None:
            continue
        version = getattr(importlib.import_module(m.home), "home_version", None)
        if version is None:
            return None
        if all(version is not f for f in found):
            found.append(version)
    return found


def desk_providers() -> list[DeskProvider]:
    return [importlib.import_module(m.desk).desk_links for m in MODULES if m.desk is not None]


def home_providers() -> list[HomeProvider]:
    return [importlib.import_module(m.home).home_news for m in MODULES if m.home is not None]


def search_providers() -> list[SearchProvider]:
    return [
        importlib.import_module(m.sitesearch).search for m in MODULES if m.sitesearch is not None
    ]


def template_dirs() -> list[Path]:
    return [m.templates for m in MODULES if m.templates is not None]


def template_globals() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for module in MODULES:
        if module.template_globals is None:
            continue
        declared = importlib.import_module(module.template_globals).TEMPLATE_GLOBALS
        clash = found.keys() & declared.keys()
        if clash:
            raise RuntimeError(f"template globals declared twice: {sorted(clash)}")
        found.update(declared)
    return found
