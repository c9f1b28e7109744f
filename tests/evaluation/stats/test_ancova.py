"""ANCOVA against R's published numbers for MASS::anorexia, and its refusals (pure, no app)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from evaluation.stats.ancova import AnalysisError, ancova

#: Published analyses with R's numbers, copied from the project's shared reference folder
#: so a clean clone checks itself against them.
REFERENCE = Path(__file__).parents[1] / "reference"


def close(ours: float, reference: float) -> bool:
    """The tolerance rule of reference/README.md: 1e-4 absolute plus 1e-3 relative."""
    return abs(ours - reference) <= 1e-4 + 1e-3 * abs(reference)


@pytest.fixture(scope="module")
def anorexia() -> tuple[pd.DataFrame, dict]:
    frame = pd.read_csv(REFERENCE / "anorexia.csv")
    spec = json.loads((REFERENCE / "anorexia.json").read_text())
    return frame, spec


def fit(frame: pd.DataFrame, **kwargs):
    return ancova(
        frame, outcome="outcome", arm="arm", control="Cont", baseline="baseline", **kwargs
    )


def test_reference_data_is_what_the_json_describes(anorexia):
    frame, spec = anorexia
    assert len(frame) == spec["rows"] == 72
    assert list(frame.columns) == spec["columns"]
    assert frame["participant_id"].nunique() == spec["participants"]


@pytest.mark.parametrize(
    ("term", "key"),
    [
        ("Intercept", "Intercept"),
        ("baseline", "baseline"),
        ("arm[CBT]", "arm_CBT"),
        ("arm[FT]", "arm_FT"),
    ],
)
def test_coefficients_and_standard_errors_match_r(anorexia, term, key):
    frame, spec = anorexia
    estimate, se = spec["references"]["coef"][key]
    coefficient = {c.term: c for c in fit(frame).coefficients}[term]
    assert close(coefficient.estimate, estimate), (coefficient.estimate, estimate)
    assert close(coefficient.se, se), (coefficient.se, se)


def test_model_fit_statistics_match_r(anorexia):
    frame, spec = anorexia
    reference = spec["references"]
    result = fit(frame)
    assert close(result.residual_se, reference["residual_se"])
    assert close(result.r_squared, reference["r_squared"])
    assert close(result.f_statistic, reference["f_stat"])
    assert result.df_resid == reference["df_resid"]
    assert result.n_observations == spec["rows"]
    assert result.n_by_arm == {"CBT": 29, "Cont": 26, "FT": 17}
    assert result.warnings == ()


def test_effects_are_the_arm_coefficients_with_a_95_percent_ci(anorexia):
    frame, _ = anorexia
    result = fit(frame)
    assert set(result.effects) == {"CBT", "FT"}
    ft = result.effects["FT"]
    assert ft.term == "arm[FT]"
    # t quantile on 68 df: the CI is estimate +/- 1.9955 SE.
    assert ft.ci_low == pytest.approx(ft.estimate - 1.99547 * ft.se, rel=1e-4)
    assert ft.ci_high == pytest.approx(ft.estimate + 1.99547 * ft.se, rel=1e-4)
    assert 0 < ft.p < 0.001


def test_robust_errors_differ_from_classical_and_match_statsmodels_hc3(anorexia):
    """HC3 errors with t on the residual df, as R's ``coeftest(fit, vcovHC(fit))``."""
    frame, _ = anorexia
    classical = {c.term: c for c in fit(frame).coefficients}
    robust = {c.term: c for c in fit(frame, se="robust").coefficients}
    reference = smf.ols("outcome ~ C(arm, Treatment('Cont')) + baseline", data=frame).fit(
        cov_type="HC3", use_t=True
    )
    expected = {
        "Intercept": "Intercept",
        "baseline": "baseline",
        "arm[CBT]": "C(arm, Treatment('Cont'))[T.CBT]",
        "arm[FT]": "C(arm, Treatment('Cont'))[T.FT]",
    }
    for term, name in expected.items():
        assert robust[term].estimate == pytest.approx(classical[term].estimate, rel=1e-12)
        assert robust[term].se != pytest.approx(classical[term].se, rel=1e-3)
        assert robust[term].se == pytest.approx(reference.bse[name], rel=1e-10)
        assert robust[term].p == pytest.approx(reference.pvalues[name], rel=1e-10)


def test_unknown_se_type_is_refused(anorexia):
    frame, _ = anorexia
    with pytest.raises(AnalysisError, match="classical"):
        fit(frame, se="bootstrap")


def test_missing_column_is_refused(anorexia):
    frame, _ = anorexia
    with pytest.raises(AnalysisError, match="not in the data: baseline"):
        fit(frame.drop(columns="baseline"))


def test_unknown_control_level_is_refused(anorexia):
    frame, _ = anorexia
    with pytest.raises(AnalysisError, match="control level 'Placebo' is not in column 'arm'"):
        ancova(frame, outcome="outcome", arm="arm", control="Placebo", baseline="baseline")


def test_too_few_rows_are_refused(anorexia):
    frame, _ = anorexia
    few = frame.groupby("arm").head(1)
    with pytest.raises(AnalysisError, match=r"Too few rows with complete data \(3\)"):
        fit(few)


def test_a_categorical_covariate_counts_one_parameter_per_extra_level():
    # 5 sites add 4 parameters to intercept, arm and baseline: 7 terms need 8 rows.
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "arm": ["Cont", "Int"] * 3 + ["Cont"],
            "site": ["A", "B", "C", "D", "E", "A", "B"],
            "baseline": rng.normal(10, 1, 7),
        }
    )
    frame["outcome"] = frame["baseline"] + rng.normal(0, 1, 7)
    with pytest.raises(AnalysisError, match="for a model with 7 terms"):
        ancova(
            frame,
            outcome="outcome",
            arm="arm",
            control="Cont",
            baseline="baseline",
            covariates=("site",),
        )


def test_complete_case_drop_is_reported(anorexia):
    frame, _ = anorexia
    gappy = frame.copy()
    gappy.loc[[0, 30], "outcome"] = np.nan
    gappy.loc[50, "baseline"] = np.nan
    result = fit(gappy)
    assert result.n_observations == 69
    assert sum(result.n_by_arm.values()) == 69
    assert (
        "3 row(s) with a missing value left out (complete case), "
        "2 of them with no outcome (a missed visit)."
    ) in result.warnings


def test_small_arms_are_warned_about(anorexia):
    frame, _ = anorexia
    small = pd.concat([frame[frame["arm"] != "FT"], frame[frame["arm"] == "FT"].head(4)])
    result = fit(small)
    assert "Fewer than 5 participants in arm(s): FT." in result.warnings


def test_result_is_frozen_and_serialisable(anorexia):
    frame, _ = anorexia
    result = fit(frame)
    with pytest.raises(AttributeError):
        result.r_squared = 1.0  # type: ignore[misc]
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["effects"]["FT"]["estimate"] == pytest.approx(8.6601, abs=1e-3)
