"""Pinyin initials of a name (张桂英 → zgy), so that a worker can find a resident by the
letters they would type on a phone keyboard. Computed with pypinyin from its bundled
dictionary (no network, no model)."""

from __future__ import annotations

from functools import lru_cache
from itertools import product

from pypinyin import Style, pinyin

# A surname with several readings (曾 zeng/ceng, 单 shan/dan) keeps each; the given name
# takes its usual reading. Bounded so that a long name cannot blow up the column.
MAX_VARIANTS = 3
MAX_LENGTH = 40


# Names repeat (the demo district plans a million people from a few thousand names).
@lru_cache(maxsize=65536)
def name_initials(name: str) -> str:
    """Lower-case initials, one spelling per surname reading, separated by spaces ("" for
    a name without Chinese characters or Latin letters)."""
    name = "".join((name or "").split())
    if not name:
        return ""
    letters = pinyin(name, style=Style.FIRST_LETTER, heteronym=True, errors="ignore")
    columns: list[list[str]] = []
    for i, readings in enumerate(letters):
        initials = [r[:1].lower() for r in readings if r[:1].isascii() and r[:1].isalpha()]
        if not initials:
            continue
        # Only the surname's readings multiply; a given name reads its first way.
        columns.append(list(dict.fromkeys(initials if i == 0 else initials[:1])))
    if not columns:
        return ""
    variants = ["".join(p) for p in product(*columns)][:MAX_VARIANTS]
    return " ".join(variants)[:MAX_LENGTH]
