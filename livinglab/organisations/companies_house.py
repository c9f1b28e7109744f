"""The shape of a Companies House company number (not whether the company exists).

A number is 8 characters: 8 digits for a company registered in England and Wales, or a
two-letter prefix naming the register (``SC`` Scotland, ``NI`` Northern Ireland, ``OC``
limited liability partnerships, ...) and 6 digits. People often drop the leading zero of
an English or Welsh number, so 7 digits are accepted and padded; nothing else is guessed.
"""

from __future__ import annotations

import re

#: The register prefixes Companies House uses before a six-digit number.
PREFIXES = frozenset(
    {
        "AC",  # assurance company (England and Wales)
        "CE",  # charitable incorporated organisation (England and Wales)
        "CS",  # charitable incorporated organisation (Scotland)
        "FC",  # overseas company
        "GE",  # European economic interest grouping
        "GN",  # European economic interest grouping (Northern Ireland)
        "GS",  # European economic interest grouping (Scotland)
        "IC",  # investment company with variable capital
        "IP",  # industrial and provident society
        "LP",  # limited partnership
        "NA",  # assurance company (Northern Ireland)
        "NC",  # limited liability partnership (Northern Ireland)
        "NF",  # overseas company (Northern Ireland)
        "NI",  # company (Northern Ireland)
        "NL",  # limited partnership (Northern Ireland)
        "NO",  # other (Northern Ireland)
        "NP",  # industrial and provident society (Northern Ireland)
        "NR",  # royal charter (Northern Ireland)
        "NV",  # investment company with variable capital (Northern Ireland)
        "NZ",  # unregistered company (Northern Ireland)
        "OC",  # limited liability partnership (England and Wales)
        "R0",  # company registered in Northern Ireland before partition
        "RC",  # royal charter
        "RS",  # registered society (Scotland)
        "SA",  # assurance company (Scotland)
        "SC",  # company (Scotland)
        "SE",  # European public limited-liability company
        "SF",  # overseas company (Scotland)
        "SI",  # investment company with variable capital (Scotland)
        "SL",  # limited partnership (Scotland)
        "SO",  # limited liability partnership (Scotland)
        "SP",  # industrial and provident society (Scotland)
        "SR",  # royal charter (Scotland)
        "SZ",  # unregistered company (Scotland)
        "ZC",  # unregistered company (England and Wales)
    }
)

COMPANY_NUMBER_MESSAGE = (
    "Enter a Companies House number in the correct format, like 01234567 or SC123456"
)

_PREFIXED = re.compile(r"^([A-Z][A-Z0-9])([0-9]{6})$")


def normalise_company_number(raw: str) -> str | None:
    """The number in Companies House form (``sc 123456`` -> ``SC123456``), or ``None``.

    Spaces are removed and letters upper-cased; a 7-digit number gets its leading zero
    back. Anything that is not 8 digits or a known prefix and 6 digits is refused.
    """
    compact = re.sub(r"\s+", "", raw).upper()
    if compact.isdigit() and len(compact) == 7:
        compact = "0" + compact
    if compact.isdigit() and len(compact) == 8 and compact.isascii():
        return compact
    match = _PREFIXED.match(compact)
    if match and match.group(1) in PREFIXES:
        return compact
    return None
