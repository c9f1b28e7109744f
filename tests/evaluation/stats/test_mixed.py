"""The random-intercept mixed model against lme4's numbers (pure, no app, R never called).

Reference numbers: ``reference/dietox.json`` (quoted from statsmodels' lme4 checks) and the
``reference/r/mixed_*.json`` fixtures written by the installed R with the ``lmer`` calls and
package versions recorded in each file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.stats.mixed import SE_CONVENTION, fit_mixed
from evaluation.stats.spec import AnalysisError, ModelSpec

REFERENCE = Path(__file__).parents[1] / "reference"
R_FIXTURES = REFERENCE / "r"


def close(ours: float, reference: float) -> bool:
    """The tolerance rule of reference/README.md: 1e-4 absolute plus 1e-3 relative."""
    return abs(ours - reference) <= 1e-4 + 1e-3 * abs(reference)


def dietox_spec(reml: bool) -> ModelSpec:
    return ModelSpec(
        model="mixed",
        outcome="outcome",
        participant="participant_id",
        covariates=("visit",),
        reml=reml,
    )


@pytest.fixture(scope="module")
def dietox() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "dietox.csv")


@pytest.mark.parametrize("reml", [True, False], ids=["REML", "ML"])
def test_dietox_matches_lme4(dietox, reml):
    reference = json.loads((REFERENCE / "dietox.json").read_text())["references"]
    expected = reference["reml" if reml else "ml"]
    result = fit_mixed(dietox, dietox_spec(reml))
    for coefficient, estimate, se in zip(
        result.coefficients, expected["fe"], expected["se"], strict=True
    ):
        assert close(coefficient.estimate, estimate), (coefficient.term, coefficient.estimate)
        assert close(coefficient.se, se), (coefficient.term, coefficient.se, se)
    components = result.statistics["variance_components"]
    assert close(components["residual"], expected["scale"])
    assert close(components["participant"], expected["var_re"])
    assert round(result.statistics["loglik"], 3) == expected["loglik"]
    assert result.statistics["converged"] is True
    assert result.statistics["reml"] is reml
    assert result.statistics["se_convention"] == SE_CONVENTION
    assert (result.n_participants, result.n_observations) == (72, 861)
    assert result.statistics["n_groups"] == 72


def r_case(name: str) -> tuple[pd.DataFrame, dict]:
    fixture = json.loads((R_FIXTURES / f"mixed_{name}.json").read_text())
    return pd.read_csv(R_FIXTURES / fixture["csv"]), fixture


@pytest.mark.parametrize("name", ["sleepstudy", "orthodont", "dietox_evit_cu"])
@pytest.mark.parametrize("fit_type", ["reml", "ml"])
def test_r_fixtures_match_lme4(name, fit_type):
    frame, fixture = r_case(name)
    raw = fixture["spec"]
    spec = ModelSpec(
        model="mixed",
        outcome=raw["outcome"],
        participant=raw["participant"],
        arm=raw.get("arm"),
        control=raw.get("control"),
        covariates=tuple(raw["covariates"]),
        reml=fit_type == "reml",
    )
    expected = fixture[fit_type]
    result = fit_mixed(frame, spec)
    assert [c.term for c in result.coefficients] == fixture["terms"]
    for r_term, ours in zip(expected["fe"], fixture["terms"], strict=True):
        coefficient = result.coefficient(ours)
        assert close(coefficient.estimate, expected["fe"][r_term]), ours
        assert close(coefficient.se, expected["se"][r_term]), ours
    components = result.statistics["variance_components"]
    assert close(components["participant"], expected["var_participant"])
    assert close(components["residual"], expected["var_residual"])
    for key in ("loglik", "aic", "bic"):
        assert abs(result.statistics[key] - expected[key]) <= 1e-3, key
    assert result.n_observations == expected["nobs"]
    assert result.statistics["n_groups"] == expected["ngroups"]


def test_wald_interval_and_inference_note(dietox):
    result = fit_mixed(dietox, dietox_spec(True))
    slope = result.coefficient("visit")
    assert slope.ci_low == pytest.approx(slope.estimate - 1.959964 * slope.se, rel=1e-6)
    assert slope.p < 1e-10
    assert "Satterthwaite" in result.statistics["inference"]
    assert result.to_dict()["variance_components"]["participant"] > 0


def test_missed_visits_are_left_out_with_a_note(dietox):
    frame = dietox.astype({"outcome": object})
    frame.loc[[0, 5, 9], "outcome"] = ""
    result = fit_mixed(frame, dietox_spec(True))
    assert result.n_observations == 858
    assert any("3 row(s)" in w and "missed visit" in w for w in result.warnings)


def test_no_between_participant_variation_is_reported_not_hidden():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "participant_id": np.repeat([f"P{i}" for i in range(20)], 4),
            "visit": np.tile([0, 1, 2, 3], 20),
        }
    )
    # Outcome centred within each participant: the participant variance is exactly zero.
    noise = rng.normal(size=80)
    frame["outcome"] = noise - pd.Series(noise).groupby(frame["participant_id"]).transform("mean")
    result = fit_mixed(frame, dietox_spec(True))
    assert result.statistics["variance_components"]["participant"] < 1e-3
    assert any("near) zero" in w for w in result.warnings)


def test_one_row_per_participant_is_refused():
    frame = pd.DataFrame(
        {"participant_id": [f"P{i}" for i in range(10)], "visit": range(10), "outcome": range(10)}
    )
    with pytest.raises(AnalysisError, match="repeated measurements"):
        fit_mixed(frame, dietox_spec(True))


def test_other_models_are_refused(dietox):
    spec = ModelSpec(model="gee", outcome="outcome", participant="participant_id")
    with pytest.raises(AnalysisError, match="not 'gee'"):
        fit_mixed(dietox, spec)
