from __future__ import annotations

import pytest

from banyan.common.errors import ValidationFailed
from banyan.common.phone import normalize_phone


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "+86 138-1234-5678",
        "+8613812345678",
        "0086 13812345678",
        "(138) 1234 5678",
        " 138 1234 5678 ",
        "138\u30001234\u30005678",  # ideographic spaces, as a Chinese IME types them
    ],
)
def test_it_normalises_common_ways_of_writing_a_mobile_number(raw):
    assert normalize_phone(raw) == "13812345678"


@pytest.mark.parametrize("second", "3456789")
def test_it_accepts_every_mobile_prefix_from_13_to_19(second):
    number = f"1{second}812345678"
    assert normalize_phone(number) == number


@pytest.mark.parametrize(
    "raw",
    [
        "12812345678",  # 12x is not a mobile prefix
        "10812345678",
        "23812345678",
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "138abcd5678",
        "1381234567O",  # letter O
        "",
        "   ",
        "+86",
        "86 13812345678",  # the country code without + or 00 is not stripped
        "+1 13812345678",
        "0871-6512345",  # a Kunming landline
        "138１２345678",  # full-width digits must not pass un-normalised
        "138.1234.5678",
    ],
)
def test_it_rejects_what_is_not_a_mainland_mobile_number(raw):
    with pytest.raises(ValidationFailed) as info:
        normalize_phone(raw)
    assert info.value.field == "phone"


def test_it_treats_none_as_empty():
    with pytest.raises(ValidationFailed):
        normalize_phone(None)  # type: ignore[arg-type]


def test_it_names_the_field_it_is_given():
    with pytest.raises(ValidationFailed) as info:
        normalize_phone("12812345678", field="guardian_phone")
    assert info.value.field == "guardian_phone"
    assert info.value.as_dict()["field"] == "guardian_phone"


@pytest.mark.parametrize("raw", ["12812345678", "+86 128-1234-5678", "1381234567"])
def test_its_error_never_repeats_the_number(raw):
    with pytest.raises(ValidationFailed) as info:
        normalize_phone(raw)
    err = info.value
    shown = " ".join([str(err), err.message, repr(err.args), err.as_dict()["message"]])
    digits = "".join(c for c in raw if c.isdigit())
    assert digits not in shown
    assert digits[-4:] not in shown
