"""How many participants a two-arm trial needs: pure arithmetic over statsmodels.

No Flask and no database: numbers in, a frozen :class:`SampleSize` out. Two designs:

- a measurement compared by its mean (two-sample t-test): the minimal important
  difference and the standard deviation give Cohen's *d* = MID / SD, and
  ``statsmodels.stats.power.TTestIndPower`` solves for the control arm's size;
- a yes/no outcome compared by its proportion (two-sample z-test on the arcsine scale):
  ``proportion_effectsize`` gives Cohen's *h* and ``NormalIndPower`` solves.

The intervention arm has ``ratio`` participants for each one in the control arm. Each
arm is rounded up, then inflated for the expected drop-out (``n / (1 - dropout)``) and
rounded up again. Tests are two-sided.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

#: Effects smaller than this need tens of thousands of people: not a Living Lab trial.
MIN_EFFECT_SIZE = 0.05
#: Above this the arithmetic is meaningless (two or three people per arm).
MAX_EFFECT_SIZE = 5.0
MAX_DROPOUT = 0.5
MIN_RATIO, MAX_RATIO = 0.25, 4.0
ALPHAS = (0.05, 0.01)
POWERS = (0.8, 0.9)
#: Solutions within this of a whole number are that number (so 64.0000000001 is 64).
ROUNDING_SLACK = 1e-9


class SampleSizeError(ValueError):
    """A value the calculation cannot use; ``field`` names the input it came from."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class SampleSize:
    """The answer: participants per arm and in total, before and after drop-out."""

    method: str
    #: Cohen's d (means) or h (proportions), as a positive number.
    effect_size: float
    alpha: float
    power: float
    ratio: float
    dropout: float
    control_before_dropout: int
    intervention_before_dropout: int
    control: int
    intervention: int
    explanation: str

    @property
    def total(self) -> int:
        """Participants to recruit, drop-out allowed for."""
        return self.control + self.intervention

    @property
    def total_before_dropout(self) -> int:
        return self.control_before_dropout + self.intervention_before_dropout

    def as_dict(self) -> dict[str, float | int | str]:
        """The parameters and answer, for the audit trail."""
        return {**asdict(self), "total": self.total}


def _round_up(value: float) -> int:
    return math.ceil(value - ROUNDING_SLACK)


def _check_common(alpha: float, power: float, ratio: float, dropout: float) -> None:
    if alpha not in ALPHAS:
        raise SampleSizeError("alpha", "Choose a significance level of 5% or 1%")
    if power not in POWERS:
        raise SampleSizeError("power", "Choose a power of 80% or 90%")
    if not MIN_RATIO <= ratio <= MAX_RATIO:
        raise SampleSizeError(
            "ratio", "The allocation ratio must be between 0.25 and 4 (1 means equal arms)"
        )
    if not 0 <= dropout <= MAX_DROPOUT:
        raise SampleSizeError("dropout", "Expected drop-out must be between 0% and 50%")


def _check_effect(effect: float, field: str) -> float:
    size = abs(effect)
    if size < MIN_EFFECT_SIZE:
        raise SampleSizeError(
            field,
            "The difference is too small for a trial here: it is under 0.05 standard "
            "deviations and would need tens of thousands of participants",
        )
    if size > MAX_EFFECT_SIZE:
        raise SampleSizeError(
            field, "The difference is more than 5 standard deviations: check the numbers"
        )
    return size


def _arms(nobs1: float, ratio: float, dropout: float) -> tuple[int, int, int, int]:
    control, intervention = _round_up(nobs1), _round_up(nobs1 * ratio)
    return (
        control,
        intervention,
        _round_up(control / (1 - dropout)),
        _round_up(intervention / (1 - dropout)),
    )


def _percent(value: float) -> str:
    return f"{value * 100:g}%"


def _ratio_words(ratio: float) -> str:
    return "1:1 (equal arms)" if ratio == 1 else f"1:{ratio:g} (control:intervention)"


def _answer_words(arms: tuple[int, int, int, int], ratio: float, dropout: float) -> str:
    control, intervention, control_out, intervention_out = arms
    if ratio == 1:
        need = f"{control} participants in each arm ({control + intervention} in total)"
        recruit = f"{control_out} in each arm: {control_out + intervention_out} in total"
    else:
        need = (
            f"{control} in the control arm and {intervention} in the intervention arm "
            f"({control + intervention} in total)"
        )
        recruit = (
            f"{control_out} in the control arm and {intervention_out} in the intervention "
            f"arm: {control_out + intervention_out} in total"
        )
    if dropout == 0:
        return f"The trial needs {need}. No drop-out was allowed for."
    return (
        f"The trial needs {need} to complete it. Allowing for {_percent(dropout)} "
        f"drop-out, recruit {recruit}."
    )


def for_means(
    mid: float,
    sd: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    dropout: float = 0.0,
    unit: str = "",
) -> SampleSize:
    """Participants needed to detect a difference in means of ``mid`` (two-sample t-test).

    Args:
        mid: the minimal important difference, in the outcome's unit (sign ignored).
        sd: the outcome's standard deviation, same unit, more than 0.
        alpha: two-sided significance level, 0.05 or 0.01.
        power: 0.8 or 0.9.
        ratio: intervention participants per control participant (``nobs2 / nobs1``).
        dropout: the fraction expected to leave before the outcome is measured, 0 to 0.5.
        unit: the outcome's unit, for the explanation only.

    Raises:
        SampleSizeError: a value is out of range (``field`` is ``mid``, ``sd``, ...).
    """
    if sd <= 0:
        raise SampleSizeError("sd", "The standard deviation must be more than 0")
    if mid == 0:
        raise SampleSizeError("mid", "The difference to detect must not be 0")
    _check_common(alpha, power, ratio, dropout)
    d = _check_effect(mid / sd, "mid")
    nobs1 = TTestIndPower().solve_power(
        effect_size=d, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    arms = _arms(float(nobs1), ratio, dropout)
    unit_words = f" {unit}" if unit else ""
    explanation = (
        f"To detect a difference of {abs(mid):g}{unit_words} when the standard deviation is "
        f"{sd:g}{unit_words} (effect size d = {d:.2f}), with {_percent(power)} power, a "
        f"two-sided {_percent(alpha)} significance level and {_ratio_words(ratio)} "
        f"allocation, using a two-sample t-test: {_answer_words(arms, ratio, dropout)}"
    )
    return SampleSize("Two-sample t-test", d, alpha, power, ratio, dropout, *arms, explanation)


def for_proportions(
    control_proportion: float,
    intervention_proportion: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    dropout: float = 0.0,
) -> SampleSize:
    """Participants needed to tell two proportions apart (z-test, Cohen's h).

    Args:
        control_proportion, intervention_proportion: expected proportions with the
            outcome in each arm, strictly between 0 and 1 and different.
        alpha, power, ratio, dropout: as for :func:`for_means`.

    Raises:
        SampleSizeError: a value is out of range.
    """
    for field, value in (
        ("control_percent", control_proportion),
        ("intervention_percent", intervention_proportion),
    ):
        if not 0 < value < 1:
            raise SampleSizeError(field, "Each percentage must be between 1% and 99%")
    if control_proportion == intervention_proportion:
        raise SampleSizeError("intervention_percent", "The two percentages must be different")
    _check_common(alpha, power, ratio, dropout)
    h = _check_effect(
        float(proportion_effectsize(intervention_proportion, control_proportion)),
        "intervention_percent",
    )
    nobs1 = NormalIndPower().solve_power(
        effect_size=h, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    arms = _arms(float(nobs1), ratio, dropout)
    explanation = (
        f"To tell {_percent(control_proportion)} in the control arm from "
        f"{_percent(intervention_proportion)} in the intervention arm (effect size "
        f"h = {h:.2f}), with {_percent(power)} power, a two-sided {_percent(alpha)} "
        f"significance level and {_ratio_words(ratio)} allocation, using a two-sample "
        f"test of proportions: {_answer_words(arms, ratio, dropout)}"
    )
    return SampleSize(
        "Two-sample test of proportions", h, alpha, power, ratio, dropout, *arms, explanation
    )


def split_evenly(total: int, parts: int) -> list[int]:
    """``total`` shared as evenly as whole people allow; the first part takes what is left.

    ``split_evenly(129, 2) == [65, 64]``.
    """
    if parts < 1:
        raise ValueError("Need at least one part to split into")
    share, left = divmod(total, parts)
    return [share + left] + [share] * (parts - 1)
