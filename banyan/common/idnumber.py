"""Resident identity numbers (居民身份证号码) per GB 11643-1999.

Eighteen characters: a six-digit administrative region code, the birth date as
YYYYMMDD, a three-digit sequence (odd for men, even for women) and a check
character computed with ISO 7064 MOD 11-2 over the first seventeen digits.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from .errors import ValidationFailed

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# Province-level prefixes (GB/T 2260): the first two digits of every valid region code.
PROVINCE_PREFIXES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64"}
    | {"65", "71", "81", "82"}
)
# ASCII only: \d alone accepts full-width and other Unicode digits, which int() reads
# happily, so a number typed with a full-width "１９" in it would validate, yet hash
# differently from the ASCII spelling and slip past the uniqueness check.
_SHAPE = re.compile(r"^\d{17}[\dX]$", re.ASCII)
EARLIEST_BIRTH = dt.date(1880, 1, 1)


def check_character(first17: str) -> str:
    """The MOD 11-2 check character for seventeen digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalize_id_number(raw: str, *, today: dt.date | None = None) -> str:
    """Return the canonical form (upper-case X, no spaces) or raise ValidationFailed.

    The error message never repeats the number itself, so it is safe to log.
    """
    value = (raw or "").strip().replace(" ", "").upper()
    field = "id_number"
    if not _SHAPE.match(value):
        raise ValidationFailed(
            _("An ID number has 17 digits followed by a digit or X."), field=field
        )
    if value[:2] not in PROVINCE_PREFIXES or (value[2:6] == "0000" and value[:2] != "71"):
        raise ValidationFailed(_("The ID number's region code is not a known region."), field=field)
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationFailed(
            _("The ID number's birth date is not a real date."), field=field
        ) from None
    today = today or dt.date.today()
    if not EARLIEST_BIRTH <= birth <= today:
        raise ValidationFailed(_("The ID number's birth date is out of range."), field=field)
    if check_character(value[:17]) != value[17]:
        raise ValidationFailed(
            _("The ID number's check character is wrong; please check for a typo."), field=field
        )
    return value


def birth_date_of(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def gender_of(id_number: str) -> str:
    """'M' or 'F', from the parity of the sequence number."""
    return "M" if int(id_number[16]) % 2 else "F"


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """Build a valid number; used by the demo generator and tests."""
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_character(first17)
