"""The register's help texts come from its schema: each one is marked for translation, so the
English interface can show it."""

from __future__ import annotations

import json
from typing import Any

from portal.registry.loader import SCHEMA_PATH
from portal.registry.schema_help import DESCRIPTIONS


def _descriptions(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("description"), str):
            found.add(node["description"])
        for value in node.values():
            found |= _descriptions(value)
    elif isinstance(node, list):
        for value in node:
            found |= _descriptions(value)
    return found


def test_every_help_text_of_the_schema_is_marked_for_translation() -> None:
    """schema.json's descriptions and schema_help.DESCRIPTIONS are the same texts."""
    in_schema = _descriptions(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    assert in_schema - set(DESCRIPTIONS) == set(), "add these to portal/registry/schema_help.py"
    assert set(DESCRIPTIONS) - in_schema == set(), "no longer in the schema: remove them"
