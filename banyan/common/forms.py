"""The edge where domain errors become form errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms

from .errors import DomainError

T = TypeVar("T")


def run_service(form: forms.Form, call: Callable[[], T]) -> T | None:
    """Call a service; on a DomainError attach its message to the named field (or the form)
    and return None. The service's transaction has rolled back, so nothing is half-written."""
    try:
        return call()
    except DomainError as err:
        field = err.field if err.field in form.fields else None
        form.add_error(field, str(err.message))
        return None


def client_ip(request) -> str | None:
    """The client address as the app server sees it (a proxy sets REMOTE_ADDR via its config)."""
    return request.META.get("REMOTE_ADDR") or None
