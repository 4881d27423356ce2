"""Fixtures every app's tests share: `world` is the alice / bob / charlie tree
(banyan.accounts.tests.factories)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from banyan.accounts.tests.factories import make_world


@pytest.fixture
def world(db: None) -> SimpleNamespace:
    return make_world()
