"""The one coordinate cleaner: every caller (services, API schemas, Open311) gets the same
answer for the same input, and nothing the column cannot hold gets through."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banyan.common.coordinates import clean_coordinate, clean_point
from banyan.common.errors import ValidationFailed


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("22.7801", Decimal("22.780100")),
        (" 22.78 ", Decimal("22.780000")),
        (22.78, Decimal("22.780000")),
        (Decimal("22.7777777"), Decimal("22.777778")),
        (-90, Decimal("-90.000000")),
        (90, Decimal("90.000000")),
        ("89.9999996", Decimal("90.000000")),
        (None, None),
        ("", None),
        ("   ", None),
    ],
)
def test_it_accepts_degrees_as_text_numbers_and_decimals(value, expected):
    assert clean_coordinate(value, "lat", axis="lat") == expected


HOSTILE = [
    1000,
    "1000",
    90.0000004,  # out of range before rounding, even though it would round to 90
    1e22,
    1e90,
    -1e308,
    10**5000,  # too long for str(): an int is read without it
    "1e999999999999999999",
    "NaN",
    "sNaN",
    float("nan"),
    float("inf"),
    "-Infinity",
    "abc",
    "0x10",
    "1" * 100_000,
    True,
    False,
    [22.7],
    {"lat": 22.7},
]


def _short(value: object) -> str:
    if isinstance(value, int) and abs(value) > 10**100:
        return "huge-int"
    return repr(value)[:24]


@pytest.mark.parametrize("value", HOSTILE, ids=_short)
def test_it_rejects_hostile_values_naming_the_field(value):
    with pytest.raises(ValidationFailed) as err:
        clean_coordinate(value, "latitude", axis="lat")
    assert err.value.field == "latitude"
    assert err.value.message


def test_a_longitude_reaches_180_and_no_further():
    assert clean_coordinate("-180", "lng", axis="lng") == Decimal("-180.000000")
    assert clean_coordinate(100.9773, "lng", axis="lng") == Decimal("100.977300")
    with pytest.raises(ValidationFailed) as err:
        clean_coordinate("180.000001", "lng", axis="lng")
    assert "180" in err.value.message


def test_half_a_point_names_the_missing_coordinate():
    assert clean_point("22.78", "100.97") == (Decimal("22.780000"), Decimal("100.970000"))
    assert clean_point(None, "") == (None, None)
    with pytest.raises(ValidationFailed) as err:
        clean_point("22.78", None, fields=("lat", "long"))
    assert err.value.field == "long"
    with pytest.raises(ValidationFailed) as err:
        clean_point(None, "100.97")
    assert err.value.field == "lat"


@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.text(max_size=60),
        st.from_regex(r"-?\d{1,4}(\.\d{0,12})?([eE][-+]?\d{1,6})?", fullmatch=True),
    )
)
def test_any_value_is_a_coordinate_the_column_holds_or_a_validation_error(value):
    try:
        number = clean_coordinate(value, "lat", axis="lat")
    except ValidationFailed as err:
        assert err.field == "lat"
        return
    if number is not None:
        assert -90 <= number <= 90 and number.as_tuple().exponent == -6
        assert len(number.as_tuple().digits) <= 9  # DECIMAL(9, 6)
