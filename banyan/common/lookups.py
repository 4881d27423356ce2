"""What a search text is, as far as personal data goes: whether it is a whole ID number
or mobile number, which never belong in a URL (SECURITY.md 10)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .errors import ValidationFailed

_SEPARATORS = re.compile(r"[\s\-()]")
_ID_SHAPE = re.compile(r"^\d{17}[\dXx]$", re.ASCII)
_PHONE_SHAPE = re.compile(r"^(?:\+?86|0086)?1[3-9]\d{9}$", re.ASCII)


def is_identifier(text: str) -> bool:
    """True for text shaped like a whole ID number or mobile number (valid or not)."""
    value = _SEPARATORS.sub("", text or "")
    return bool(_ID_SHAPE.match(value) or _PHONE_SHAPE.match(value))


def refuse_identifier_in_url(text: str, *, field: str = "q") -> None:
    """ValidationFailed naming `field` when a URL's query holds a whole ID number or phone."""
    if is_identifier(text):
        raise ValidationFailed(
            _(
                "A whole ID number or phone may not be sent in a URL: send it in the body "
                "of POST /api/v1/persons/search."
            ),
            field=field,
        )
