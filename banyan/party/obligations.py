"""The care-rule engine: obligations computed from rules and the contact log at read time.

Pure functions over plain values (no queries), so that a list of one secretary's
obligations and a district's compliance for a year run the same arithmetic, and the
arithmetic is tested at its edges without a database.

An *obligation* is one instance of a rule for one subject (a member or a branch):

    rule cadence        instances                              window      due
    every N months      one per N-month period from valid_from  the period  its last day
    N times per year    N per calendar year (the i-th due at    the year    end of month
                        the end of month ceil(12·i/N))                      ceil(12·i/N)
    within D days       one per trigger event (an admission)    event..+D   event + D days

A contact of the rule's kind inside the window meets it **on time**; after the due
date but within as long again as the window (for N-times-a-year rules: within the
same year) it is met **late**. Unmet, it is **open** until the due date, **overdue**
until the late limit, then **missed**. N-times-a-year rules count: the i-th contact
of the year meets the i-th instance; the others look for any contact in their window.

A subject is held to an instance when the rule's filter matched it on the instance's
start (the period's first day, the trigger's date) and still matches on the due date
(or today, when that is earlier): a member who became mobile on the 20th is called
from the next month, and nobody owes a call to a member who was lost or left.
Rule versions are closed at period ends, so a change applies from the next period.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

ON_TIME = "on_time"
LATE = "late"
MISSED = "missed"
OVERDUE = "overdue"
OPEN = "open"
STATUSES = (OVERDUE, OPEN, ON_TIME, LATE, MISSED)

# The filter keys a rule's `who` may use, and whether they change over time.
PERIOD_FLAGS = frozenset({"mobile"})
ATTRIBUTES = frozenset({"in_service", "retired", "restructured", "membership"})
WHO_KEYS = PERIOD_FLAGS | ATTRIBUTES

Interval = tuple[dt.date, dt.date | None]  # inclusive; None: still running


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 → Feb 28/29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def covers(intervals: Iterable[Interval], day: dt.date) -> bool:
    for start, end in intervals:  # noqa: SIM110 - a loop: no generator per call (hot path)
        if start <= day and (end is None or day <= end):
            return True
    return False


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a_start, a_end in a:
        for b_start, b_end in b:
            start = max(a_start, b_start)
            ends = [e for e in (a_end, b_end) if e is not None]
            end = min(ends) if ends else None
            if end is None or start <= end:
                out.append((start, end))
    return out


def subtract(a: list[Interval], holes: list[Interval]) -> list[Interval]:
    out = a
    for h_start, h_end in holes:
        nxt: list[Interval] = []
        for start, end in out:
            if (end is not None and end < h_start) or (h_end is not None and start > h_end):
                nxt.append((start, end))
                continue
            if start < h_start:
                nxt.append((start, h_start - dt.timedelta(days=1)))
            if h_end is not None and (end is None or end > h_end):
                nxt.append((h_end + dt.timedelta(days=1), end))
        out = nxt
    return out


@dataclass(frozen=True)
class RuleVersion:
    id: int
    code: str
    name: str
    subject: str  # "member" or "branch"
    who: dict[str, Any]
    trigger: str
    contact_kind: str
    cadence: str  # every_n_months / times_per_year / within_days
    count: int
    responsible_role: str
    responsible_at: str
    valid_from: dt.date
    valid_to: dt.date | None
    active: bool = True

    def in_force(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass
class Subject:
    """What the engine knows of a member or a branch."""

    kind: str  # "member" or "branch"
    id: int
    community_id: int
    eligible: list[Interval]  # in the branch / community and not lost
    periods: dict[str, list[Interval]] = field(default_factory=dict)  # mobile …
    attributes: dict[str, Any] = field(default_factory=dict)
    triggers: dict[str, list[dt.date]] = field(default_factory=dict)
    # (from date, branch id) in date order: the branch answering for the subject then.
    branches: list[tuple[dt.date, int]] = field(default_factory=list)

    def branch_on(self, day: dt.date) -> int | None:
        if len(self.branches) == 1:  # never transferred: most members, every branch
            return self.branches[0][1]
        current = None
        for since, branch in self.branches:
            if since <= day or current is None:
                current = branch
            else:
                break
        return current

    def could_match(self, rule: RuleVersion) -> bool:
        """False when the rule can never hold this subject (a cheap test before dates)."""
        if rule.subject != self.kind:
            return False
        for key, wanted in rule.who.items():
            if key in PERIOD_FLAGS:
                if wanted and not self.periods.get(key):
                    return False
            elif self.attributes.get(key) != wanted:
                return False
        return True

    def spans(self, rule: RuleVersion) -> list[Interval]:
        """The days on which the rule holds this subject (after `could_match`)."""
        out = self.eligible
        for key, wanted in rule.who.items():
            if key in PERIOD_FLAGS:
                flag = self.periods.get(key, [])
                out = _intersect(out, flag) if wanted else subtract(out, flag)
        return out

    def matches(self, rule: RuleVersion, day: dt.date) -> bool:
        if rule.subject != self.kind or not covers(self.eligible, day):
            return False
        for key, wanted in rule.who.items():
            if key in PERIOD_FLAGS:
                if covers(self.periods.get(key, ()), day) != bool(wanted):
                    return False
            elif self.attributes.get(key) != wanted:
                return False
        return True


@dataclass(frozen=True)
class Instance:
    """One obligation instance and how it stands on `today`."""

    rule: RuleVersion
    subject: Subject
    start: dt.date
    due: dt.date
    late_until: dt.date
    status: str
    met_on: dt.date | None
    branch_id: int | None


def _windows(rule: RuleVersion, lo: dt.date, hi: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
    """(start, due) of the rule's periodic instances whose due date lies in [lo, hi]."""
    end = rule.valid_to
    if rule.cadence == "every_n_months":
        n = max(rule.count, 1)
        k = 0
        if lo > rule.valid_from:  # skip ahead without walking every period since 2000
            months = (lo.year - rule.valid_from.year) * 12 + lo.month - rule.valid_from.month
            k = max(months // n - 1, 0)
        while True:
            start = add_months(rule.valid_from, k * n)
            due = add_months(rule.valid_from, (k + 1) * n) - dt.timedelta(days=1)
            k += 1
            if end is not None and start > end:
                return
            if due < lo:
                continue
            if due > hi:
                return
            yield start, due
    elif rule.cadence == "times_per_year":
        n = max(rule.count, 1)
        for year in range(max(lo.year, rule.valid_from.year), hi.year + 1):
            for i in range(1, n + 1):
                first_month = -(-12 * (i - 1) // n) + 1
                last_month = -(-12 * i // n)
                start = dt.date(year, first_month, 1)
                due = month_end(dt.date(year, last_month, 1))
                if start < rule.valid_from or (end is not None and start > end):
                    continue
                if lo <= due <= hi:
                    yield start, due


def _late_until(rule: RuleVersion, start: dt.date, due: dt.date) -> dt.date:
    """How long a late contact still counts: as long again as the window."""
    if rule.cadence == "every_n_months":
        return add_months(due + dt.timedelta(days=1), max(rule.count, 1)) - dt.timedelta(days=1)
    if rule.cadence == "times_per_year":
        return dt.date(due.year, 12, 31)
    return due + dt.timedelta(days=max(rule.count, 0) or 1)


def _status(
    start: dt.date, due: dt.date, late_until: dt.date, met: dt.date | None, today: dt.date
) -> str:
    if met is not None:
        return ON_TIME if met <= due else LATE
    if today <= due:
        return OPEN
    if today <= late_until:
        return OVERDUE
    return MISSED


def _first_between(days: list[dt.date], lo: dt.date, hi: dt.date) -> dt.date | None:
    i = bisect.bisect_left(days, lo)
    return days[i] if i < len(days) and days[i] <= hi else None


def instances(
    rules: Iterable[RuleVersion],
    subjects: Iterable[Subject],
    contacts: dict[tuple[int, str], list[dt.date]],
    *,
    lo: dt.date,
    hi: dt.date,
    today: dt.date,
) -> list[Instance]:
    """Every obligation instance whose due date lies in [lo, hi], as it stands on `today`.

    `contacts` maps (subject id, contact kind) to the sorted dates of contacts; contacts
    after `today` are ignored (the log cannot know the future).
    """
    rules = [r for r in rules if r.active]
    # The periods depend on the rule only: computed once, not once per subject.
    periods = {
        id(r): [(s, d, _late_until(r, s, d)) for s, d in _windows(r, lo, hi)]
        for r in rules
        if r.cadence != "within_days"
    }
    out: list[Instance] = []
    for subject in subjects:
        for rule in rules:
            if not subject.could_match(rule):
                continue
            days = contacts.get((subject.id, rule.contact_kind), [])
            if days and days[-1] > today:
                days = [d for d in days if d <= today]
            if rule.cadence == "within_days":
                out.extend(_trigger_instances(rule, subject, days, lo, hi, today))
                continue
            spans = subject.spans(rule)
            windows = [
                (s, d, late)
                for s, d, late in periods[id(rule)]
                if covers(spans, s) and covers(spans, min(d, today))
            ]
            if rule.cadence == "times_per_year":
                out.extend(_counted(rule, subject, days, windows, today))
                continue
            for start, due, late in windows:
                met = _first_between(days, start, min(late, today))
                out.append(
                    Instance(
                        rule,
                        subject,
                        start,
                        due,
                        late,
                        _status(start, due, late, met, today),
                        met,
                        subject.branch_on(due),
                    )
                )
    return out


def _trigger_instances(
    rule: RuleVersion,
    subject: Subject,
    days: list[dt.date],
    lo: dt.date,
    hi: dt.date,
    today: dt.date,
) -> Iterator[Instance]:
    for event in subject.triggers.get(rule.trigger, ()):
        if not rule.in_force(event):
            continue
        due = event + dt.timedelta(days=rule.count)
        if not lo <= due <= hi:
            continue
        if not (subject.matches(rule, event) and subject.matches(rule, min(due, today))):
            continue
        late = _late_until(rule, event, due)
        met = _first_between(days, event, min(late, today))
        yield Instance(
            rule,
            subject,
            event,
            due,
            late,
            _status(event, due, late, met, today),
            met,
            subject.branch_on(event),
        )


def _counted(
    rule: RuleVersion,
    subject: Subject,
    days: list[dt.date],
    windows: list[tuple[dt.date, dt.date, dt.date]],
    today: dt.date,
) -> Iterator[Instance]:
    """N times a year: the year's contacts, in order, meet the year's instances in order."""
    by_year: dict[int, list[tuple[dt.date, dt.date, dt.date]]] = {}
    for window in windows:
        by_year.setdefault(window[0].year, []).append(window)
    for year, year_windows in by_year.items():
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        # Every contact of the year counts, whoever made it (a member who joined the
        # branch in March and was visited in April has had the year's first visit).
        pool = [d for d in days if first <= d <= min(last, today)]
        pointer = 0
        for start, due, late in year_windows:
            met = pool[pointer] if pointer < len(pool) else None
            if met is not None:
                pointer += 1
            yield Instance(
                rule,
                subject,
                start,
                due,
                late,
                _status(start, due, late, met, today),
                met,
                subject.branch_on(due),
            )


def next_period_start(rule: RuleVersion, today: dt.date) -> dt.date:
    """When a change to `rule` takes effect: the day after the period running today ends
    (next month for a monthly rule, next January for a yearly count, tomorrow for a
    rule triggered by events)."""
    if rule.valid_from > today:
        return rule.valid_from
    if rule.cadence == "every_n_months":
        n = max(rule.count, 1)
        months = (today.year - rule.valid_from.year) * 12 + today.month - rule.valid_from.month
        k = max(months // n, 0)
        while add_months(rule.valid_from, k * n) <= today:
            k += 1
        return add_months(rule.valid_from, k * n)
    if rule.cadence == "times_per_year":
        return dt.date(today.year + 1, 1, 1)
    return today + dt.timedelta(days=1)


@dataclass
class Tally:
    due: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0
    overdue: int = 0
    open: int = 0

    def add(self, status: str) -> None:
        self.due += 1
        setattr(self, status, getattr(self, status) + 1)

    def __iadd__(self, other: Tally) -> Tally:
        """Another group's counts added to these (a district from its communities)."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    @property
    def rate(self) -> int | None:
        """Met on time, as a whole percentage of those whose outcome is known."""
        decided = self.on_time + self.late + self.missed + self.overdue
        return round(100 * self.on_time / decided) if decided else None


def tally(items: Iterable[Instance], key: Any = None) -> dict[Any, Tally]:
    """Counts per status, grouped by `key(instance)` (one group when None)."""
    out: dict[Any, Tally] = {}
    for item in items:
        group = key(item) if key is not None else None
        out.setdefault(group, Tally()).add(item.status)
    return out
