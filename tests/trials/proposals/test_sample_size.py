"""The sample-size calculator against statsmodels, closed-form formulas and published tables."""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm
from statsmodels.stats.power import NormalIndPower, TTestIndPower

from trials.proposals.sample_size import (
    SampleSizeError,
    for_means,
    for_proportions,
    split_evenly,
)


@pytest.mark.parametrize(("d", "per_group"), [(0.5, 64), (0.8, 26)])
def test_means_match_cohens_table_for_medium_and_large_effects(d, per_group):
    """Cohen J. A power primer. Psychol Bull 1992;112(1):155-9, Table 2, test 1 (difference
    between independent means, two-tailed alpha .05, power .80): medium d = .5 needs 64 per
    group, large d = .8 needs 26. G*Power 3 gives the same (64 and 26 per group)."""
    answer = for_means(d * 4, 4)
    assert (answer.control, answer.intervention) == (per_group, per_group)
    assert answer.total == 2 * per_group


def test_a_small_effect_is_one_more_than_cohens_rounded_table():
    """Cohen (1992) Table 2 prints 393 per group for d = .2, from a normal approximation;
    the exact noncentral t solution is 393.4, so rounding up gives 394."""
    assert for_means(0.2, 1).control == 394
    assert math.ceil(TTestIndPower().solve_power(0.2, alpha=0.05, power=0.8)) == 394


@pytest.mark.parametrize(("h", "per_group"), [(0.5, 63), (0.8, 25)])
def test_proportions_match_cohens_table(h, per_group):
    """Cohen (1992) Table 2, test 4 (difference between proportions, Cohen's h, two-tailed
    alpha .05, power .80): medium h = .5 needs 63 per group, large h = .8 needs 25. The
    proportions are chosen so that 2·asin√p1 − 2·asin√p2 is exactly h."""
    p_control = 0.5
    p_intervention = math.sin(math.asin(math.sqrt(p_control)) + h / 2) ** 2
    answer = for_proportions(p_control, p_intervention)
    assert answer.effect_size == pytest.approx(h)
    assert (answer.control, answer.intervention) == (per_group, per_group)


def test_proportions_agree_with_the_closed_form_arcsine_formula():
    """n per group = 2·((z(1−α/2) + z(1−β)) / h)², with h = 2·asin√p1 − 2·asin√p2
    (Cohen 1988, Statistical Power Analysis, chapter 6). For 50% against 35%: 169.1 -> 170."""
    h = 2 * math.asin(math.sqrt(0.5)) - 2 * math.asin(math.sqrt(0.35))
    closed_form = 2 * ((norm.ppf(0.975) + norm.ppf(0.8)) / h) ** 2
    answer = for_proportions(0.5, 0.35)
    assert answer.control == answer.intervention == math.ceil(closed_form) == 170


@pytest.mark.parametrize("alpha", [0.05, 0.01])
@pytest.mark.parametrize("power", [0.8, 0.9])
@pytest.mark.parametrize("ratio", [1.0, 0.5, 2.0, 1.5])
@pytest.mark.parametrize(("mid", "sd"), [(1.5, 4.0), (3.0, 8.0), (0.7, 1.0), (10, 12)])
def test_means_agree_with_statsmodels(alpha, power, ratio, mid, sd):
    nobs1 = TTestIndPower().solve_power(
        effect_size=mid / sd, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    answer = for_means(mid, sd, alpha=alpha, power=power, ratio=ratio)
    assert answer.control == math.ceil(nobs1)
    assert answer.intervention == math.ceil(nobs1 * ratio)
    assert answer.effect_size == pytest.approx(mid / sd)


@pytest.mark.parametrize("power", [0.8, 0.9])
@pytest.mark.parametrize("ratio", [1.0, 2.0])
@pytest.mark.parametrize(("p1", "p2"), [(0.5, 0.35), (0.2, 0.1), (0.6, 0.75)])
def test_proportions_agree_with_statsmodels(power, ratio, p1, p2):
    h = abs(2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1)))
    nobs1 = NormalIndPower().solve_power(effect_size=h, alpha=0.05, power=power, ratio=ratio)
    answer = for_proportions(p1, p2, power=power, ratio=ratio)
    assert (answer.control, answer.intervention) == (
        math.ceil(nobs1),
        math.ceil(nobs1 * ratio),
    )


def test_dropout_inflates_each_arm_and_rounds_up():
    answer = for_means(2, 4, dropout=0.2)
    assert (answer.control_before_dropout, answer.intervention_before_dropout) == (64, 64)
    assert (answer.control, answer.intervention) == (80, 80)  # 64 / 0.8
    assert answer.total == 160 and answer.total_before_dropout == 128
    assert for_means(2, 4, dropout=0.1).control == 72  # 64 / 0.9 = 71.1


def test_unequal_allocation_gives_the_intervention_arm_ratio_times_as_many():
    answer = for_means(2, 4, ratio=2)
    assert (answer.control, answer.intervention) == (48, 96)  # statsmodels: 47.74
    assert "1:2 (control:intervention)" in answer.explanation


def test_the_direction_of_the_difference_does_not_matter():
    assert for_means(-1.5, 4) == for_means(1.5, 4)
    assert for_proportions(0.35, 0.5).total == for_proportions(0.5, 0.35).total


def test_the_explanation_says_what_was_assumed_in_plain_words():
    text = for_means(1.5, 4, dropout=0.1, unit="seconds").explanation
    assert "difference of 1.5 seconds" in text
    assert "standard deviation is 4 seconds" in text
    assert "d = 0.38" in text
    assert "80% power" in text and "two-sided 5% significance level" in text
    assert "Allowing for 10% drop-out" in text
    answer = for_means(1.5, 4, dropout=0.1)
    assert f"recruit {answer.control} in each arm: {answer.total} in total" in text


@pytest.mark.parametrize(
    ("call", "field", "message"),
    [
        (lambda: for_means(1, 0), "sd", "The standard deviation must be more than 0"),
        (lambda: for_means(0, 4), "mid", "The difference to detect must not be 0"),
        (lambda: for_means(0.01, 4), "mid", "The difference is too small"),
        (lambda: for_means(30, 4), "mid", "more than 5 standard deviations"),
        (lambda: for_means(1, 4, alpha=0.1), "alpha", "5% or 1%"),
        (lambda: for_means(1, 4, power=0.5), "power", "80% or 90%"),
        (lambda: for_means(1, 4, ratio=5), "ratio", "between 0.25 and 4"),
        (lambda: for_means(1, 4, dropout=0.6), "dropout", "between 0% and 50%"),
        (lambda: for_proportions(0, 0.5), "control_percent", "between 1% and 99%"),
        (lambda: for_proportions(0.5, 1), "intervention_percent", "between 1% and 99%"),
        (lambda: for_proportions(0.4, 0.4), "intervention_percent", "must be different"),
    ],
)
def test_values_the_calculation_cannot_use_are_refused_by_field(call, field, message):
    with pytest.raises(SampleSizeError) as refused:
        call()
    assert refused.value.field == field
    assert message in refused.value.message


@pytest.mark.parametrize(
    ("total", "parts", "shares"),
    [(129, 2, [65, 64]), (128, 2, [64, 64]), (10, 3, [4, 3, 3]), (11, 3, [5, 3, 3]), (7, 1, [7])],
)
def test_a_total_is_split_evenly_with_the_remainder_to_the_first(total, parts, shares):
    assert split_evenly(total, parts) == shares
    assert sum(split_evenly(total, parts)) == total
