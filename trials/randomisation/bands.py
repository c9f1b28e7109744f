"""Age bands used for minimisation and in reports: one definition for the whole lab."""

from __future__ import annotations

import datetime as dt

#: (label, youngest age in the band); each band runs to the next band's youngest age.
AGE_BANDS: tuple[tuple[str, int], ...] = (
    ("18-34", 18),
    ("35-49", 35),
    ("50-64", 50),
    ("65-74", 65),
    ("75+", 75),
)
AGE_BAND_LABELS: tuple[str, ...] = tuple(label for label, _ in AGE_BANDS)


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Completed years of age on ``day`` (someone born on 29 February ages on 1 March)."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def age_band(date_of_birth: dt.date, day: dt.date) -> str:
    """The band (``"65-74"``) of someone born on ``date_of_birth``, on ``day``.

    Raises:
        ValueError: the person is under 18 on ``day`` (the registry holds adults only).
    """
    age = age_on(date_of_birth, day)
    if age < AGE_BANDS[0][1]:
        raise ValueError(f"Age bands start at 18; this person is {age}.")
    return next(label for label, youngest in reversed(AGE_BANDS) if age >= youngest)
