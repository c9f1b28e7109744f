"""What each design, visit schedule and set of outcome measures must satisfy.

Pure: plain drafts in, :class:`~livinglab.errors.InvalidInput` out. Field names follow the
step forms (``arms-<i>-ratio``, where ``i`` counts the rows that were filled in), so the
view can put each message by its box. The checklist reuses :func:`design_problem`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from livinglab.errors import InvalidInput
from trials.proposals.models import MeasureType, TrialDesign
from trials.questionnaires.instruments import INSTRUMENTS

MAX_SITE_TARGET = 2000
#: A visit may be this many days either side of its planned day, at most.
MAX_VISIT_WINDOW = 60
MAX_ARMS, MAX_VISITS, MAX_MEASURES = 4, 8, 6
MAX_RATIO = 5
#: Visits are planned within two years of the baseline.
MAX_VISIT_DAY = 730


@dataclass(frozen=True)
class ArmDraft:
    name: str
    ratio: int = 1
    is_control: bool = False
    description: str = ""


@dataclass(frozen=True)
class DesignDraft:
    design: TrialDesign
    arms: tuple[ArmDraft, ...]
    #: Crossover only; ignored (and cleared) for the other designs.
    washout_days: int | None = None


@dataclass(frozen=True)
class VisitDraft:
    name: str
    day_offset: int
    window_days: int = 0


@dataclass(frozen=True)
class MeasureDraft:
    name: str
    unit: str
    type: MeasureType
    min_value: float | None
    max_value: float | None
    is_primary: bool = False
    minimal_important_difference: float | None = None
    lower_is_better: bool = False
    #: A :data:`~trials.questionnaires.instruments.INSTRUMENTS` code, or ``None``.
    instrument: str | None = None
    #: Ids of the trial's visits where it is taken; empty means every visit.
    visit_ids: tuple[int, ...] = ()


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _duplicate(names: Sequence[str]) -> int | None:
    """Index of the first name that repeats an earlier one (ignoring case), or ``None``."""
    seen: set[str] = set()
    for index, name in enumerate(names):
        key = name.strip().casefold()
        if key in seen:
            return index
        seen.add(key)
    return None


def design_problem(
    design: TrialDesign, arms: Sequence[ArmDraft], washout_days: int | None
) -> tuple[str, str] | None:
    """``(field, message)`` for the first thing wrong with the design, or ``None``."""
    controls = [i for i, arm in enumerate(arms) if arm.is_control]
    if design is TrialDesign.PARALLEL_RCT:
        if not 2 <= len(arms) <= MAX_ARMS:
            return "arms", f"A parallel trial needs 2 to {MAX_ARMS} arms"
        if not controls:
            return "arms", "Mark one arm as the control arm"
        if len(controls) > 1:
            return f"arms-{controls[1]}-is_control", "Only one arm can be the control arm"
    elif design is TrialDesign.SINGLE_ARM:
        if len(arms) != 1:
            return "arms", "A single-arm trial has exactly one arm"
        if controls:
            return "arms-0-is_control", "A single-arm trial has no control arm: untick it"
    else:
        if len(arms) != 2:
            return "arms", "A crossover trial has exactly 2 arms"
        if len(controls) > 1:
            return "arms-1-is_control", "Only one arm can be the control arm"
        if washout_days is None or washout_days < 1:
            return "washout_days", "Enter a washout of 1 day or more between the two periods"
    return None


def check_design(draft: DesignDraft) -> None:
    """Raises ``InvalidInput`` on ``design``, ``arms``, ``arms-<i>-<part>`` or ``washout_days``."""
    if draft.design not in TrialDesign:
        raise InvalidInput("design", "Select the trial's design")
    for index, arm in enumerate(draft.arms):
        if not arm.name.strip():
            raise InvalidInput(f"arms-{index}-name", f"Enter a name for arm {index + 1}")
        if not 1 <= arm.ratio <= MAX_RATIO:
            raise InvalidInput(
                f"arms-{index}-ratio",
                f"Allocation ratio must be a whole number from 1 to {MAX_RATIO}",
            )
    repeated = _duplicate([arm.name for arm in draft.arms])
    if repeated is not None:
        raise InvalidInput(f"arms-{repeated}-name", "Each arm needs a different name")
    if draft.washout_days is not None and not 0 <= draft.washout_days <= MAX_VISIT_DAY:
        raise InvalidInput("washout_days", f"Washout must be between 1 and {MAX_VISIT_DAY} days")
    problem = design_problem(draft.design, draft.arms, draft.washout_days)
    if problem:
        raise InvalidInput(*problem)


def check_visits(visits: Sequence[VisitDraft]) -> None:
    """The first visit is the baseline on day 0; later ones come in order, windows apart.

    Raises ``InvalidInput`` on ``visits`` or ``visits-<i>-<part>``.
    """
    if not visits:
        raise InvalidInput("visits", "Enter the baseline visit, at least")
    for index, visit in enumerate(visits):
        if not visit.name.strip():
            raise InvalidInput(f"visits-{index}-name", f"Enter a name for visit {index + 1}")
        if not 0 <= visit.window_days <= MAX_VISIT_WINDOW:
            raise InvalidInput(
                f"visits-{index}-window_days",
                f"A visit window must be between 0 and {MAX_VISIT_WINDOW} days",
            )
    if visits[0].day_offset != 0:
        raise InvalidInput("visits-0-day_offset", "The first visit is the baseline: its day is 0")
    repeated = _duplicate([visit.name for visit in visits])
    if repeated is not None:
        raise InvalidInput(f"visits-{repeated}-name", "Each visit needs a different name")
    for index, (before, after) in enumerate(pairwise(visits), start=1):
        if not before.day_offset < after.day_offset <= MAX_VISIT_DAY:
            raise InvalidInput(
                f"visits-{index}-day_offset",
                f"List visits in day order: each one later than the one before, and by day "
                f"{MAX_VISIT_DAY}",
            )
        if before.day_offset + before.window_days >= after.day_offset - after.window_days:
            raise InvalidInput(
                f"visits-{index}-window_days",
                f"The window of {after.name.strip()} must not overlap the window of "
                f"{before.name.strip()}: make the windows narrower or the visits further apart",
            )


def with_instrument_defaults(measure: MeasureDraft) -> MeasureDraft:
    """A questionnaire measure takes the questionnaire's score range and unit when left empty."""
    instrument = INSTRUMENTS.get(measure.instrument or "")
    if instrument is None:
        return measure
    low, high = instrument.score_range
    return MeasureDraft(
        **{
            **measure.__dict__,
            "unit": measure.unit.strip() or "points",
            "min_value": low if measure.min_value is None else measure.min_value,
            "max_value": high if measure.max_value is None else measure.max_value,
        }
    )


def check_measures(measures: Sequence[MeasureDraft], visit_ids: set[int]) -> None:
    """Names differ, ranges make sense, exactly one primary, visits from this trial.

    Raises ``InvalidInput`` on ``measures`` or ``measures-<i>-<part>``.
    """
    for index, measure in enumerate(measures):
        _check_measure(index, measure, visit_ids)
    repeated = _duplicate([measure.name for measure in measures])
    if repeated is not None:
        raise InvalidInput(f"measures-{repeated}-name", "Each measure needs a different name")
    primaries = [i for i, measure in enumerate(measures) if measure.is_primary]
    if not primaries:
        raise InvalidInput(
            "measures-0-is_primary" if measures else "measures",
            "Mark one measure as the primary outcome",
        )
    if len(primaries) > 1:
        raise InvalidInput(
            f"measures-{primaries[1]}-is_primary", "Only one measure can be the primary outcome"
        )


def _check_measure(index: int, measure: MeasureDraft, visit_ids: set[int]) -> None:
    def refuse(part: str, message: str) -> InvalidInput:
        return InvalidInput(f"measures-{index}-{part}", message)

    if not measure.name.strip():
        raise refuse("name", f"Enter a name for measure {index + 1}")
    if not measure.unit.strip():
        raise refuse("unit", f"Enter the unit of {measure.name.strip()}")
    if measure.type not in MeasureType:
        raise refuse("type", "Select the type of measure")
    if measure.instrument is not None and measure.instrument not in INSTRUMENTS:
        raise refuse("instrument", "Select a questionnaire from the list")
    if measure.min_value is None:
        raise refuse("min_value", f"Enter the lowest valid value of {measure.name.strip()}")
    if measure.max_value is None:
        raise refuse("max_value", f"Enter the highest valid value of {measure.name.strip()}")
    if measure.min_value >= measure.max_value:
        raise refuse("max_value", "The highest valid value must be above the lowest")
    mid = measure.minimal_important_difference
    if mid is not None and mid <= 0:
        raise refuse(
            "minimal_important_difference", "Minimal important difference must be more than 0"
        )
    if not set(measure.visit_ids) <= visit_ids:
        raise refuse("visit_ids", "Select visits from this trial's schedule")


def visit_code(name: str, taken: set[str]) -> str:
    """A stable machine name for a visit (``Week 12`` -> ``week_12``), unique in ``taken``."""
    base = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")[:30] or "visit"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def same_name(a: str, b: str) -> bool:
    return _same(a, b)
