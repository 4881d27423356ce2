"""System checks for what a deployment sets by hand: refuse to start with a bad one."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError


@checks.register(checks.Tags.security)
def check_trusted_proxies(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .clientip import trusted_proxies

    try:
        trusted_proxies()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="banyan.E001")]
    return []


# Not tagged `database`: runserver skips those, and it must not start with a wrong key.
@checks.register(checks.Tags.security)
def check_data_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .datakey import KeyState, key_state

    try:
        verdict = key_state()
    except DatabaseError:
        return []  # no database to compare with yet; the WSGI start-up check runs again
    if verdict.state is KeyState.MISMATCH:
        return [checks.Error(verdict.message, id="banyan.E002")]
    if verdict.state is KeyState.ROTATING:
        return [checks.Warning(verdict.message, id="banyan.W001")]
    return []
