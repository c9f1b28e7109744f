"""The shape of an instrument: items, response options, bands, missing-data rule, licence."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class ScoringMethod(enum.StrEnum):
    #: Sum of the item values (WEMWBS, PHQ-9, GAD-7).
    SUM = "sum"
    #: Sum of the item values, then the raw-to-metric conversion table (SWEMWBS).
    SUM_THEN_METRIC = "sum_then_metric"
    #: A five-digit health-state profile plus the VAS; no score without a value set.
    EQ5D_PROFILE = "eq5d_profile"


@dataclass(frozen=True)
class ResponseOption:
    value: int
    label: str


@dataclass(frozen=True)
class Item:
    """One question.

    An item offers either a list of ``options`` or, like the EQ VAS, any whole number in
    ``value_range`` (inclusive).
    """

    code: str
    text: str
    options: tuple[ResponseOption, ...] = ()
    value_range: tuple[int, int] | None = None
    #: A short, freely reproducible name (e.g. "Mobility"); the text may be licensed.
    label: str = ""
    #: False for items asked but not added to the total (the PHQ-9 difficulty question).
    is_scored: bool = True
    #: An answer at or above ``safety_threshold`` must be seen by staff.
    is_safety_item: bool = False
    safety_threshold: int = 1
    safety_message: str = ""
    #: For a short form, the item of the long form it is taken from.
    source_item: str | None = None

    def __post_init__(self) -> None:
        if bool(self.options) == (self.value_range is not None):
            raise ValueError(f"Item {self.code} needs exactly one of options or value_range.")

    @property
    def min_value(self) -> int:
        return self.value_range[0] if self.value_range else min(o.value for o in self.options)

    @property
    def max_value(self) -> int:
        return self.value_range[1] if self.value_range else max(o.value for o in self.options)

    def allows(self, value: object) -> bool:
        """Whether ``value`` is an allowed answer (a whole number, never a bool)."""
        if isinstance(value, bool) or not isinstance(value, int):
            return False
        if self.value_range is not None:
            return self.value_range[0] <= value <= self.value_range[1]
        return any(o.value == value for o in self.options)

    def allowed_description(self) -> str:
        if self.value_range is not None:
            return f"a whole number from {self.value_range[0]} to {self.value_range[1]}"
        return "one of " + ", ".join(str(o.value) for o in self.options)


@dataclass(frozen=True)
class Band:
    """A named score range, inclusive at both ends."""

    code: str
    label: str
    low: int
    high: int

    def contains(self, total: float) -> bool:
        return self.low <= total <= self.high


@dataclass(frozen=True)
class MissingDataRule:
    """How many scored items may be unanswered and still give a (prorated) total.

    ``max_missing == 0`` means the instrument is scored only when every scored item is
    answered. Otherwise the total is prorated: sum of answered items × number of scored
    items / number answered, rounded half up to a whole number.
    """

    max_missing: int
    source: str


@dataclass(frozen=True)
class Licence:
    owner: str
    summary: str
    is_licence_required: bool
    #: True when the item wording may not be reproduced here; the data then carries
    #: placeholders and the wording is loaded from the licensed version.
    is_text_licensed: bool
    url: str


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    version: str
    recall_period: str
    instructions: str
    items: tuple[Item, ...]
    scoring: ScoringMethod
    score_range: tuple[float, float]
    missing_rule: MissingDataRule
    licence: Licence
    scoring_source: str
    bands: tuple[Band, ...] = ()
    #: Item codes scored in reverse (min + max − value). None of the five shipped
    #: instruments has any: every WEMWBS/SWEMWBS item is positively worded, and every
    #: PHQ-9, GAD-7 and EQ-5D-5L item is worded so that a higher value means more problems.
    reverse_scored_items: tuple[str, ...] = ()
    #: Short-form subscales: name -> item codes (e.g. PHQ-2 inside the PHQ-9).
    subscales: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: False while item texts are placeholders for licensed wording.
    has_licensed_text: bool = True
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        codes = [i.code for i in self.items]
        if len(codes) != len(set(codes)):
            raise ValueError(f"Instrument {self.code} has duplicate item codes.")
        unknown = set(self.reverse_scored_items) - set(codes)
        if unknown:
            raise ValueError(f"Instrument {self.code}: unknown reverse items {sorted(unknown)}.")

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.is_scored)

    def item(self, code: str) -> Item:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)

    def band_for(self, total: float) -> Band | None:
        return next((b for b in self.bands if b.contains(total)), None)
