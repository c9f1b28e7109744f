"""GEE against geepack's numbers (gaussian, binomial, Poisson with offset), and refusals.

References: tests/evaluation/reference/r/gee_*.json, written by glm_gee_reference.R from
datasets shipped in geepack (R is never called here).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from evaluation.stats.gee import fit_gee
from evaluation.stats.spec import AnalysisError, parse_spec

REFERENCE = Path(__file__).parents[1] / "reference" / "r"
GEE_MODELS = [
    ("gee_epilepsy", "gee_exchangeable"),
    ("gee_epilepsy", "gee_independence"),
    ("gee_respiratory", "gee_exchangeable"),
    ("gee_respiratory", "gee_independence"),
    ("gee_respiratory", "gee_exchangeable_scale_fixed"),
    ("gee_dietox", "gee_exchangeable"),
]


def close(ours: float, reference: float) -> bool:
    """The tolerance rule of reference/README.md: 1e-4 absolute plus 1e-3 relative."""
    return abs(ours - reference) <= 1e-4 + 1e-3 * abs(reference)


def load(name: str) -> tuple[pd.DataFrame, dict]:
    reference = json.loads((REFERENCE / f"{name}.json").read_text())
    return pd.read_csv(REFERENCE / reference["csv"]), reference


def fit_reference(name: str, model: str, data: pd.DataFrame | None = None, **changes):
    frame, reference = load(name)
    entry = reference["models"][model]
    spec = parse_spec({**entry["spec"], **changes})
    return fit_gee(frame if data is None else data, spec), entry


@pytest.mark.parametrize(("name", "model"), GEE_MODELS)
def test_estimates_and_both_ses_match_geepack(name, model):
    result, entry = fit_reference(name, model)
    assert [c.term for c in result.coefficients] == list(entry["coefficients"])
    for term, expected in entry["coefficients"].items():
        ours = result.coefficient(term)
        assert close(ours.estimate, expected["estimate"]), (term, ours.estimate, expected)
        assert close(ours.se_robust, expected["se_robust"]), (term, ours.se_robust, expected)
        assert close(ours.se_naive, expected["se_naive"]), (term, ours.se_naive, expected)
        assert ours.se == ours.se_robust
        if "p" in expected:
            assert close(ours.p, expected["p"]), (term, ours.p, expected["p"])


@pytest.mark.parametrize(("name", "model"), GEE_MODELS)
def test_scale_and_working_correlation_match_geepack(name, model):
    result, entry = fit_reference(name, model)
    expected = entry["statistics"]
    for key in ("scale", "working_correlation"):
        assert close(result.statistics[key], expected[key]), (key, result.statistics, expected)
    assert result.statistics["n_clusters"] == expected["n_clusters"]
    assert result.statistics["max_cluster_size"] == expected["max_cluster_size"]
    assert result.statistics["correlation"] == entry["spec"]["correlation"]
    assert result.statistics["converged"] is True
    assert result.warnings == ()


def test_classical_se_is_the_model_based_one():
    result, entry = fit_reference("gee_respiratory", "gee_exchangeable", se="classical")
    for term, expected in entry["coefficients"].items():
        ours = result.coefficient(term)
        assert ours.se == ours.se_naive
        assert close(ours.se, expected["se_naive"])
    assert result.statistics["se_type"] == "model-based (naive)"


def test_row_order_does_not_change_the_fit():
    data, _ = load("gee_dietox")
    shuffled = data.sample(frac=1.0, random_state=3).reset_index(drop=True)
    ordered, _ = fit_reference("gee_dietox", "gee_exchangeable")
    mixed, _ = fit_reference("gee_dietox", "gee_exchangeable", data=shuffled)
    for a, b in zip(ordered.coefficients, mixed.coefficients, strict=True):
        assert a.term == b.term
        assert a.estimate == pytest.approx(b.estimate, rel=1e-9)
        assert a.se_robust == pytest.approx(b.se_robust, rel=1e-9)
    assert ordered.statistics["working_correlation"] == pytest.approx(
        mixed.statistics["working_correlation"], rel=1e-9
    )


def test_the_same_data_fitted_twice_gives_identical_numbers():
    first, _ = fit_reference("gee_respiratory", "gee_exchangeable")
    second, _ = fit_reference("gee_respiratory", "gee_exchangeable")
    assert first.to_dict() == second.to_dict()


def test_missed_visits_are_left_out_with_a_note():
    data, _ = load("gee_respiratory")
    gapped = data.astype({"outcome": "object"})
    gapped.loc[[1, 10, 11], "outcome"] = ""
    result, _ = fit_reference("gee_respiratory", "gee_exchangeable", data=gapped)
    assert result.n_observations == len(data) - 3
    assert result.n_participants == 111
    assert any("3 row(s) with a missing value left out" in w for w in result.warnings)


def test_few_clusters_are_warned_about():
    data, _ = load("gee_dietox")
    few = data[data["participant_id"].isin(sorted(data["participant_id"].unique())[::6])]
    result, _ = fit_reference("gee_dietox", "gee_exchangeable", data=few)
    assert result.statistics["n_clusters"] == 12
    assert any("robust SEs unreliable with few clusters" in w for w in result.warnings)


def test_a_binary_outcome_must_be_zero_or_one():
    data, _ = load("gee_respiratory")
    data.loc[4, "outcome"] = 2
    with pytest.raises(AnalysisError, match="needs the outcome 'outcome' to be 0 or 1"):
        fit_reference("gee_respiratory", "gee_exchangeable", data=data)


def test_an_unknown_control_level_is_refused():
    with pytest.raises(AnalysisError, match="control level 'Placebo' is not in column 'arm'"):
        fit_reference("gee_respiratory", "gee_exchangeable", control="Placebo")


def test_negative_counts_are_refused():
    data, _ = load("gee_epilepsy")
    data.loc[2, "seizures"] = -3
    with pytest.raises(AnalysisError, match="count outcome cannot be negative"):
        fit_reference("gee_epilepsy", "gee_exchangeable", data=data)


def test_an_offset_below_zero_cannot_be_logged():
    data, _ = load("gee_epilepsy")
    data.loc[2, "weeks"] = -2
    with pytest.raises(AnalysisError, match="'weeks' must be above 0 to take its log"):
        fit_reference("gee_epilepsy", "gee_exchangeable", data=data)


def test_a_spec_for_another_model_is_refused():
    data, reference = load("gee_epilepsy")
    with pytest.raises(AnalysisError, match="fit_gee fits the gee model, not glm"):
        fit_gee(data, parse_spec(reference["models"]["poisson"]["spec"]))
