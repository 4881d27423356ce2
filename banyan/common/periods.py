"""The periods reports are asked for — from a day to a day, a month, a year — parsed and
bounded in one place, so that no request can ask for unbounded work.

The rule (docs/architecture.md, "Input"): a day is written YYYY-MM-DD and lies between
EARLIEST (2000-01-01: no community kept these records before) and the end of next year;
a period holds at most MAX_DAYS days (three years). A compliance figure is computed per
day of the period and per member, so the span is the cost: a district asked for
`end=9998-12-31` ran for 70 s and took 1.6 GB before this rule, and `9999-12-31` failed
on a date past the calendar's end.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ValidationFailed

EARLIEST = dt.date(2000, 1, 1)
MAX_DAYS = 3 * 365 + 1  # any three calendar years, a leap day included
PERIOD_KINDS = ("year", "month")

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_YEAR = re.compile(r"^\d{4}$", re.ASCII)
_MONTH = re.compile(r"^\d{1,2}$", re.ASCII)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def latest(today: dt.date | None = None) -> dt.date:
    """The last day a period may reach: the end of next year (plans are made a year on)."""
    today = today or timezone.localdate()
    return dt.date(today.year + 1, 12, 31)


def _out_of_range(field: str, today: dt.date | None) -> ValidationFailed:
    return ValidationFailed(
        _("Give a date from %(first)s to %(last)s.")
        % {"first": EARLIEST.isoformat(), "last": latest(today).isoformat()},
        field=field,
    )


def parse_day(value: object, field: str) -> dt.date | None:
    """A date given as YYYY-MM-DD (or a date); None or "" is None. Impossible dates
    (2026-02-30), other spellings and other types raise ValidationFailed naming `field`."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DAY.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationFailed(_("Give a real date as YYYY-MM-DD."), field=field)


def check_span(period: Period, *, fields: tuple[str, str] = ("start", "end")) -> Period:
    """The end not before the start, and at most MAX_DAYS between them."""
    if period.end < period.start:
        raise ValidationFailed(_("The end is before the start."), field=fields[1])
    if period.days > MAX_DAYS:
        raise ValidationFailed(
            _("A period is at most %(days)s days (three years).") % {"days": MAX_DAYS},
            field=fields[1],
        )
    return period


def clean_period(
    start: object,
    end: object,
    *,
    fields: tuple[str, str] = ("start", "end"),
    today: dt.date | None = None,
) -> Period:
    """From `start` to `end`, each a day in range; a missing end is the end of the start's
    year (this year's without a start), a missing start the first of the end's year."""
    today = today or timezone.localdate()
    first, last = parse_day(start, fields[0]), parse_day(end, fields[1])
    for day, field in ((first, fields[0]), (last, fields[1])):
        if day is not None and not EARLIEST <= day <= latest(today):
            raise _out_of_range(field, today)
    if first is None:
        first = dt.date((last or today).year, 1, 1)
    if last is None:
        last = dt.date(first.year, 12, 31)
    return check_span(Period(first, last), fields=fields)


def clean_year(value: object, field: str = "year", *, today: dt.date | None = None) -> int:
    """A year written with four digits, from EARLIEST's to next year."""
    text = (
        str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    )
    if not _YEAR.match(text) or not EARLIEST.year <= int(text) <= latest(today).year:
        raise ValidationFailed(
            _("Give a year from %(first)s to %(last)s.")
            % {"first": EARLIEST.year, "last": latest(today).year},
            field=field,
        )
    return int(text)


def clean_month(value: object, field: str = "month") -> int:
    text = (
        str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    )
    if not _MONTH.match(text) or not 1 <= int(text) <= 12:
        raise ValidationFailed(_("Give a month from 1 to 12."), field=field)
    return int(text)


def month_period(year: int, month: int) -> Period:
    start = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return Period(start, following - dt.timedelta(days=1))


def year_period(year: int) -> Period:
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))


def period_from_query(
    params: Mapping[str, str], *, today: dt.date | None = None
) -> tuple[str, Period]:
    """`?period=year|month&year=YYYY&month=M` as the report pages ask for it (this year or
    this month when a part is missing): the kind and the period, or ValidationFailed
    naming the parameter."""
    today = today or timezone.localdate()
    kind = params.get("period") or "year"
    if kind not in PERIOD_KINDS:
        raise ValidationFailed(_("Not a valid choice."), field="period")
    year = clean_year(params.get("year") or today.year, today=today)
    if kind == "month":
        return kind, month_period(year, clean_month(params.get("month") or today.month))
    return kind, year_period(year)
