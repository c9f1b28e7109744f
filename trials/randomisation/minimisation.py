"""Pocock-Simon minimisation: the pure choice of arm for the next participant.

No database and no Flask here, so the rule is tested on its own (with hypothesis) and an
auditor can replay any allocation from the audit event: the counts, the arm ratios and
the two recorded draws give the same arm again.

For each factor (site, age band, sex) we know how many earlier participants at the new
participant's level of that factor went to each arm. For each candidate arm we add the
new participant to it, divide every arm's count by its ratio (so 2:1 counts as balanced
when one arm has twice the other), and measure the imbalance of those weighted counts:

* ``range``: largest minus smallest weighted count (Pocock and Simon's first choice);
* ``variance``: the population variance of the weighted counts.

The candidate's score is the sum over the factors (equal weights). The arm(s) with the
lowest score are preferred; with probability ``p_preferred`` (0.8) the allocation goes to
a preferred arm, otherwise to one of the others. Within the chosen group the arm is drawn
in proportion to the arms' ratios, so ties are broken at random and respect the ratio.
When every arm scores the same (the first participant, for example) the choice is simply
random in proportion to the ratios.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence
from dataclasses import dataclass

#: Probability of taking a preferred (imbalance-minimising) arm.
P_PREFERRED = 0.8


class ImbalanceMeasure(enum.StrEnum):
    RANGE = "range"
    VARIANCE = "variance"


@dataclass(frozen=True)
class Minimised:
    """The choice and everything needed to check it."""

    #: Index of the chosen arm (in the order of ``ratios``).
    arm: int
    #: Total imbalance per candidate arm, if the participant went to that arm.
    scores: tuple[float, ...]
    #: The arms with the lowest score.
    preferred: tuple[int, ...]
    #: Whether the allocation went to a preferred arm.
    took_preferred: bool
    #: (draw deciding preferred or not, draw picking the arm within the group), each in [0, 1).
    draws: tuple[float, float]


def draws_for(seed: int | str, sequence_no: int) -> tuple[float, float]:
    """The two uniform draws for the ``sequence_no``-th minimised allocation of a trial.

    Derived from the trial's recorded seed and the position in the enrolment sequence
    only, so they can be recomputed by anyone holding the seed.
    """
    rng = random.Random(f"{seed}:minimisation:{sequence_no}")
    return rng.random(), rng.random()


def imbalance(weighted: Sequence[float], measure: ImbalanceMeasure) -> float:
    """The spread of one factor level's ratio-weighted counts across arms."""
    if measure is ImbalanceMeasure.RANGE:
        return max(weighted) - min(weighted)
    mean = sum(weighted) / len(weighted)
    return sum((w - mean) ** 2 for w in weighted) / len(weighted)


def scores(
    level_counts: Sequence[Sequence[int]],
    ratios: Sequence[int],
    measure: ImbalanceMeasure = ImbalanceMeasure.RANGE,
) -> tuple[float, ...]:
    """Total imbalance over the factors if the next participant went to each arm.

    Args:
        level_counts: per factor, the earlier participants at the new participant's level
            of that factor, per arm (in the order of ``ratios``).
        ratios: allocation weight per arm.
        measure: how the spread of the weighted counts is measured.
    """
    totals = []
    for candidate in range(len(ratios)):
        total = 0.0
        for counts in level_counts:
            weighted = [
                (count + (arm == candidate)) / ratio
                for arm, (count, ratio) in enumerate(zip(counts, ratios, strict=True))
            ]
            total += imbalance(weighted, measure)
        totals.append(total)
    return tuple(totals)


def _pick(arms: Sequence[int], ratios: Sequence[int], draw: float) -> int:
    """One of ``arms``, with probability proportional to its ratio, from ``draw`` in [0, 1)."""
    point = draw * sum(ratios[arm] for arm in arms)
    for arm in arms:
        point -= ratios[arm]
        if point < 0:
            return arm
    return arms[-1]  # only reached through rounding at the very top of the range


def minimise(
    level_counts: Sequence[Sequence[int]],
    ratios: Sequence[int],
    draws: tuple[float, float],
    *,
    p_preferred: float = P_PREFERRED,
    measure: ImbalanceMeasure = ImbalanceMeasure.RANGE,
) -> Minimised:
    """Choose the next participant's arm (see the module docstring for the rule).

    Args:
        level_counts: see :func:`scores`; one row per factor.
        ratios: allocation weight per arm (at least two arms).
        draws: two uniform numbers in [0, 1), from :func:`draws_for`.
        p_preferred: probability of taking a preferred arm.
        measure: ``range`` or ``variance``.

    Raises:
        ValueError: fewer than two arms, a ratio below 1, or counts of the wrong length.
    """
    if len(ratios) < 2 or min(ratios) < 1:
        raise ValueError("Minimisation needs at least two arms with ratios of 1 or more.")
    per_arm = scores(level_counts, ratios, measure)
    lowest = min(per_arm)
    # Scores are sums of fractions, so compare with a tolerance rather than exactly.
    preferred = tuple(arm for arm, s in enumerate(per_arm) if s - lowest < 1e-9)
    others = tuple(arm for arm in range(len(ratios)) if arm not in preferred)
    took_preferred = not others or draws[0] < p_preferred
    group = preferred if took_preferred else others
    return Minimised(
        arm=_pick(group, ratios, draws[1]),
        scores=per_arm,
        preferred=preferred,
        took_preferred=took_preferred,
        draws=draws,
    )
