"""The edge where domain errors become form errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from . import clientip
from .errors import DomainError, StaleEdit
from .params import parse_id
from .versioning import Versioned

T = TypeVar("T")

VERSION_MAX = 2**31 - 1


class VersionedForm(forms.Form):
    """A form that edits a versioned row: it carries the version the page showed, so the
    service can refuse the edit when the row changed since (common.versioning)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX)


def version_field() -> forms.IntegerField:
    """The same hidden field, for forms built elsewhere (a case's action forms)."""
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=VERSION_MAX)


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


def run_service(
    form: forms.Form,
    call: Callable[[], T],
    *,
    current: Callable[[Any], dict[str, Any]] | None = None,
) -> T | None:
    """Call a service; on a DomainError attach its message to the named field (or the form)
    and return None. The service's transaction has rolled back, so nothing is half-written.

    A StaleEdit (someone changed the row since the page was shown) shows the form again,
    at the row's version now, with what changed meanwhile (show_stale); `current` gives
    the form's values for the row as it is now (the view's own initial values).
    """
    try:
        return call()
    except StaleEdit as err:
        show_stale(form, err, current(err.obj) if current is not None else {})
        return None
    except DomainError as err:
        field = err.field if err.field in form.fields else None
        form.add_error(field, str(err.message))
        return None


def _labels(choices: Any) -> dict[str, str]:
    """A field's choices as {value: label}, option groups flattened."""
    out: dict[str, str] = {}
    for key, label in choices or ():
        if isinstance(label, list | tuple):
            out.update(_labels(label))
        else:
            out[str(key)] = str(label)
    return out


def _shown(value: Any, choices: Any = None) -> str:
    if value is None or value == "" or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    key = str(value.pk) if isinstance(value, models.Model) else str(value)
    labels = _labels(choices)
    if key in labels:
        return labels[key]
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _as_data(value: Any) -> Any:
    """A value as a bound form's data holds it (None when a checkbox is unticked)."""
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def show_stale(form: forms.Form, err: StaleEdit, now: dict[str, Any]) -> None:
    """Turn `form` into the edit again at the version now: a message, a row per field
    changed meanwhile (the value the user entered and the value now), and the form's
    inputs for those fields set to the value now, so saving again keeps the other
    person's change unless the user re-enters their own. The rest of what the user
    entered stays. Masked fields (a phone, an ID number) are shown masked and never
    put into an input.

    When the history does not say what changed (StaleEdit.changed empty), every field
    whose entered value differs from the value now is shown, and the inputs keep what
    the user entered: the user decides field by field.
    """
    obj = err.obj
    masked = obj.VERSION_SHOWN if isinstance(obj, Versioned) else {}
    cleaned = getattr(form, "cleaned_data", {}) or {}
    data = QueryDict(mutable=True)
    for key in form.data:
        raw = form.data
        data.setlist(key, raw.getlist(key) if isinstance(raw, QueryDict) else [raw[key]])
    data["version"] = str(err.current)
    known = bool(err.changed)
    if known:
        fields = list(err.changed)
    else:
        fields = [
            f
            for f in form.fields
            if f != "version"
            and f in now
            and f not in masked
            and form.fields[f].has_changed(now[f], form[f].data)
        ]
    rows = []
    for name in fields:
        field = form.fields.get(name)
        choices = getattr(field, "choices", None)
        if field is not None:
            label = field.label
        else:
            try:
                label = obj._meta.get_field(name).verbose_name  # type: ignore[attr-defined]
            except FieldDoesNotExist:
                label = name
        if name in now and name not in masked:
            # The form's own value for the row now (a field the form builds, such as a
            # rule's filter, has no attribute of that name on the row).
            shown_now = now[name]
        elif isinstance(obj, Versioned):
            shown_now = obj.shown_value(name)
        else:
            shown_now = getattr(obj, name, "")
        display = getattr(obj, f"get_{name}_display", None)
        if display is not None and name not in masked:
            shown_now = display()
        if field is None:
            yours = ""
        elif name in masked:
            yours = _("(not shown)") if cleaned.get(name) else "—"
        else:
            yours = _shown(cleaned.get(name), choices)
        shown = _shown(shown_now, choices)
        if field is not None and yours == shown:
            continue  # the same value both ways: nothing to choose
        rows.append({"label": label, "yours": yours, "now": shown})
        if known and field is not None and name in now and name not in masked:
            value = _as_data(now[name])
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value
    form.data = data
    form.add_error(None, str(err.message))
    form.stale_changes = rows  # type: ignore[attr-defined]


def run_and_report(request: HttpRequest, call: Callable[[], T]) -> tuple[bool, T | None]:
    """Call a service behind a one-button POST (no form to hold the error): a DomainError
    becomes an error message on the next page and (False, None) is returned. The service's
    transaction has rolled back, so nothing is half-written."""
    try:
        return True, call()
    except DomainError as err:
        messages.error(request, str(err.message))
        return False, None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, through trusted proxies only (banyan.common.clientip)."""
    return clientip.client_ip(request)
