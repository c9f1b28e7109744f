"""From the long dataset to each planned outcome's frame and spec, for every kind of model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.frames import age_65_plus, completers, covariate_columns, outcome_frame, spec_for
from evaluation.plans.choices import ANALYSES
from evaluation.stats.engine import analyse
from evaluation.stats.spec import parse_spec

VISITS = [("baseline", 0), ("week_6", 42), ("week_12", 84)]


def long_dataset(n: int = 60, seed: int = 5) -> pd.DataFrame:
    """A two-arm trial at two sites: a continuous score at every visit, a binary and a
    count outcome at week 12; the last three people miss week 12."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        arm = "Product" if i % 2 else "Usual care"
        person = {
            "participant": f"P{i:03d}",
            "site": "WFH" if i % 3 else "DOR",
            "arm": arm,
            "age_band": ["50-64", "65-74", "75+"][i % 3],
            "sex": "female" if i % 4 < 2 else "male",
            "imd_quintile": 1 + i % 5,
        }
        base = rng.normal(15, 3)
        effect = -2.0 if arm == "Product" else 0.0
        missed = i >= n - 3
        for visit, day in VISITS:
            score = base + (effect * day / 84) + rng.normal(0, 1)
            value = None if missed and visit == "week_12" else round(score, 1)
            rows.append({**person, "visit": visit, "day": day, "measure": "Score", "value": value})
        fell = float(rng.random() < (0.2 if arm == "Product" else 0.45))
        falls = float(rng.poisson(0.5 if arm == "Product" else 1.2))
        for measure, value in (("Fell", fell), ("Falls", falls)):
            rows.append(
                {
                    **person,
                    "visit": "week_12",
                    "day": 84,
                    "measure": measure,
                    "value": None if missed else value,
                }
            )
    return pd.DataFrame(rows)


def test_a_single_visit_frame_has_one_row_per_person_and_keeps_missed_visits():
    frame = outcome_frame(
        long_dataset(), measure="Score", baseline_visit="baseline", visit="week_12"
    )
    assert len(frame) == 60 and frame["participant"].is_unique
    assert frame["outcome"].isna().sum() == 3
    assert frame["baseline"].notna().all()
    assert set(frame["imd_quintile"]) == {"Q1", "Q2", "Q3", "Q4", "Q5"}
    assert set(frame["age_65_plus"]) == {"65+", "under 65"}
    assert "value" not in frame and "measure" not in frame


def test_a_repeated_frame_has_every_follow_up_visit_in_order():
    frame = outcome_frame(long_dataset(), measure="Score", baseline_visit="baseline", visit=None)
    assert len(frame) == 120
    assert list(frame.loc[frame["participant"] == "P000", "visit"]) == ["week_6", "week_12"]


def test_per_protocol_keeps_people_with_every_analysed_visit():
    frame = outcome_frame(long_dataset(), measure="Score", baseline_visit="baseline", visit=None)
    kept = completers(frame)
    assert kept["participant"].nunique() == 57
    assert kept["outcome"].notna().all()


@pytest.mark.parametrize(
    ("band", "expected"), [("65-74", "65+"), ("75+", "65+"), ("50-64", "under 65"), (None, None)]
)
def test_age_65_plus(band, expected):
    assert age_65_plus(band) == expected


def test_useless_covariates_drop_out_and_repeated_models_adjust_for_visit():
    frame = outcome_frame(
        long_dataset(), measure="Fell", baseline_visit="baseline", visit="week_12"
    )
    # No baseline value of "Fell" exists, and everyone could share one sex.
    assert covariate_columns(frame, ["baseline", "site"], repeated=False) == ["site"]
    one_sex = frame.assign(sex="female")
    assert covariate_columns(one_sex, ["sex", "site"], repeated=False) == ["site"]
    repeated = outcome_frame(long_dataset(), measure="Score", baseline_visit="baseline", visit=None)
    assert covariate_columns(repeated, ["baseline"], repeated=True) == ["baseline", "visit"]


@pytest.mark.parametrize(
    ("measure", "analysis"),
    [
        ("Score", "ancova"),
        ("Score", "mixed"),
        ("Score", "gee_gaussian"),
        ("Fell", "glm_binomial"),
        ("Falls", "glm_poisson"),
        ("Falls", "glm_negative_binomial"),
    ],
)
def test_every_planned_analysis_fits_its_frame_and_finds_the_effect(measure, analysis):
    choice = ANALYSES[analysis]
    entry = {
        "model": choice.model,
        "family": choice.family,
        "visit": None if choice.repeated else "week_12",
    }
    frame = outcome_frame(
        long_dataset(), measure=measure, baseline_visit="baseline", visit=entry["visit"]
    )
    covariates = covariate_columns(frame, ["baseline", "site"], repeated=choice.repeated)
    spec = spec_for(entry, control="Usual care", covariates=covariates, standard_errors="classical")
    # The spec survives the JSON round trip an export makes.
    assert parse_spec(spec.to_dict()) == spec
    result = analyse(frame, spec)
    effect = result.coefficient("arm[Product]")
    assert effect.ci_low < effect.estimate < effect.ci_high
    assert effect.estimate < 0, "the product lowers every outcome in this data"
    assert result.n_participants == (60 if choice.repeated else 57)


def test_a_single_arm_plan_is_a_paired_comparison():
    long = long_dataset()
    long = long[long["arm"] == "Product"]
    frame = outcome_frame(long, measure="Score", baseline_visit="baseline", visit="week_12")
    spec = spec_for(
        {"model": "paired", "family": "gaussian", "visit": "week_12"},
        control=None,
        covariates=[],
        standard_errors="classical",
    )
    result = analyse(frame, spec)
    difference = result.coefficient("difference")
    assert difference.ci_high < 0
    assert result.statistics["wilcoxon"]["p"] < 0.05
