"""Paired before/after analysis against R's t.test and wilcox.test (pure, no app, no R call).

Reference numbers: ``reference/r/paired_*.json``, written by the installed R with the calls
and version recorded in each file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.stats.paired import fit_paired, signrank_pmf, wilcoxon_signed_rank
from evaluation.stats.spec import AnalysisError, ModelSpec

R_FIXTURES = Path(__file__).parents[1] / "reference" / "r"
SPEC = ModelSpec(model="paired", outcome="after", baseline="before", participant="participant_id")
CASES = ["sleep", "anorexia_ft", "anorexia_all"]


def close(ours: float, reference: float) -> bool:
    """The tolerance rule of reference/README.md: 1e-4 absolute plus 1e-3 relative."""
    return abs(ours - reference) <= 1e-4 + 1e-3 * abs(reference)


def r_case(name: str) -> tuple[pd.DataFrame, dict]:
    fixture = json.loads((R_FIXTURES / f"paired_{name}.json").read_text())
    return pd.read_csv(R_FIXTURES / fixture["csv"]), fixture


@pytest.mark.parametrize("name", CASES)
def test_paired_t_test_matches_r(name):
    frame, fixture = r_case(name)
    expected = fixture["t_test"]
    result = fit_paired(frame, SPEC)
    difference = result.coefficient("difference")
    assert close(difference.estimate, expected["estimate"])
    assert close(difference.se, expected["stderr"])
    assert close(difference.ci_low, expected["ci_low"])
    assert close(difference.ci_high, expected["ci_high"])
    assert difference.p == pytest.approx(expected["p"], rel=1e-6)
    assert close(result.statistics["t"], expected["t"])
    assert result.statistics["df"] == expected["df"]
    assert result.n_participants == len(frame)


@pytest.mark.parametrize("name", CASES)
def test_wilcoxon_matches_r(name):
    frame, fixture = r_case(name)
    expected = fixture["wilcoxon"]
    wilcoxon = fit_paired(frame, SPEC).statistics["wilcoxon"]
    assert wilcoxon["statistic"] == expected["statistic"]
    assert wilcoxon["method"] == expected["method"]
    assert wilcoxon["p"] == pytest.approx(expected["p"], rel=1e-6)
    assert close(wilcoxon["hodges_lehmann"], expected["estimate"])
    assert close(wilcoxon["ci_low"], expected["ci_low"])
    assert close(wilcoxon["ci_high"], expected["ci_high"])


def test_descriptive_statistics_and_effect_sizes():
    frame, _ = r_case("anorexia_ft")
    result = fit_paired(frame, SPEC)
    difference = frame["after"] - frame["before"]
    assert result.statistics["mean_before"] == pytest.approx(frame["before"].mean())
    assert result.statistics["mean_after"] == pytest.approx(frame["after"].mean())
    assert result.statistics["sd_difference"] == pytest.approx(difference.std())
    assert result.statistics["cohens_dz"] == pytest.approx(difference.mean() / difference.std())
    assert 0 < result.statistics["wilcoxon"]["effect_size_r"] <= 1
    assert result.warnings == ()


def test_zeros_ties_and_a_small_sample_are_warned_about():
    frame, _ = r_case("sleep")
    warnings = " ".join(fit_paired(frame, SPEC).warnings)
    assert "Only 10" not in warnings
    assert "no change" in warnings
    assert "tied" in warnings
    small = fit_paired(frame.head(6), SPEC)
    assert any("Only 6 participants" in w for w in small.warnings)


def test_decrease_gives_negative_effects():
    frame, _ = r_case("anorexia_ft")
    swapped = frame.rename(columns={"before": "after", "after": "before"})
    result = fit_paired(swapped, SPEC)
    assert result.coefficient("difference").estimate < 0
    assert result.statistics["wilcoxon"]["effect_size_r"] < 0
    assert result.statistics["wilcoxon"]["hodges_lehmann"] == pytest.approx(-7.65)


def test_missing_after_value_is_left_out_with_a_note():
    frame, _ = r_case("anorexia_ft")
    frame = frame.astype({"after": object})
    frame.loc[0, "after"] = ""
    result = fit_paired(frame, SPEC)
    assert result.n_participants == len(frame) - 1
    assert any("missed visit" in w for w in result.warnings)


def test_two_rows_for_one_participant_are_refused():
    frame, _ = r_case("anorexia_ft")
    doubled = pd.concat([frame, frame.head(1)])
    with pytest.raises(AnalysisError, match="one row per participant"):
        fit_paired(doubled, SPEC)


def test_constant_difference_is_refused():
    frame = pd.DataFrame(
        {"participant_id": list("abcd"), "before": [1.0, 2, 3, 4], "after": [2.0, 3, 4, 5]}
    )
    with pytest.raises(AnalysisError, match="not all the same"):
        fit_paired(frame, SPEC)


def test_signrank_distribution_is_the_exact_null():
    pmf = signrank_pmf(4)
    assert pmf.sum() == pytest.approx(1.0)
    # 16 sign patterns over ranks 1..4; V = 5 is reached by {1,4} and {2,3}.
    assert pmf[5] == pytest.approx(2 / 16)
    assert pmf[0] == pmf[10] == pytest.approx(1 / 16)


def test_all_zero_differences_cannot_be_ranked():
    with pytest.raises(AnalysisError, match="every difference is zero"):
        wilcoxon_signed_rank(np.zeros(5))
