"""Minimisation as a pure rule: better balance than simple randomisation, reproducible,
respecting the arm ratios; and the age bands it balances on."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trials.randomisation.bands import AGE_BAND_LABELS, age_band
from trials.randomisation.minimisation import (
    ImbalanceMeasure,
    draws_for,
    minimise,
    scores,
)

#: Levels of (site, age band, sex) a generated participant can have.
LEVELS = (2, len(AGE_BAND_LABELS), 3)
participants = st.lists(
    st.tuples(*(st.integers(0, n - 1) for n in LEVELS)), min_size=30, max_size=120
)


def _level_counts(tally, person, arms):
    return [[tally[f][person[f]][arm] for arm in range(arms)] for f in range(len(LEVELS))]


def _allocate(people, ratios, seed, *, minimised, measure=ImbalanceMeasure.RANGE):
    """Arms for ``people`` in order, by minimisation or by simple weighted randomisation,
    with the factor-level tallies (factor -> level -> arm -> count)."""
    tally = [[[0] * len(ratios) for _ in range(n)] for n in LEVELS]
    arms = []
    for sequence_no, person in enumerate(people, start=1):
        draws = draws_for(seed, sequence_no)
        if minimised:
            arm = minimise(
                _level_counts(tally, person, len(ratios)), ratios, draws, measure=measure
            ).arm
        else:
            arm = random.Random(f"{seed}:{sequence_no}").choices(range(len(ratios)), ratios)[0]
        for factor, level in enumerate(person):
            tally[factor][level][arm] += 1
        arms.append(arm)
    return arms, tally


def _marginal_imbalance(tally, ratios):
    """Sum over every factor level of the range of the ratio-weighted counts."""
    return sum(
        max(weighted) - min(weighted)
        for levels in tally
        for counts in levels
        for weighted in [[c / r for c, r in zip(counts, ratios, strict=True)]]
    )


@given(people=participants, ratios=st.sampled_from([[1, 1], [2, 1], [1, 1, 1]]))
@settings(max_examples=40, deadline=None)
def test_marginal_totals_are_better_balanced_than_simple_randomisation(people, ratios):
    seeds = range(12)
    minimised = sum(
        _marginal_imbalance(_allocate(people, ratios, s, minimised=True)[1], ratios) for s in seeds
    )
    simple = sum(
        _marginal_imbalance(_allocate(people, ratios, s, minimised=False)[1], ratios) for s in seeds
    )
    assert minimised < simple


@given(people=participants, seed=st.integers(0, 2**48))
@settings(max_examples=30, deadline=None)
def test_the_same_seed_gives_the_same_allocations(people, seed):
    first, _ = _allocate(people, [1, 1], seed, minimised=True)
    assert first == _allocate(people, [1, 1], seed, minimised=True)[0]
    assert draws_for(seed, 7) == draws_for(seed, 7) != draws_for(seed, 8)


@pytest.mark.parametrize("measure", list(ImbalanceMeasure))
def test_unequal_ratios_are_kept(measure):
    people = [(0, 3, 0)] * 90  # everyone alike: only the ratio decides
    arms, _ = _allocate(people, [2, 1], 11, minimised=True, measure=measure)
    assert abs(arms.count(0) - 60) <= 4


def test_the_preferred_arm_is_taken_unless_the_draw_says_otherwise():
    counts = [[3, 1], [2, 0], [5, 4]]  # arm 1 is behind at every level
    assert scores(counts, [1, 1]) == (3 + 3 + 2, 1 + 1 + 0)
    taken = minimise(counts, [1, 1], (0.79, 0.5))
    assert (taken.arm, taken.preferred, taken.took_preferred) == (1, (1,), True)
    refused = minimise(counts, [1, 1], (0.8, 0.5))
    assert (refused.arm, refused.took_preferred) == (0, False)


def test_ties_are_broken_by_the_second_draw_in_proportion_to_the_ratios():
    empty = [[0, 0], [0, 0], [0, 0]]
    assert minimise(empty, [1, 1], (0.99, 0.49)).arm == 0
    assert minimise(empty, [1, 1], (0.99, 0.51)).arm == 1
    assert minimise(empty, [1, 1], (0.99, 0.5)).took_preferred  # no other arm to take
    three = [[0, 0, 0]]
    assert [minimise(three, [1, 1, 1], (0.0, d)).arm for d in (0.3, 0.4, 0.7)] == [0, 1, 2]


def test_the_other_arms_are_drawn_in_proportion_to_their_ratios():
    counts = [[0, 3, 3]]  # scores 2, 4 and 3: arm 0 is preferred
    assert minimise(counts, [1, 1, 2], (0.9, 0.33)).arm == 1
    assert minimise(counts, [1, 1, 2], (0.9, 0.34)).arm == 2


def test_variance_measure_scores_the_spread():
    assert scores([[2, 0]], [1, 1], ImbalanceMeasure.VARIANCE) == (2.25, 0.25)


def test_one_arm_cannot_be_minimised():
    with pytest.raises(ValueError, match="at least two arms"):
        minimise([[0]], [1], (0.5, 0.5))


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (dt.date(2008, 6, 1), "18-34"),
        (dt.date(1991, 6, 2), "18-34"),
        (dt.date(1991, 6, 1), "35-49"),
        (dt.date(1976, 6, 1), "50-64"),
        (dt.date(1961, 6, 1), "65-74"),
        (dt.date(1951, 6, 2), "65-74"),
        (dt.date(1951, 6, 1), "75+"),
        (dt.date(1920, 1, 1), "75+"),
    ],
)
def test_age_band_on_the_day(born, band):
    assert age_band(born, dt.date(2026, 6, 1)) == band


def test_age_bands_start_at_18():
    with pytest.raises(ValueError, match="start at 18"):
        age_band(dt.date(2008, 6, 2), dt.date(2026, 6, 1))
