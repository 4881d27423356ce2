"""How ID numbers and phones look wherever they are shown without a reveal."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """5308************1X: region prefix and the last two characters."""
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


def mask_phone(value: str) -> str:
    """138****5678."""
    if not value:
        return ""
    return value[:3] + "****" + value[-4:]
