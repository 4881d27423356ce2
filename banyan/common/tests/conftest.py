from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    """These tests read the English source messages; the UI default is Chinese."""
    with translation.override("en"):
        yield
