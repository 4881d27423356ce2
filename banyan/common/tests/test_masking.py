from __future__ import annotations

from banyan.common.masking import mask_id_number, mask_phone


def test_it_masks_an_id_number_to_its_region_and_last_two_characters():
    assert mask_id_number("530802199001011234") == "5308************34"


def test_it_keeps_the_x_check_character_visible():
    assert mask_id_number("53080219900101123X") == "5308************3X"


def test_a_masked_id_number_keeps_its_length():
    assert len(mask_id_number("11010519491231002X")) == 18


def test_a_masked_id_number_hides_the_birth_date():
    assert "19900101" not in mask_id_number("530802199001011234")


def test_it_masks_a_phone_to_its_prefix_and_last_four_digits():
    assert mask_phone("13812345678") == "138****5678"


def test_empty_values_stay_empty():
    assert mask_id_number("") == ""
    assert mask_phone("") == ""
    assert mask_id_number(None) == ""  # type: ignore[arg-type]
    assert mask_phone(None) == ""  # type: ignore[arg-type]
