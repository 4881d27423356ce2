"""Fixtures every app's tests can use; the root conftest re-exports `world`."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from .factories import make_world


@pytest.fixture
def world(db: None) -> SimpleNamespace:
    """The shared tree and users: see banyan.accounts.tests.factories."""
    return make_world()
