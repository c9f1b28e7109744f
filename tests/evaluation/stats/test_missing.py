"""MICE sensitivity analysis for the ANCOVA: agreement, imputation and repeatability (pure)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from evaluation.stats.missing import METHOD, mice_ancova
from evaluation.stats.spec import AnalysisError, ModelSpec

REFERENCE = Path(__file__).parents[1] / "reference"
SPEC = ModelSpec(
    model="ancova",
    outcome="outcome",
    arm="arm",
    control="Cont",
    covariates=("baseline",),
    participant="participant_id",
    visit="post",
)
TERMS = {
    "Intercept": "Intercept",
    "arm[CBT]": "C(arm, Treatment('Cont'))[T.CBT]",
    "arm[FT]": "C(arm, Treatment('Cont'))[T.FT]",
    "baseline": "baseline",
}


@pytest.fixture
def anorexia() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "anorexia.csv")


def with_gaps(frame: pd.DataFrame) -> pd.DataFrame:
    gappy = frame.astype({"outcome": object})
    gappy.loc[[1, 5, 30, 40, 50, 60], "outcome"] = ""
    gappy.loc[[2, 33], "baseline"] = np.nan
    return gappy


def test_without_missing_data_it_is_the_complete_case_ols(anorexia):
    result = mice_ancova(anorexia, SPEC, imputations=5)
    ols = smf.ols("outcome ~ C(arm, Treatment('Cont')) + baseline", anorexia).fit()
    for ours, theirs in TERMS.items():
        coefficient = result.coefficient(ours)
        assert coefficient.estimate == pytest.approx(ols.params[theirs], rel=1e-8)
        assert coefficient.se == pytest.approx(ols.bse[theirs], rel=1e-8)
    assert result.statistics["imputed_values"] == {"outcome": 0}
    assert any("No values were missing" in w for w in result.warnings)


def test_missed_visits_and_missing_baselines_are_imputed(anorexia):
    result = mice_ancova(with_gaps(anorexia), SPEC)
    assert result.n_participants == result.n_observations == 72
    assert result.statistics["imputed_values"] == {"outcome": 6, "baseline": 2}
    assert result.statistics["imputations"] == 20
    assert result.statistics["method"] == METHOD
    assert [c.term for c in result.coefficients] == list(TERMS)
    for coefficient in result.coefficients:
        assert np.isfinite([coefficient.estimate, coefficient.se, coefficient.p]).all()
        assert coefficient.ci_low < coefficient.estimate < coefficient.ci_high
    fmi = result.statistics["fraction_missing_information"]
    assert set(fmi) == set(TERMS)
    assert all(0 < value < 1 for value in fmi.values())
    # Imputation adds uncertainty: no term is more precise than in the full data.
    full = mice_ancova(anorexia, SPEC, imputations=2)
    assert result.coefficient("arm[FT]").se > full.coefficient("arm[FT]").se


def test_same_seed_same_numbers_and_global_rng_untouched(anorexia):
    gappy = with_gaps(anorexia)
    np.random.seed(11)
    expected_next = np.random.random()
    np.random.seed(11)
    first = mice_ancova(gappy, SPEC, imputations=5, seed=7)
    assert np.random.random() == expected_next
    assert mice_ancova(gappy, SPEC, imputations=5, seed=7) == first
    other = mice_ancova(gappy, SPEC, imputations=5, seed=8)
    assert other.coefficient("arm[FT]").estimate != first.coefficient("arm[FT]").estimate


def test_text_covariates_enter_as_dummies_and_rows_without_arm_are_left_out(anorexia):
    frame = with_gaps(anorexia).assign(site=np.where(anorexia.index % 2 == 0, "DOR", "POO"))
    frame.loc[3, "arm"] = None
    spec = ModelSpec(**{**SPEC.to_dict(), "covariates": ("baseline", "site")})
    result = mice_ancova(frame, spec, imputations=5)
    assert "site[POO]" in [c.term for c in result.coefficients]
    assert result.n_observations == 71
    assert any("1 row(s) missing the arm" in w for w in result.warnings)


def test_refusals(anorexia):
    with pytest.raises(AnalysisError, match="at least 2 imputations"):
        mice_ancova(anorexia, SPEC, imputations=1)
    with pytest.raises(AnalysisError, match="for the ANCOVA"):
        mice_ancova(anorexia, ModelSpec(**{**SPEC.to_dict(), "model": "glm"}))
    with pytest.raises(AnalysisError, match="not in the data"):
        mice_ancova(anorexia, ModelSpec(**{**SPEC.to_dict(), "covariates": ("age",)}))
