"""The edge where domain errors become form errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from .errors import DomainError
from .params import parse_id

T = TypeVar("T")


class ModelIdsField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField whose values must be ids before they reach a query: SQLite
    cannot bind 99999999999999999999 at all (a 500), and nothing else is an id either."""

    def clean(self, value):
        for pk in value or ():
            if parse_id(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:20]},
                )
        return super().clean(value)


def run_service(form: forms.Form, call: Callable[[], T]) -> T | None:
    """Call a service; on a DomainError attach its message to the named field (or the form)
    and return None. The service's transaction has rolled back, so nothing is half-written."""
    try:
        return call()
    except DomainError as err:
        field = err.field if err.field in form.fields else None
        form.add_error(field, str(err.message))
        return None


def run_and_report(request: HttpRequest, call: Callable[[], T]) -> tuple[bool, T | None]:
    """Call a service behind a one-button POST (no form to hold the error): a DomainError
    becomes an error message on the next page and (False, None) is returned. The service's
    transaction has rolled back, so nothing is half-written."""
    try:
        return True, call()
    except DomainError as err:
        messages.error(request, str(err.message))
        return False, None


def client_ip(request) -> str | None:
    """The client address as the app server sees it (a proxy sets REMOTE_ADDR via its config)."""
    return request.META.get("REMOTE_ADDR") or None
