"""The feature modules, in order; app.py, the CLI, the scheduler and the demo walk this list."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

MODULES = ("accounts", "consultation", "registry", "council")
PORTAL_DIR = Path(__file__).resolve().parent


def submodules(name: str) -> list[ModuleType]:
    """Each module's `<name>.py` and `<part>_<name>.py` (routes, api, jobs, cli, demo, models).

    A large module can split a role across files (consultation's `synthesis_routes.py` beside
    `routes.py`) without a central list to edit.
    """
    found = []
    for module in MODULES:
        folder = PORTAL_DIR / module
        files = sorted(folder.glob(f"*_{name}.py"))
        if (folder / f"{name}.py").exists():
            files.insert(0, folder / f"{name}.py")
        for path in files:
            found.append(importlib.import_module(f"portal.{module}.{path.stem}"))
    return found
