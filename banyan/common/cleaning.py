"""Small input checks that services share; each raises ValidationFailed naming the field."""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext as _

from .errors import ValidationFailed


def clean_text(
    value: str | None, field: str, *, required: bool = False, max_length: int = 200
) -> str:
    """Stripped text, required and bounded as asked."""
    value = (value or "").strip()
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
