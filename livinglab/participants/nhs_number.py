"""The NHS number check digit (modulus 11)."""

from __future__ import annotations

import re

NHS_NUMBER_MESSAGE = "Enter a valid NHS number, like 943 476 5919"


def normalise_nhs_number(raw: str) -> str:
    """``raw`` without spaces, e.g. ``943 476 5919`` -> ``9434765919``."""
    return re.sub(r"\s+", "", raw)


def is_valid_nhs_number(raw: str) -> bool:
    """True for ten digits (spaces allowed) whose last digit is the modulus 11 check digit.

    Weights 10 down to 2 apply to the first nine digits; the check digit is
    ``11 - (sum mod 11)``, where 11 means 0 and 10 means the number cannot be valid.
    """
    digits = normalise_nhs_number(raw)
    if not re.fullmatch(r"[0-9]{10}", digits):
        return False
    weights = range(10, 1, -1)
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], weights, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])
