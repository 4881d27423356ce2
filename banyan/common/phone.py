"""Mainland mobile numbers: 1[3-9] and nine more digits, after stripping +86 and separators."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .errors import ValidationFailed

_SEPARATORS = re.compile(r"[\s\-()]")
# ASCII only: \d alone would let full-width digits through un-normalised.
_MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)


def normalize_phone(raw: str, *, field: str = "phone") -> str:
    """Return the eleven digits, or raise ValidationFailed naming `field`."""
    value = _SEPARATORS.sub("", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    if not _MOBILE.match(value):
        raise ValidationFailed(
            _("A mobile number has 11 digits and starts with 13–19."), field=field
        )
    return value
