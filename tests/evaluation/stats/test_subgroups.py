"""Subgroup effects and the arm x subgroup interaction test, checked against R (pure, no app).

Reference numbers: ``reference/r/paired_subgroups_anorexia.json`` (R's ``anova`` of nested
``lm``/``glm`` fits on MASS::anorexia, with the R calls recorded in the file).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.stats.engine import fitter
from evaluation.stats.results import ModelResult
from evaluation.stats.spec import AnalysisError, ModelSpec
from evaluation.stats.subgroups import subgroup_effects

REFERENCE = Path(__file__).parents[1] / "reference"
SPEC = ModelSpec(
    model="ancova",
    outcome="outcome",
    arm="arm",
    control="Cont",
    covariates=("baseline",),
    participant="participant_id",
)


def close(ours: float, reference: float) -> bool:
    """The tolerance rule of reference/README.md: 1e-4 absolute plus 1e-3 relative."""
    return abs(ours - reference) <= 1e-4 + 1e-3 * abs(reference)


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((REFERENCE / "r" / "paired_subgroups_anorexia.json").read_text())


@pytest.fixture
def anorexia() -> pd.DataFrame:
    frame = pd.read_csv(REFERENCE / "anorexia.csv")
    heavier = frame["baseline"] > frame["baseline"].median()
    return frame.assign(
        heavier=np.where(heavier, "yes", "no"),
        gained=(frame["outcome"] > frame["baseline"]).astype(int),
    )


def test_within_level_effects_match_r(anorexia, expected):
    result = subgroup_effects(anorexia, SPEC, "heavier")
    assert [level.level for level in result.levels] == ["no", "yes"]
    for level in result.levels:
        reference = expected["within"][level.level]
        effects = {c.term: c for c in level.effects}
        assert set(effects) == {"arm[CBT]", "arm[FT]"}
        for term, r_term in (("arm[CBT]", "armCBT"), ("arm[FT]", "armFT")):
            assert close(effects[term].estimate, reference["estimate"][r_term])
            assert close(effects[term].se, reference["se"][r_term])
    assert result.levels[0].n_by_arm == {"Cont": 15, "CBT": 14, "FT": 7}
    assert result.levels[0].n_participants == 36


def test_interaction_f_test_matches_r(anorexia, expected):
    result = subgroup_effects(anorexia, SPEC, "heavier")
    reference = expected["f_test"]
    assert result.interaction is not None
    assert result.interaction.test == "F"
    assert close(result.interaction.statistic, reference["F"])
    assert result.interaction.df == (reference["df1"], reference["df2"])
    assert result.interaction_p == pytest.approx(reference["p"], rel=1e-6)
    assert result.interaction.terms == ("arm[CBT]:heavier[yes]", "arm[FT]:heavier[yes]")


def test_interaction_likelihood_ratio_for_a_binary_glm_matches_r(anorexia, expected):
    spec = ModelSpec(
        model="glm",
        family="binomial",
        outcome="gained",
        arm="arm",
        control="Cont",
        covariates=("baseline",),
    )
    result = subgroup_effects(anorexia, spec, "heavier")
    reference = expected["lr_test"]
    assert result.interaction is not None
    assert result.interaction.test == "likelihood ratio"
    assert close(result.interaction.statistic, reference["deviance"])
    assert result.interaction_p == pytest.approx(reference["p"], rel=1e-5)


def test_small_levels_and_missing_arms_are_noted_not_fitted(anorexia):
    # "tiny": the first two participants of each arm; "solo": three FT participants only.
    rank_in_arm = anorexia.groupby("arm").cumcount()
    site = np.where(rank_in_arm < 2, "tiny", "main")
    site[((anorexia["arm"] == "FT") & (rank_in_arm >= 14)).to_numpy()] = "solo"
    frame = anorexia.assign(site=site)
    calls: list[int] = []

    def fit(data: pd.DataFrame, spec: ModelSpec) -> ModelResult:
        calls.append(len(data))
        return fitter(spec.model)(data, spec)

    result = subgroup_effects(frame, SPEC, "site", fit=fit)
    by_level = {level.level: level for level in result.levels}
    assert by_level["main"].fitted and len(calls) == 1
    assert "only 6 participants (at least 10" in by_level["tiny"].note
    assert by_level["tiny"].n_by_arm == {"Cont": 2, "CBT": 2, "FT": 2}
    assert "no participants in arm Cont, CBT" in by_level["solo"].note
    assert by_level["tiny"].effects == ()
    assert result.interaction is None
    assert result.interaction_p is None
    assert any("at least two subgroup levels" in n for n in result.notes)
    assert result.to_dict()["levels"][1]["note"].startswith("Not estimated")


def test_numeric_subgroup_codes_are_categories_and_covariate_is_dropped_within_levels(anorexia):
    frame = anorexia.assign(band=(anorexia.index % 3) + 1)
    spec = ModelSpec(**{**SPEC.to_dict(), "covariates": ("baseline", "band")})
    result = subgroup_effects(frame, spec, "band")
    assert [level.level for level in result.levels] == ["1", "2", "3"]
    assert all(level.fitted for level in result.levels)
    assert result.interaction is not None
    assert result.interaction.df[0] == 4
    assert "arm[FT]:band[3]" in result.interaction.terms


def test_missing_subgroup_is_left_out_with_a_note(anorexia):
    frame = anorexia.astype({"heavier": object})
    frame.loc[[0, 1], "heavier"] = None
    result = subgroup_effects(frame, SPEC, "heavier")
    assert sum(level.n_participants for level in result.levels) == 70
    assert "2 row(s) with no heavier left out." in result.notes


def test_a_spec_without_arms_is_refused(anorexia):
    spec = ModelSpec(model="mixed", outcome="outcome", participant="participant_id")
    with pytest.raises(AnalysisError, match="parallel-arm"):
        subgroup_effects(anorexia, spec, "heavier")
    with pytest.raises(AnalysisError, match="not in the data"):
        subgroup_effects(anorexia, SPEC, "region")
