"""Scoring: answers in, a ``Score`` out, following each instrument's published rules.

Sources (also on each ``Instrument.scoring_source`` and ``missing_rule.source``):

* WEMWBS: Tennant et al. 2007 — sum of 14 items (1-5), 14-70, no reversed items.
* SWEMWBS: Stewart-Brown et al. 2009 and Warwick's raw-to-metric conversion table.
* PHQ-9: Kroenke, Spitzer & Williams 2001 — sum of 9 items (0-3), 0-27, five bands; item 9
  (thoughts of being better off dead or of self-harm) above 0 raises a safety flag.
* GAD-7: Spitzer et al. 2006 — sum of 7 items (0-3), 0-21, four bands.
* EQ-5D-5L: Herdman et al. 2011, EuroQol user guide — a five-level profile plus the VAS;
  an index value only from a loaded value set.

Missing items: WEMWBS and SWEMWBS are scored only when complete (conservative; see the
docs). PHQ-9 is prorated with up to 2 of 9 missing and GAD-7 with up to 1 of 7: total =
sum × n_items / n_answered, rounded half up. EQ-5D-5L needs all five dimensions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from trials.questionnaires.errors import InvalidAnswerError
from trials.questionnaires.instruments import SWEMWBS_METRIC, get_instrument
from trials.questionnaires.model import Band, Instrument, ScoringMethod
from trials.questionnaires.value_sets import ValueSet, index_value

Answers = Mapping[str, int | None]


@dataclass(frozen=True)
class SafetyFlag:
    """An answer staff must see and act on (e.g. PHQ-9 item 9 above 0)."""

    item_code: str
    answer: int
    message: str


@dataclass(frozen=True)
class Score:
    """The result of scoring one completed questionnaire.

    ``total`` is the score to report and analyse: the WEMWBS, PHQ-9 or GAD-7 total (prorated
    when allowed), or the SWEMWBS metric score; ``None`` when ``is_valid`` is false and for
    EQ-5D-5L, which has ``profile``, ``vas`` and (given a value set) ``index`` instead.
    ``raw_total`` is the plain sum of the answered scored items (after any reversal).
    Safety flags are raised whether or not the score is valid.
    """

    instrument: str
    version: str
    is_valid: bool
    total: float | None
    raw_total: int | None
    band: Band | None
    n_answered: int
    n_missing: int
    is_prorated: bool
    reason: str
    safety_flags: tuple[SafetyFlag, ...] = ()
    subscales: Mapping[str, int] = field(default_factory=dict)
    profile: str | None = None
    vas: int | None = None
    index: float | None = None

    @property
    def needs_safety_follow_up(self) -> bool:
        return bool(self.safety_flags)


def validate_answers(instrument: Instrument, answers: Answers) -> dict[str, int | None]:
    """Every item code mapped to its answer or ``None``, after checking each answer.

    Raises:
        InvalidAnswerError: carrying a message for every unknown item code and every answer
            the item does not allow (wrong type, out of range, not an offered value).
    """
    errors: dict[str, str] = {}
    known = {item.code for item in instrument.items}
    for code in answers:
        if code not in known:
            errors[code] = f"{instrument.code} has no item {code!r}."
    for item in instrument.items:
        value = answers.get(item.code)
        if value is not None and not item.allows(value):
            errors[item.code] = (
                f"{value!r} is not an allowed answer to {item.code}: "
                f"expected {item.allowed_description()}."
            )
    if errors:
        raise InvalidAnswerError(errors)
    return {item.code: answers.get(item.code) for item in instrument.items}


def score(
    instrument: Instrument | str,
    answers: Answers,
    *,
    allow_prorating: bool = True,
    value_set: ValueSet | None = None,
) -> Score:
    """Score one set of answers.

    Args:
        instrument: an ``Instrument`` or its code (``wemwbs``, ``swemwbs``, ``phq9``,
            ``gad7``, ``eq5d5l``).
        answers: item code -> answer value; a missing key or ``None`` is an unanswered item.
        allow_prorating: False scores only complete questionnaires (for analysis plans that
            ask for complete cases); the instrument's own rule applies otherwise.
        value_set: EQ-5D-5L only; when given, ``Score.index`` is the profile's index value.

    Raises:
        UnknownInstrumentError: ``instrument`` is an unknown code.
        InvalidAnswerError: an answer is not allowed for its item, or an item is unknown.
    """
    if isinstance(instrument, str):
        instrument = get_instrument(instrument)
    checked = validate_answers(instrument, answers)
    if instrument.scoring is ScoringMethod.EQ5D_PROFILE:
        return _score_eq5d(instrument, checked, value_set)
    return _score_sum(instrument, checked, allow_prorating=allow_prorating)


def _round_half_up(x: Fraction) -> int:
    return int(x + Fraction(1, 2)) if x >= 0 else -int(-x + Fraction(1, 2))


def _item_value(instrument: Instrument, code: str, value: int) -> int:
    if code in instrument.reverse_scored_items:
        item = instrument.item(code)
        return item.min_value + item.max_value - value
    return value


def _safety_flags(instrument: Instrument, answers: Answers) -> tuple[SafetyFlag, ...]:
    return tuple(
        SafetyFlag(item.code, value, item.safety_message)
        for item in instrument.items
        if item.is_safety_item
        and (value := answers.get(item.code)) is not None
        and value >= item.safety_threshold
    )


def _subscales(instrument: Instrument, answers: Answers) -> dict[str, int]:
    result = {}
    for name, codes in instrument.subscales:
        values = {c: v for c in codes if (v := answers.get(c)) is not None}
        if len(values) == len(codes):
            result[name] = sum(_item_value(instrument, c, v) for c, v in values.items())
    return result


def _score_sum(instrument: Instrument, answers: Answers, *, allow_prorating: bool) -> Score:
    items = instrument.scored_items
    answered = {i.code: v for i in items if (v := answers.get(i.code)) is not None}
    n_items, n_answered = len(items), len(answered)
    n_missing = n_items - n_answered
    raw = sum(_item_value(instrument, c, v) for c, v in answered.items())
    allowed_missing = instrument.missing_rule.max_missing if allow_prorating else 0
    common = {
        "instrument": instrument.code,
        "version": instrument.version,
        "n_answered": n_answered,
        "n_missing": n_missing,
        "safety_flags": _safety_flags(instrument, answers),
        "subscales": _subscales(instrument, answers),
    }
    if n_answered == 0 or n_missing > allowed_missing:
        reason = f"{n_missing} of {n_items} items unanswered; {instrument.name} is scored only " + (
            "when every item is answered."
            if allowed_missing == 0
            else f"with at most {allowed_missing} unanswered."
        )
        return Score(
            is_valid=False, total=None, raw_total=None, band=None,
            is_prorated=False, reason=reason, **common,
        )  # fmt: skip
    is_prorated = n_missing > 0
    total: float = _round_half_up(Fraction(raw * n_items, n_answered)) if is_prorated else raw
    reason = (
        f"Prorated from {n_answered} of {n_items} items (sum × {n_items} / {n_answered})."
        if is_prorated
        else ""
    )
    if instrument.scoring is ScoringMethod.SUM_THEN_METRIC:
        total = SWEMWBS_METRIC[raw]
    return Score(
        is_valid=True, total=total, raw_total=raw, band=instrument.band_for(total),
        is_prorated=is_prorated, reason=reason, **common,
    )  # fmt: skip


def _score_eq5d(instrument: Instrument, answers: Answers, value_set: ValueSet | None) -> Score:
    dimensions = [i for i in instrument.items if i.options]
    levels = [answers.get(i.code) for i in dimensions]
    vas = answers.get("eq5d_vas")
    missing = [i.label for i, level in zip(dimensions, levels, strict=True) if level is None]
    n_missing = len(missing) + (vas is None)
    profile = None if missing else "".join(str(level) for level in levels)
    reasons = []
    if missing:
        reasons.append(f"No level for {', '.join(missing)}: the profile is incomplete.")
    if vas is None:
        reasons.append("The EQ VAS was not answered.")
    return Score(
        instrument=instrument.code,
        version=instrument.version,
        is_valid=profile is not None,
        total=None,
        raw_total=None,
        band=None,
        n_answered=len(instrument.items) - n_missing,
        n_missing=n_missing,
        is_prorated=False,
        reason=" ".join(reasons),
        profile=profile,
        vas=vas,
        index=index_value(profile, value_set) if profile and value_set else None,
    )
