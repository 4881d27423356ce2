"""Periods (banyan.common.periods): a day is YYYY-MM-DD between 2000-01-01 and the end of
next year, and a period holds at most three years."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banyan.common.errors import ValidationFailed
from banyan.common.periods import (
    MAX_DAYS,
    Period,
    clean_month,
    clean_period,
    clean_year,
    parse_day,
    period_from_query,
)

TODAY = dt.date(2026, 5, 17)


@pytest.mark.parametrize(
    "value",
    [
        "2026-02-30",
        "2026-13-45",
        "0000-01-01",
        "20260101",
        "2026-W01-1",
        "2026-01-01T00:00",
        "２０２６-０１-０１",
        "2026-01-01\x00",
        "x" * 10_000,
        20260101,
        True,
        dt.datetime(2026, 1, 1),
        ["2026-01-01"],
    ],
)
def test_it_names_the_field_of_a_date_that_is_none(value):
    with pytest.raises(ValidationFailed) as err:
        parse_day(value, "start")
    assert err.value.field == "start"


def test_it_reads_a_day_or_nothing():
    assert parse_day(" 2024-02-29 ", "start") == dt.date(2024, 2, 29)
    assert parse_day(dt.date(2024, 2, 29), "start") == dt.date(2024, 2, 29)
    assert parse_day("", "start") is None and parse_day(None, "start") is None


def test_a_missing_end_is_the_end_of_the_starts_year():
    assert clean_period(None, None, today=TODAY) == Period(
        dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    )
    assert clean_period("2024-03-01", None, today=TODAY) == Period(
        dt.date(2024, 3, 1), dt.date(2024, 12, 31)
    )
    assert clean_period(None, "2025-06-30", today=TODAY) == Period(
        dt.date(2025, 1, 1), dt.date(2025, 6, 30)
    )


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-01-01", "9998-12-31", "end"),  # the 70-second request
        ("2026-01-01", "9999-12-31", "end"),  # the 500
        ("0001-01-01", "2026-01-01", "start"),
        ("1999-12-31", "2000-12-31", "start"),
        ("2026-01-01", "2028-01-01", "end"),  # past the end of next year
        ("2026-02-01", "2026-01-31", "end"),
        ("2020-01-01", "2023-01-01", "end"),  # three years and a day
        ("2026-02-30", None, "start"),
    ],
)
def test_it_refuses_days_out_of_range_and_spans_too_long(start, end, field):
    with pytest.raises(ValidationFailed) as err:
        clean_period(start, end, today=TODAY)
    assert err.value.field == field


def test_the_longest_period_is_three_years():
    period = clean_period("2024-01-01", "2026-12-31", today=TODAY)
    assert period.days == MAX_DAYS == 1096
    edge = clean_period("2000-01-01", "2002-12-31", today=TODAY)
    assert edge.start == dt.date(2000, 1, 1)
    assert clean_period("2027-12-31", "2027-12-31", today=TODAY).days == 1


@pytest.mark.parametrize("value", ["1999", "2028", "99999", "-1", "２０２６", "²", "", "1e3", True])
def test_a_year_is_four_digits_in_range(value):
    with pytest.raises(ValidationFailed) as err:
        clean_year(value, today=TODAY)
    assert err.value.field == "year"


@pytest.mark.parametrize("value", ["0", "13", "-1", "1.5", "٣", "", "100000000000000000000"])
def test_a_month_is_one_to_twelve(value):
    with pytest.raises(ValidationFailed) as err:
        clean_month(value)
    assert err.value.field == "month"


def test_the_pages_ask_for_a_year_or_a_month():
    assert period_from_query({}, today=TODAY) == (
        "year",
        Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    )
    kind, period = period_from_query({"period": "month", "year": "2024", "month": "2"}, today=TODAY)
    assert (kind, period) == ("month", Period(dt.date(2024, 2, 1), dt.date(2024, 2, 29)))
    assert period_from_query({"period": "month", "year": "2027", "month": "12"}, today=TODAY)[
        1
    ].end == dt.date(2027, 12, 31)
    for params, field in (
        ({"period": "decade"}, "period"),
        ({"year": "9999"}, "year"),
        ({"period": "month", "month": "13"}, "month"),
    ):
        with pytest.raises(ValidationFailed) as err:
            period_from_query(params, today=TODAY)
        assert err.value.field == field


@given(
    st.one_of(
        st.none(),
        st.dates(),
        st.text(max_size=12),
        st.from_regex(r"\d{4}-\d\d-\d\d", fullmatch=True),
    ),
    st.one_of(
        st.none(),
        st.dates(),
        st.text(max_size=12),
        st.from_regex(r"\d{4}-\d\d-\d\d", fullmatch=True),
    ),
)
def test_any_pair_is_a_bounded_period_or_a_validation_error(start, end):
    try:
        period = clean_period(start, end, today=TODAY)
    except ValidationFailed as err:
        assert err.field in ("start", "end")
        return
    assert dt.date(2000, 1, 1) <= period.start <= period.end <= dt.date(2027, 12, 31)
    assert period.days <= MAX_DAYS
