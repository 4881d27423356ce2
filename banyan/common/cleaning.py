"""Small input checks that services share; each raises ValidationFailed naming the field."""

from __future__ import annotations

import re

from django.db.models import TextChoices
from django.utils.translation import gettext as _

from .errors import ValidationFailed

# C0 control characters, DEL, and UTF-16 surrogates (a JSON "\udxxx" escape without its
# pair is the only way one gets into a str). None is text a person wrote; NUL makes
# PostgreSQL refuse the whole statement and a lone surrogate cannot be encoded at all.
# Text may hold tabs and line breaks; names, paths and query keys may not.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_CONTROL_ANYWHERE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def has_control_character(value: str, *, line_breaks: bool = True) -> bool:
    """Whether `value` holds a character no input may carry: a C0 control character (but
    tab, LF and CR when `line_breaks`), DEL or a lone surrogate."""
    pattern = _CONTROL_IN_TEXT if line_breaks else _CONTROL_ANYWHERE
    return pattern.search(value) is not None


def control_character_error(field: str) -> ValidationFailed:
    return ValidationFailed(
        _("Remove the control characters (such as NUL) from this field."), field=field
    )


def clean_text(
    value: str | None, field: str, *, required: bool = False, max_length: int = 200
) -> str:
    """Stripped text, required and bounded as asked, without control characters (tabs and
    line breaks may stay)."""
    value = (value or "").strip()
    if has_control_character(value):
        raise control_character_error(field)
    if required and not value:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(value) > max_length:
        raise ValidationFailed(_("At most %(n)s characters.") % {"n": max_length}, field=field)
    return value


def clean_choice(value: str | None, choices: type[TextChoices], field: str) -> str:
    """One of the choices' values, or ValidationFailed."""
    if value not in choices.values:
        raise ValidationFailed(_("Not a valid choice."), field=field)
    return value
