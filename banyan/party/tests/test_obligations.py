"""The rule arithmetic at its edges: month ends, leap years, an admission on the 31st,
rule versions changed mid-year, and only the right contact kind meeting a rule."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan.party import obligations as engine
from banyan.party.obligations import LATE, MISSED, ON_TIME, OPEN, OVERDUE

D = dt.date
START = D(2000, 1, 1)


def rule(code="r", *, cadence, count, kind="call", who=None, trigger="", subject="member", **kw):
    values = {
        "id": 1,
        "code": code,
        "name": code,
        "subject": subject,
        "who": who or {},
        "trigger": trigger,
        "contact_kind": kind,
        "cadence": cadence,
        "count": count,
        "responsible_role": "branch_secretary",
        "responsible_at": "branch",
        "valid_from": START,
        "valid_to": None,
    }
    values.update(kw)
    return engine.RuleVersion(**values)


MONTHLY_CALL = rule("call", cadence="every_n_months", count=1, who={"mobile": True})
TWO_VISITS = rule("visit", cadence="times_per_year", count=2, kind="home_visit")
HOSPITAL = rule(
    "hospital",
    cadence="within_days",
    count=3,
    kind="hospital_visit",
    trigger="hospital_admission",
)


JOINED = D(2010, 1, 1)


def member(*, joined=JOINED, mobile=((JOINED, None),), lost=(), admissions=()):
    eligible = [(joined, None)]
    for start, end in lost:
        eligible = [(joined, start - dt.timedelta(days=1))] + (
            [(end + dt.timedelta(days=1), None)] if end else []
        )
    return engine.Subject(
        kind="member",
        id=7,
        community_id=1,
        eligible=eligible,
        periods={"mobile": list(mobile)},
        attributes={"in_service": False},
        triggers={"hospital_admission": list(admissions)},
        branches=[(joined, 3)],
    )


def run(rules, subject, contacts, *, lo, hi, today):
    return engine.instances(rules, [subject], contacts, lo=lo, hi=hi, today=today)


def test_add_months_clamps_to_the_month_end_and_knows_leap_years():
    assert engine.add_months(D(2023, 1, 31), 1) == D(2023, 2, 28)
    assert engine.add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert engine.add_months(D(2024, 12, 31), 2) == D(2025, 2, 28)
    assert engine.add_months(D(2024, 3, 1), -1) == D(2024, 2, 1)


def test_monthly_periods_end_on_the_last_day_of_february_in_a_leap_year():
    items = run(
        [MONTHLY_CALL], member(), {}, lo=D(2024, 2, 1), hi=D(2024, 3, 31), today=D(2024, 3, 15)
    )
    assert [(i.start, i.due) for i in items] == [
        (D(2024, 2, 1), D(2024, 2, 29)),
        (D(2024, 3, 1), D(2024, 3, 31)),
    ]
    assert [i.status for i in items] == [OVERDUE, OPEN]


def test_a_call_on_the_last_day_of_the_month_is_on_time_and_the_next_day_is_late():
    contacts = {(7, "call"): [D(2023, 1, 31)]}
    (jan,) = run(
        [MONTHLY_CALL],
        member(),
        contacts,
        lo=D(2023, 1, 31),
        hi=D(2023, 1, 31),
        today=D(2023, 3, 1),
    )
    assert jan.status == ON_TIME and jan.met_on == D(2023, 1, 31)
    contacts = {(7, "call"): [D(2023, 2, 1)]}
    jan, feb = run(
        [MONTHLY_CALL], member(), contacts, lo=D(2023, 1, 1), hi=D(2023, 2, 28), today=D(2023, 3, 1)
    )
    # A late call counts for the month it came late for, and for its own month.
    assert (jan.status, feb.status) == (LATE, ON_TIME)


def test_an_unmet_month_is_overdue_through_the_next_month_then_missed():
    args = {"lo": D(2023, 1, 1), "hi": D(2023, 1, 31)}
    assert run([MONTHLY_CALL], member(), {}, today=D(2023, 1, 31), **args)[0].status == OPEN
    assert run([MONTHLY_CALL], member(), {}, today=D(2023, 2, 1), **args)[0].status == OVERDUE
    assert run([MONTHLY_CALL], member(), {}, today=D(2023, 2, 28), **args)[0].status == OVERDUE
    assert run([MONTHLY_CALL], member(), {}, today=D(2023, 3, 1), **args)[0].status == MISSED


def test_only_the_rules_contact_kind_meets_it():
    contacts = {(7, "message"): [D(2023, 5, 3)], (7, "home_visit"): [D(2023, 5, 9)]}
    (may,) = run(
        [MONTHLY_CALL], member(), contacts, lo=D(2023, 5, 1), hi=D(2023, 5, 31), today=D(2023, 6, 2)
    )
    assert may.status == OVERDUE
    contacts[(7, "call")] = [D(2023, 5, 20)]
    (may,) = run(
        [MONTHLY_CALL], member(), contacts, lo=D(2023, 5, 1), hi=D(2023, 5, 31), today=D(2023, 6, 2)
    )
    assert may.status == ON_TIME


def test_contacts_after_today_do_not_count():
    contacts = {(7, "call"): [D(2023, 5, 20)]}
    (may,) = run(
        [MONTHLY_CALL],
        member(),
        contacts,
        lo=D(2023, 5, 1),
        hi=D(2023, 5, 31),
        today=D(2023, 5, 10),
    )
    assert may.status == OPEN and may.met_on is None


def test_a_hospital_admission_on_the_31st_is_due_on_the_3rd():
    m = member(admissions=[D(2023, 1, 31)])
    (item,) = run([HOSPITAL], m, {}, lo=D(2023, 1, 1), hi=D(2023, 12, 31), today=D(2023, 2, 3))
    assert item.due == D(2023, 2, 3) and item.status == OPEN
    contacts = {(7, "hospital_visit"): [D(2023, 2, 4)]}
    (item,) = run(
        [HOSPITAL], m, contacts, lo=D(2023, 1, 1), hi=D(2023, 12, 31), today=D(2023, 2, 10)
    )
    assert item.status == LATE
    (item,) = run([HOSPITAL], m, {}, lo=D(2023, 1, 1), hi=D(2023, 12, 31), today=D(2023, 2, 6))
    assert item.status == OVERDUE
    (item,) = run([HOSPITAL], m, {}, lo=D(2023, 1, 1), hi=D(2023, 12, 31), today=D(2023, 2, 7))
    assert item.status == MISSED


def test_an_admission_late_in_february_crosses_the_leap_day():
    leap = member(admissions=[D(2024, 2, 28)])
    (item,) = run([HOSPITAL], leap, {}, lo=D(2024, 1, 1), hi=D(2024, 12, 31), today=D(2024, 2, 28))
    assert item.due == D(2024, 3, 2)
    common = member(admissions=[D(2023, 2, 28)])
    (item,) = run(
        [HOSPITAL], common, {}, lo=D(2023, 1, 1), hi=D(2023, 12, 31), today=D(2023, 2, 28)
    )
    assert item.due == D(2023, 3, 3)


def test_a_visit_the_day_of_the_admission_is_on_time_but_one_before_is_not():
    m = member(admissions=[D(2023, 7, 10)])
    on_day = {(7, "hospital_visit"): [D(2023, 7, 10)]}
    before = {(7, "hospital_visit"): [D(2023, 7, 9)]}
    kw = {"lo": D(2023, 1, 1), "hi": D(2023, 12, 31), "today": D(2023, 8, 1)}
    assert run([HOSPITAL], m, on_day, **kw)[0].status == ON_TIME
    assert run([HOSPITAL], m, before, **kw)[0].status == MISSED


def test_two_visits_a_year_are_due_at_the_end_of_june_and_of_december():
    items = run(
        [TWO_VISITS], member(), {}, lo=D(2024, 1, 1), hi=D(2024, 12, 31), today=D(2024, 7, 1)
    )
    assert [(i.due, i.status) for i in items] == [
        (D(2024, 6, 30), OVERDUE),
        (D(2024, 12, 31), OPEN),
    ]


def test_two_visits_a_year_count_distinct_visits_in_order():
    contacts = {(7, "home_visit"): [D(2024, 3, 3), D(2024, 8, 8)]}
    items = run(
        [TWO_VISITS], member(), contacts, lo=D(2024, 1, 1), hi=D(2024, 12, 31), today=D(2025, 1, 5)
    )
    assert [i.status for i in items] == [ON_TIME, ON_TIME]
    one_late = {(7, "home_visit"): [D(2024, 9, 1)]}
    items = run(
        [TWO_VISITS], member(), one_late, lo=D(2024, 1, 1), hi=D(2024, 12, 31), today=D(2025, 1, 5)
    )
    assert [i.status for i in items] == [LATE, MISSED]
    # Two visits in one week of December: the first half-year was met late.
    december = {(7, "home_visit"): [D(2024, 12, 2), D(2024, 12, 9)]}
    items = run(
        [TWO_VISITS], member(), december, lo=D(2024, 1, 1), hi=D(2024, 12, 31), today=D(2025, 1, 5)
    )
    assert [i.status for i in items] == [LATE, ON_TIME]


def test_last_years_visits_do_not_count_for_this_year():
    contacts = {(7, "home_visit"): [D(2023, 11, 1), D(2023, 12, 20)]}
    items = run(
        [TWO_VISITS], member(), contacts, lo=D(2024, 1, 1), hi=D(2024, 12, 31), today=D(2024, 7, 2)
    )
    assert items[0].status == OVERDUE


def test_a_member_who_became_mobile_mid_month_is_called_from_the_next_month():
    m = member(mobile=[(D(2023, 4, 20), None)])
    items = run([MONTHLY_CALL], m, {}, lo=D(2023, 1, 1), hi=D(2023, 5, 31), today=D(2023, 5, 10))
    assert [(i.due, i.status) for i in items] == [(D(2023, 5, 31), OPEN)]


def test_no_calls_are_owed_while_a_member_is_lost():
    m = member(lost=[(D(2023, 2, 10), D(2023, 5, 14))])
    items = run([MONTHLY_CALL], m, {}, lo=D(2023, 1, 1), hi=D(2023, 7, 31), today=D(2023, 8, 1))
    assert [i.due.month for i in items] == [1, 6, 7]


def test_a_rule_changed_mid_year_keeps_the_old_rule_for_past_periods():
    # Monthly until June, then every two months from July (the change made in June).
    old = rule(
        "call", cadence="every_n_months", count=1, who={"mobile": True}, valid_to=D(2023, 6, 30)
    )
    new = rule(
        "call", cadence="every_n_months", count=2, who={"mobile": True}, valid_from=D(2023, 7, 1)
    )
    contacts = {(7, "call"): [D(2023, m, 5) for m in (1, 2, 3, 4, 5, 6, 8, 11)]}
    items = run(
        [old, new], member(), contacts, lo=D(2023, 1, 1), hi=D(2023, 12, 31), today=D(2024, 1, 2)
    )
    assert [(i.start.month, i.due.month) for i in items] == [
        *[(m, m) for m in range(1, 7)],
        (7, 8),
        (9, 10),
        (11, 12),
    ]
    assert [i.status for i in items] == [ON_TIME] * 6 + [ON_TIME, LATE, ON_TIME]


def test_next_period_start_follows_the_running_versions_cadence():
    assert engine.next_period_start(MONTHLY_CALL, D(2023, 6, 14)) == D(2023, 7, 1)
    assert engine.next_period_start(MONTHLY_CALL, D(2023, 12, 31)) == D(2024, 1, 1)
    quarterly = rule(cadence="every_n_months", count=3, valid_from=D(2023, 1, 1))
    assert engine.next_period_start(quarterly, D(2023, 5, 31)) == D(2023, 7, 1)
    assert engine.next_period_start(quarterly, D(2023, 7, 1)) == D(2023, 10, 1)
    assert engine.next_period_start(TWO_VISITS, D(2024, 2, 29)) == D(2025, 1, 1)
    assert engine.next_period_start(HOSPITAL, D(2024, 2, 29)) == D(2024, 3, 1)


def test_an_inactive_version_asks_for_nothing():
    ended = rule("call", cadence="every_n_months", count=1, active=False)
    assert (
        run([ended], member(), {}, lo=D(2023, 1, 1), hi=D(2023, 12, 31), today=D(2024, 1, 1)) == []
    )


@pytest.mark.parametrize("n,dues", [(3, [4, 8, 12]), (4, [3, 6, 9, 12]), (5, [3, 5, 8, 10, 12])])
def test_n_times_a_year_spreads_the_due_months(n, dues):
    r = rule(cadence="times_per_year", count=n, kind="home_visit")
    items = run([r], member(), {}, lo=D(2023, 1, 1), hi=D(2023, 12, 31), today=D(2023, 1, 1))
    assert [i.due.month for i in items] == dues
    assert all(i.due == engine.month_end(i.due) for i in items)


def test_tally_counts_each_status_and_the_on_time_rate():
    t = engine.Tally()
    for status in [ON_TIME, ON_TIME, LATE, MISSED, OPEN]:
        t.add(status)
    assert (t.due, t.on_time, t.late, t.missed, t.open) == (5, 2, 1, 1, 1)
    assert t.rate == 50
