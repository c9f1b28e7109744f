"""Ethnic groups as the ONS 2021 Census for England and Wales asks them: 19 groups in 5 sections.

Stored as a short code. The answer is optional and is used only to check that studies
include a fair mix of people.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EthnicSection:
    """One of the five high-level groups, with its detailed groups as (code, label)."""

    code: str
    label: str
    groups: tuple[tuple[str, str], ...]


ETHNIC_SECTIONS: tuple[EthnicSection, ...] = (
    EthnicSection(
        "asian",
        "Asian, Asian British or Asian Welsh",
        (
            ("asian_bangladeshi", "Bangladeshi"),
            ("asian_chinese", "Chinese"),
            ("asian_indian", "Indian"),
            ("asian_pakistani", "Pakistani"),
            ("asian_other", "Any other Asian background"),
        ),
    ),
    EthnicSection(
        "black",
        "Black, Black British, Black Welsh, Caribbean or African",
        (
            ("black_african", "African"),
            ("black_caribbean", "Caribbean"),
            ("black_other", "Any other Black, Black British or Caribbean background"),
        ),
    ),
    EthnicSection(
        "mixed",
        "Mixed or multiple ethnic groups",
        (
            ("mixed_white_asian", "White and Asian"),
            ("mixed_white_black_african", "White and Black African"),
            ("mixed_white_black_caribbean", "White and Black Caribbean"),
            ("mixed_other", "Any other mixed or multiple ethnic background"),
        ),
    ),
    EthnicSection(
        "white",
        "White",
        (
            ("white_british", "English, Welsh, Scottish, Northern Irish or British"),
            ("white_irish", "Irish"),
            ("white_gypsy_traveller", "Gypsy or Irish Traveller"),
            ("white_roma", "Roma"),
            ("white_other", "Any other White background"),
        ),
    ),
    EthnicSection(
        "other",
        "Other ethnic group",
        (
            ("other_arab", "Arab"),
            ("other_any", "Any other ethnic group"),
        ),
    ),
)

NOT_SAID = "prefer_not_to_say"

#: Every code that may be stored, with its label, in the order the form shows them.
ETHNIC_GROUPS: dict[str, str] = {
    **{code: label for section in ETHNIC_SECTIONS for code, label in section.groups},
    NOT_SAID: "Prefer not to say",
}
