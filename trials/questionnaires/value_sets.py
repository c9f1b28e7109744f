"""EQ-5D-5L value sets: loading a country's published set and looking up an index value.

No value set is shipped: which one a trial uses (for England, NICE's current position) is
an analysis decision recorded in its analysis plan. See ``docs/questionnaires.md``.

Two file formats are read:

* CSV with a header ``profile,value`` (``index`` or ``utility`` also accepted for the value
  column) and one row for each of the 3,125 profiles. Any value set, including a mapping
  (crosswalk) to EQ-5D-3L values, can be written this way.
* JSON, either ``{"name", "country", "source", "values": {"11111": 1.0, …}}`` with all
  3,125 profiles, or an additive model::

      {"name": "…", "country": "…", "source": "…", "model": "additive",
       "intercept": 1.0,                 # optional, default 1
       "constant_if_any_problem": 0.0,   # optional: subtracted unless the state is 11111
       "decrements": {"MO": [0, d2, d3, d4, d5], "SC": […], "UA": […], "PD": […],
                      "AD": […]}}

  giving value = intercept − constant (if not 11111) − Σ decrement[dimension][level − 1].
  Value sets with interaction terms must be supplied as a full table.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from trials.questionnaires.errors import InvalidProfileError, ValueSetError

#: The dimensions in profile order.
EQ5D_DIMENSIONS = ("MO", "SC", "UA", "PD", "AD")
_PROFILE = re.compile(r"[1-5]{5}")
ALL_PROFILES = tuple("".join(p) for p in itertools.product("12345", repeat=5))


@dataclass(frozen=True)
class ValueSet:
    name: str
    country: str
    source: str
    #: Every one of the 3,125 profiles mapped to its index value.
    values: Mapping[str, float]


def check_profile(profile: str) -> str:
    """``profile`` if it is five digits from 1 to 5, else ``InvalidProfileError``."""
    if not isinstance(profile, str) or not _PROFILE.fullmatch(profile):
        raise InvalidProfileError(
            f"{profile!r} is not an EQ-5D-5L profile: five levels from 1 to 5, e.g. '11223'."
        )
    return profile


def index_value(profile: str, value_set: ValueSet) -> float:
    """The index value of a health-state profile in a loaded value set.

    Raises:
        InvalidProfileError: ``profile`` is not five digits from 1 to 5.
    """
    return value_set.values[check_profile(profile)]


def load_value_set(path: Path | str) -> ValueSet:
    """Read a value set from a ``.csv`` or ``.json`` file (formats in the module docstring).

    Raises:
        ValueSetError: the file is unreadable, malformed, or does not cover all 3,125
            profiles with finite numbers.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ValueSetError(f"Cannot read value set {path}: {e}") from e
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _complete(path, path.stem, "", "", _read_csv(path, text))
    if suffix == ".json":
        return _read_json(path, text)
    raise ValueSetError(f"{path}: a value set must be a .csv or .json file.")


def _read_csv(path: Path, text: str) -> dict[str, float]:
    reader = csv.DictReader(text.splitlines())
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    value_field = next((f for f in ("value", "index", "utility") if f in fields), None)
    if "profile" not in fields or value_field is None:
        raise ValueSetError(f"{path}: the header must be 'profile,value'.")
    values: dict[str, float] = {}
    for line_no, row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        profile = row["profile"]
        if profile in values:
            raise ValueSetError(f"{path} line {line_no}: profile {profile} appears twice.")
        values[profile] = _number(row[value_field], f"{path} line {line_no}")
    return values


def _read_json(path: Path, text: str) -> ValueSet:
    try:
        data = json.loads(text)
    except ValueError as e:
        raise ValueSetError(f"{path} is not valid JSON: {e}") from e
    if not isinstance(data, dict):
        raise ValueSetError(f"{path}: expected a JSON object.")
    name = str(data.get("name") or path.stem)
    country, source = str(data.get("country", "")), str(data.get("source", ""))
    if data.get("model") == "additive":
        return _complete(path, name, country, source, _additive(path, data))
    raw = data.get("values")
    if not isinstance(raw, dict):
        raise ValueSetError(f"{path}: expected 'values' or 'model': 'additive'.")
    values = {str(k): _number(v, f"{path} profile {k}") for k, v in raw.items()}
    return _complete(path, name, country, source, values)


def _additive(path: Path, data: dict) -> dict[str, float]:
    decrements = data.get("decrements")
    if not isinstance(decrements, dict) or set(decrements) != set(EQ5D_DIMENSIONS):
        raise ValueSetError(f"{path}: decrements must be given for {', '.join(EQ5D_DIMENSIONS)}.")
    table: list[list[float]] = []
    for dim in EQ5D_DIMENSIONS:
        levels = decrements[dim]
        if not isinstance(levels, list) or len(levels) != 5:
            raise ValueSetError(f"{path}: {dim} needs five decrements, one per level.")
        table.append([_number(x, f"{path} {dim}") for x in levels])
    intercept = _number(data.get("intercept", 1.0), f"{path} intercept")
    constant = _number(data.get("constant_if_any_problem", 0.0), f"{path} constant")
    return {
        profile: intercept
        - (constant if profile != "11111" else 0.0)
        - math.fsum(table[d][int(level) - 1] for d, level in enumerate(profile))
        for profile in ALL_PROFILES
    }


def _number(value: object, where: str) -> float:
    if isinstance(value, bool):
        raise ValueSetError(f"{where}: {value!r} is not a number.")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueSetError(f"{where}: {value!r} is not a number.") from None
    if not math.isfinite(number):
        raise ValueSetError(f"{where}: {value!r} is not a finite number.")
    return number


def _complete(
    path: Path, name: str, country: str, source: str, values: dict[str, float]
) -> ValueSet:
    if bad := sorted(p for p in values if not _PROFILE.fullmatch(p)):
        raise ValueSetError(f"{path}: not EQ-5D-5L profiles: {', '.join(bad[:5])}.")
    if missing := [p for p in ALL_PROFILES if p not in values]:
        raise ValueSetError(
            f"{path}: {len(missing)} of 3125 profiles have no value (first: {missing[0]})."
        )
    return ValueSet(name, country, source, MappingProxyType(dict(values)))
