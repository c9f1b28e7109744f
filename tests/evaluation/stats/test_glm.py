"""GLMs (logistic, Poisson, negative binomial, Gaussian) against R's numbers, and refusals.

References: tests/evaluation/reference/r/glm_*.json and gee_epilepsy.json, written by
glm_gee_reference.R from datasets shipped in MASS and geepack (R is never called here).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.stats.glm import fit_glm
from evaluation.stats.spec import AnalysisError, parse_spec

REFERENCE = Path(__file__).parents[1] / "reference" / "r"
GLM_MODELS = [
    ("glm_birthwt", "logistic"),
    ("glm_birthwt", "gaussian"),
    ("glm_quine", "negative_binomial"),
    ("glm_quine", "poisson"),
    ("gee_epilepsy", "poisson"),
    ("gee_epilepsy", "quasipoisson"),
]
FIT_STATISTICS = ("loglik", "aic", "deviance", "null_deviance", "df_resid", "scale")


def close(ours: float, reference: float) -> bool:
    """The tolerance rule of reference/README.md: 1e-4 absolute plus 1e-3 relative."""
    return abs(ours - reference) <= 1e-4 + 1e-3 * abs(reference)


def load(name: str) -> tuple[pd.DataFrame, dict]:
    reference = json.loads((REFERENCE / f"{name}.json").read_text())
    return pd.read_csv(REFERENCE / reference["csv"]), reference


def fit_reference(name: str, model: str, **changes):
    data, reference = load(name)
    entry = reference["models"][model]
    return fit_glm(data, parse_spec({**entry["spec"], **changes})), entry


@pytest.mark.parametrize(("name", "model"), GLM_MODELS)
def test_coefficients_ses_and_p_values_match_r(name, model):
    result, entry = fit_reference(name, model)
    assert [c.term for c in result.coefficients] == list(entry["coefficients"])
    for term, expected in entry["coefficients"].items():
        ours = result.coefficient(term)
        assert close(ours.estimate, expected["estimate"]), (term, ours.estimate, expected)
        assert close(ours.se, expected["se"]), (term, ours.se, expected)
        assert close(ours.p, expected["p"]), (term, ours.p, expected)


@pytest.mark.parametrize(("name", "model"), GLM_MODELS)
def test_fit_statistics_match_r(name, model):
    result, entry = fit_reference(name, model)
    for key in FIT_STATISTICS:
        expected = entry["statistics"][key]
        if expected == "NA":  # R has no likelihood for a quasi family
            continue
        assert close(result.statistics[key], expected), (key, result.statistics[key], expected)
    assert result.statistics["converged"] is True
    assert result.statistics["ci_method"] == "Wald"
    assert result.n_observations == len(load(name)[0])


def test_negative_binomial_theta_and_its_se_match_glm_nb():
    result, entry = fit_reference("glm_quine", "negative_binomial")
    reference = entry["statistics"]
    assert close(result.statistics["theta"], reference["theta"])
    assert close(result.statistics["theta_se"], reference["theta_se"])
    assert close(result.statistics["alpha"], 1 / reference["theta"])
    assert close(2 * result.statistics["loglik"], reference["twologlik"])


@pytest.mark.parametrize(
    ("name", "model"),
    [("glm_birthwt", "logistic"), ("glm_birthwt", "gaussian"), ("gee_epilepsy", "poisson")],
)
def test_robust_ses_are_hc3_like_sandwich_vcovhc(name, model):
    result, entry = fit_reference(name, model, se="robust")
    assert result.statistics["se_type"] == "HC3 sandwich"
    for term, expected in entry["coefficients"].items():
        ours = result.coefficient(term)
        assert close(ours.estimate, expected["estimate"])
        assert close(ours.se, expected["se_hc3"]), (term, ours.se, expected["se_hc3"])


def test_quasi_scale_multiplies_poisson_ses_by_the_pearson_dispersion():
    plain, _ = fit_reference("gee_epilepsy", "poisson")
    quasi, entry = fit_reference("gee_epilepsy", "quasipoisson")
    ratio = np.sqrt(entry["statistics"]["pearson_dispersion"])
    assert close(quasi.coefficient("trt_post").se, plain.coefficient("trt_post").se * ratio)
    assert "quasi" in quasi.statistics["scale_method"]
    assert quasi.statistics["test"] == "t"


def test_logistic_risk_difference_is_newcombe_and_matches_r():
    result, entry = fit_reference("glm_birthwt", "logistic")
    expected = entry["risk_difference"]
    (ours,) = result.statistics["risk_difference"]
    for key in ("estimate", "ci_low", "ci_high", "p"):
        assert close(ours[key], expected[key]), (key, ours[key], expected[key])
    for key in ("arm", "n_arm", "events_arm", "n_control", "events_control"):
        assert ours[key] == expected[key]
    assert "Newcombe" in result.statistics["risk_difference_ci"]
    assert "chi-square" in result.statistics["risk_difference_test"]


def test_logistic_odds_ratio_is_the_exponentiated_arm_coefficient():
    result, entry = fit_reference("glm_birthwt", "logistic")
    (odds,) = result.statistics["odds_ratios"]
    arm = entry["coefficients"]["arm[1]"]
    assert odds["term"] == "arm[1]"
    assert close(odds["odds_ratio"], np.exp(arm["estimate"]))
    assert close(odds["ci_low"], np.exp(arm["estimate"] - 1.959964 * arm["se"]))
    assert close(odds["ci_high"], np.exp(arm["estimate"] + 1.959964 * arm["se"]))


def test_overdispersed_poisson_says_so_and_a_well_fitting_one_does_not():
    result, entry = fit_reference("glm_quine", "poisson")
    assert close(result.statistics["dispersion"], entry["statistics"]["pearson_dispersion"])
    assert any("consider negative binomial" in w for w in result.warnings)
    nb, _ = fit_reference("glm_quine", "negative_binomial")
    assert not any("verdispersion" in w for w in nb.warnings)


def small_binary(outcomes_control: list[int], outcomes_active: list[int]) -> pd.DataFrame:
    outcome = outcomes_control + outcomes_active
    return pd.DataFrame(
        {
            "participant_id": range(len(outcome)),
            "arm": ["C"] * len(outcomes_control) + ["A"] * len(outcomes_active),
            "y": outcome,
            "age": np.linspace(30, 60, len(outcome)),
        }
    )


def binary_spec(**changes):
    raw = {"model": "glm", "outcome": "y", "family": "binomial", "arm": "arm", "control": "C"}
    return parse_spec({**raw, **changes})


def test_perfect_separation_is_a_warning_not_an_exception():
    data = small_binary([0] * 12, [1] * 12)
    result = fit_glm(data, binary_spec())
    assert any("separation" in w for w in result.warnings)
    assert any("Arm C has only 0 events" in w for w in result.warnings)


def test_small_cells_are_warned_about():
    data = small_binary([0, 0, 0, 0, 0, 0, 1] * 3 + [0, 0], [0, 1] * 8 + [0] * 7)
    result = fit_glm(data, binary_spec(covariates=["age"]))
    assert "Arm C has only 3 events (fewer than 5)." in result.warnings
    assert not any("separation" in w for w in result.warnings)


def test_missed_visits_are_left_out_with_a_note():
    data, reference = load("glm_birthwt")
    spec = reference["models"]["logistic"]["spec"]
    gapped = data.astype({"low": "object"})
    gapped.loc[[0, 5], "low"] = ""
    result = fit_glm(gapped, parse_spec(spec))
    assert result.n_observations == len(data) - 2
    assert any("2 row(s) with a missing value left out" in w for w in result.warnings)
    direct = fit_glm(data.drop(index=[0, 5]), parse_spec(spec))
    assert result.coefficients == direct.coefficients


def test_the_same_data_fitted_twice_gives_identical_numbers():
    first, _ = fit_reference("glm_quine", "negative_binomial")
    second, _ = fit_reference("glm_quine", "negative_binomial")
    assert first.to_dict() == second.to_dict()


def test_a_binary_outcome_must_be_zero_or_one():
    data = small_binary([0, 1] * 6, [1, 0] * 6)
    data.loc[3, "y"] = 2
    with pytest.raises(AnalysisError, match="needs the outcome 'y' to be 0 or 1"):
        fit_glm(data, binary_spec())


def test_an_unknown_control_level_is_refused():
    data = small_binary([0, 1] * 6, [1, 0] * 6)
    with pytest.raises(AnalysisError, match="control level 'Placebo' is not in column 'arm'"):
        fit_glm(data, binary_spec(control="Placebo"))


def test_negative_counts_are_refused():
    data, reference = load("glm_quine")
    data.loc[3, "Days"] = -1
    with pytest.raises(AnalysisError, match="count outcome cannot be negative"):
        fit_glm(data, parse_spec(reference["models"]["negative_binomial"]["spec"]))


def test_an_offset_of_zero_cannot_be_logged():
    data, reference = load("gee_epilepsy")
    data.loc[7, "weeks"] = 0
    with pytest.raises(AnalysisError, match="'weeks' must be above 0 to take its log"):
        fit_glm(data, parse_spec(reference["models"]["poisson"]["spec"]))


def test_a_spec_for_another_model_is_refused():
    data, reference = load("gee_epilepsy")
    with pytest.raises(AnalysisError, match="fit_glm fits the glm model, not gee"):
        fit_glm(data, parse_spec(reference["models"]["gee_exchangeable"]["spec"]))
