"""The shape of a Companies House number."""

from __future__ import annotations

import pytest

from livinglab.organisations.companies_house import normalise_company_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01234567", "01234567"),
        ("1234567", "01234567"),  # the leading zero people drop
        (" 0123 4567 ", "01234567"),
        ("SC123456", "SC123456"),
        ("sc123456", "SC123456"),
        ("ni 012345", "NI012345"),
        ("OC301540", "OC301540"),
        ("SO305196", "SO305196"),
        ("NC000123", "NC000123"),
        ("R0000123", "R0000123"),
        ("FC012345", "FC012345"),
        ("LP012345", "LP012345"),
        ("CE000001", "CE000001"),
    ],
)
def test_good_numbers_are_normalised(raw, expected):
    assert normalise_company_number(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "123456",  # too short to pad
        "123456789",  # too long
        "XX123456",  # not a prefix Companies House uses
        "SC12345",  # prefix and five digits
        "SC1234567",
        "S1234567",
        "SC12345A",
        "0123456A",
        "٠١٢٣٤٥٦٧",  # digits, but not ASCII ones
        "R1000123",
    ],
)
def test_other_shapes_are_refused(raw):
    assert normalise_company_number(raw) is None
