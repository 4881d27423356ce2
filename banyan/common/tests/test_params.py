from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banyan.common.params import parse_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("42", 42),
        ("999999999999999999", 999_999_999_999_999_999),
        (7, 7),
        ("", None),
        (None, None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1.0", None),
        ("²", None),
        ("١٢", None),
        ("１２", None),
        ("9999999999999999999", None),  # past a bigint
        ("9" * 5000, None),  # past what int() reads
        (True, None),
        (2**64, None),
        (["1"], None),
    ],
)
def test_it_reads_ascii_ids_and_nothing_else(value, expected):
    assert parse_id(value) == expected


@given(st.text(max_size=30))
def test_it_never_raises_and_only_gives_ids_a_bigint_holds(value):
    pk = parse_id(value)
    assert pk is None or (0 < pk < 2**63 and str(pk) == value.lstrip("0"))
