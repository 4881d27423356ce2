from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banyan.common.errors import ValidationFailed
from banyan.common.idnumber import (
    EARLIEST_BIRTH,
    PROVINCE_PREFIXES,
    birth_date_of,
    check_character,
    gender_of,
    make_id_number,
    normalize_id_number,
)

# The sample printed in countless explanations of GB 11643; its check character is X.
PUBLISHED_SAMPLE = "11010519491231002X"
# Built by hand with the MOD 11-2 weights, in Simao district of Pu'er, Yunnan (5308xx).
SIMAO_MAN = "53080219900101123X"  # sequence 123: odd, so a man
SIMAO_WOMAN = "530802198506151241"  # sequence 124: even, so a woman
JINGDONG_LEAP_DAY = "530821200002290351"  # born 29 Feb 2000, a leap day
FIXED_TODAY = dt.date(2025, 6, 1)


def _rejection(raw: str, *, today: dt.date = FIXED_TODAY) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        normalize_id_number(raw, today=today)
    return info.value


def _with_check(first17: str) -> str:
    return first17 + check_character(first17)


def test_it_accepts_the_published_sample():
    assert normalize_id_number(PUBLISHED_SAMPLE) == PUBLISHED_SAMPLE


@pytest.mark.parametrize("number", [SIMAO_MAN, SIMAO_WOMAN, JINGDONG_LEAP_DAY])
def test_it_accepts_yunnan_numbers(number):
    assert normalize_id_number(number) == number


def test_the_check_character_matches_the_standard_for_the_published_sample():
    # 17 digits weighted 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 sum to 167; 167 % 11 == 2 -> "X".
    assert check_character(PUBLISHED_SAMPLE[:17]) == "X"


def test_it_normalises_a_lower_case_x():
    assert normalize_id_number("11010519491231002x") == PUBLISHED_SAMPLE


def test_it_strips_spaces_inside_and_around():
    assert normalize_id_number(" 110105 19491231 002X ") == PUBLISHED_SAMPLE


def test_it_reads_birth_date_and_gender():
    assert birth_date_of(SIMAO_MAN) == dt.date(1990, 1, 1)
    assert gender_of(SIMAO_MAN) == "M"
    assert birth_date_of(SIMAO_WOMAN) == dt.date(1985, 6, 15)
    assert gender_of(SIMAO_WOMAN) == "F"


def test_it_rejects_a_wrong_check_character():
    err = _rejection("110105194912310021")
    assert "check character" in err.message


def test_it_rejects_february_30():
    err = _rejection(_with_check("53080219900230123"))
    assert "not a real date" in err.message


def test_it_rejects_a_thirteenth_month():
    err = _rejection(_with_check("53080219901301123"))
    assert "not a real date" in err.message


def test_it_rejects_february_29_outside_a_leap_year():
    _rejection(_with_check("53080219010229123"))


def test_it_rejects_a_birth_date_in_the_future():
    tomorrow = FIXED_TODAY + dt.timedelta(days=1)
    err = _rejection(make_id_number("530802", tomorrow, 123))
    assert "out of range" in err.message


def test_it_accepts_someone_born_today():
    number = make_id_number("530802", FIXED_TODAY, 123)
    assert normalize_id_number(number, today=FIXED_TODAY) == number


def test_it_rejects_a_birth_date_before_1880():
    _rejection(make_id_number("530802", dt.date(1879, 12, 31), 123))


@pytest.mark.parametrize("prefix", ["99", "00", "10", "20", "55", "72", "90"])
def test_it_rejects_an_unknown_region_prefix(prefix):
    err = _rejection(_with_check(f"{prefix}080219900101123"))
    assert "region" in err.message


def test_it_rejects_a_province_code_that_is_not_a_county():
    err = _rejection(_with_check("53000019900101123"))
    assert "region" in err.message


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "5308021990010112",  # 16
        "53080219900101123",  # 17: the check character is missing
        "53080219900101123X0",  # 19
        "530802900101123",  # the old 15-digit form
    ],
)
def test_it_rejects_the_wrong_length(raw):
    err = _rejection(raw)
    assert "17 digits" in err.message


@pytest.mark.parametrize(
    "raw",
    [
        "5308021990O101123X",  # letter O for zero
        "530802199001O1123X",
        "X3080219900101123X",
        "53080219900101123Y",
        "5308021990-01-01123X",
        "530802\u00a019900101123X",  # a no-break space is not a space we strip
    ],
)
def test_it_rejects_letters_or_symbols_in_the_number(raw):
    err = _rejection(raw)
    assert "17 digits" in err.message


def test_it_rejects_full_width_digits_instead_of_storing_them_unnormalised():
    # "１９" is full-width; int() reads it, so a Unicode-aware \d would let it through.
    err = _rejection("530802１９900101123X")
    assert err.field == "id_number"


def test_it_rejects_none_as_empty():
    err = _rejection(None)  # type: ignore[arg-type]
    assert err.field == "id_number"


BAD_NUMBERS = [
    "110105194912310021",
    _with_check("53080219900230123"),
    _with_check("99080219900101123"),
    make_id_number("530802", FIXED_TODAY + dt.timedelta(days=1), 123),
    "5308021990O101123X",
    "53080219900101123",
]


@pytest.mark.parametrize("raw", BAD_NUMBERS)
def test_its_errors_name_the_field_and_never_repeat_the_number(raw):
    err = _rejection(raw)
    assert err.field == "id_number"
    assert err.as_dict()["field"] == "id_number"
    shown = " ".join([str(err), err.message, repr(err.args), err.as_dict()["message"]])
    assert raw not in shown
    # Not even a long run of its digits (a 6-digit region or 8-digit birth date).
    assert raw[:6] not in shown
    assert raw[6:14] not in shown


# --- properties -------------------------------------------------------------------------

_county = st.text(alphabet="0123456789", min_size=4, max_size=4).filter(lambda s: s != "0000")
_regions = st.builds(
    lambda prefix, county: prefix + county, st.sampled_from(sorted(PROVINCE_PREFIXES)), _county
)
_births = st.dates(min_value=EARLIEST_BIRTH, max_value=dt.date.today())
_sequences = st.integers(min_value=0, max_value=999)


@given(region=_regions, birth=_births, sequence=_sequences)
def test_every_made_number_validates_and_round_trips(region, birth, sequence):
    number = make_id_number(region, birth, sequence)
    assert normalize_id_number(number) == number
    assert normalize_id_number(number.lower()) == number
    assert birth_date_of(number) == birth
    assert gender_of(number) == ("M" if sequence % 2 else "F")


@given(region=_regions, birth=_births, sequence=_sequences, data=st.data())
def test_changing_any_single_character_makes_a_number_invalid(region, birth, sequence, data):
    number = make_id_number(region, birth, sequence)
    position = data.draw(st.integers(min_value=0, max_value=17), label="position")
    alphabet = "0123456789X" if position == 17 else "0123456789"
    others = [c for c in alphabet if c != number[position]]
    replacement = data.draw(st.sampled_from(others), label="replacement")
    mutated = number[:position] + replacement + number[position + 1 :]

    # MOD 11-2 alone catches every single substitution, whatever the other checks say.
    assert check_character(mutated[:17]) != mutated[17]
    with pytest.raises(ValidationFailed):
        normalize_id_number(mutated)


def test_changing_any_single_character_of_the_sample_makes_it_invalid():
    # The exhaustive version of the property above, for one number: all 17 * 9 + 10 variants.
    for position in range(18):
        alphabet = "0123456789X" if position == 17 else "0123456789"
        for replacement in alphabet:
            if replacement == PUBLISHED_SAMPLE[position]:
                continue
            mutated = PUBLISHED_SAMPLE[:position] + replacement + PUBLISHED_SAMPLE[position + 1 :]
            assert check_character(mutated[:17]) != mutated[17], mutated
            with pytest.raises(ValidationFailed):
                normalize_id_number(mutated)
