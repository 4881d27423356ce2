"""Ids read from a query string or a form field."""

from __future__ import annotations

# A bigint holds 9,223,372,036,854,775,807: nineteen digits, not all of them nines.
MAX_ID_DIGITS = 18


def parse_id(value: object) -> int | None:
    """A positive id written in ASCII digits, or None for anything else (missing, empty,
    a word, a sign, too long). str.isdigit() alone is not enough: it is true for "²" and
    "٣" and for five thousand nines, each of which int() refuses."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value < 10**MAX_ID_DIGITS else None
    if not isinstance(value, str):
        return None
    if 0 < len(value) <= MAX_ID_DIGITS and value.isascii() and value.isdigit():
        return int(value) or None
    return None
