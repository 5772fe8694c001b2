"""The feature modules, in order; app.py, the CLI, the scheduler and the demo walk this list."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

MODULES = ("accounts", "consultation", "registry", "council")


def submodules(name: str) -> list[ModuleType]:
    """Each module's `portal.<module>.<name>` that exists (routes, api, jobs, cli, demo)."""
    found = []
    for module in MODULES:
        dotted = f"portal.{module}.{name}"
        if importlib.util.find_spec(dotted) is not None:
            found.append(importlib.import_module(dotted))
    return found
