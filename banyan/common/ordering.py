"""Natural order, as people count: 1栋, 2栋 … 10栋, and room 201 before room 1101.

A stored key (`natural_key`) sorts the same way on SQLite and PostgreSQL with a plain
ORDER BY on an indexed column: every run of digits is left-padded to a fixed width, so
text comparison orders the numbers by value.
"""

from __future__ import annotations

import re

# Codes such as 530802001001 (a community's twelve digits) stay in order too.
DIGITS = 12
_RUN = re.compile(r"\d+", re.ASCII)


def natural_key(text: str, *, max_length: int = 60) -> str:
    """`text` with every run of ASCII digits zero-padded to 12 (a longer run keeps its
    length, after stripping leading zeros), lower-cased and without spaces."""

    def pad(match: re.Match[str]) -> str:
        run = match.group().lstrip("0") or "0"
        return run.rjust(DIGITS, "0")

    return _RUN.sub(pad, "".join((text or "").split()).lower())[:max_length]


def household_sort_key(*, unit: str, room: str, address: str) -> str:
    """A household's place among its building's (unit, then room) or by its address."""
    return "/".join(
        (natural_key(unit, max_length=20), natural_key(room, max_length=20), natural_key(address))
    )[:100]


def node_sort_key(*, parent_key: str, sort_order: int, code: str, name: str) -> str:
    """A tree node's key: its parent's, then its own (sort order, then code, else name), so
    ORDER BY sort_key walks the tree depth first with siblings in the order people count."""
    own = f"{min(max(sort_order, 0), 99999):05d}.{natural_key(code or name, max_length=40)}/"
    return (parent_key + own)[:255]
