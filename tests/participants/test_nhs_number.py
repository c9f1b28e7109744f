"""The NHS number modulus 11 check."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livinglab.participants.nhs_number import is_valid_nhs_number

VALID = ["9434765919", "943 476 5919", " 943 476 5919 ", "4010232137", "0000000000", "9990000026"]
INVALID = [
    "9434765918",  # wrong check digit
    "943476591",  # nine digits
    "94347659190",  # eleven digits
    "943-476-5919",  # dashes
    "94347659l9",  # a letter
    "",
    "0000000060",  # the check digit would be 10, so no last digit is valid
    "٩٤٣٤٧٦٥٩١٩",  # non-ASCII digits
]


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers_pass(number):
    assert is_valid_nhs_number(number)


@pytest.mark.parametrize("number", INVALID)
def test_invalid_numbers_fail(number):
    assert not is_valid_nhs_number(number)


def check_digit(first_nine: str) -> int:
    total = sum(int(d) * (10 - i) for i, d in enumerate(first_nine))
    return (11 - total % 11) % 11


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_exactly_one_last_digit_is_valid_unless_the_check_is_ten(first_nine):
    passing = [d for d in "0123456789" if is_valid_nhs_number(first_nine + d)]
    if check_digit(first_nine) == 10:
        assert passing == []
    else:
        assert passing == [str(check_digit(first_nine))]


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_spaces_do_not_change_the_answer(number):
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    assert is_valid_nhs_number(spaced) == is_valid_nhs_number(number)
