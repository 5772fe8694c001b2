"""Fixtures of the consultation tests: the demo charter in the states the tests start from.

Each returns the accounts' ids ("elu": the official, "agent": the agent); the builders are in
tests/factories.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from portal.settings import Settings
from tests.factories import Accounts, MakeUser, consultation, drafting_charter, open_charter


@pytest.fixture
def drafting(engine: Engine, settings: Settings, make_user: MakeUser) -> Accounts:
    """The demo charter: version 1 published, draft version 2 not yet open for comments."""
    return drafting_charter(engine, settings, make_user)


@pytest.fixture
def charter(engine: Engine, settings: Settings, make_user: MakeUser) -> Accounts:
    """The demo charter with the consultation on draft version 2 opened by hand."""
    return open_charter(engine, settings, make_user)


@pytest.fixture
def accounts(engine: Engine, settings: Settings, make_user: MakeUser) -> Accounts:
    """Version 1 published, draft version 2 open for comments on the demo's schedule."""
    return consultation(engine, settings, make_user)
