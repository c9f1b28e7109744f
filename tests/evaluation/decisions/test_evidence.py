"""The evidence pack: the numbers of a built trial, and the certainty and tier rules."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from evaluation.decisions.evidence import (
    RANDOMISED_STATEMENT,
    UNCONTROLLED_STATEMENT,
    Certainty,
    evidence_pack,
    representativeness_of,
    secondary_effects,
    suggest_certainty,
)
from evaluation.runs.models import AnalysisRun
from evaluation.runs.queries import ArmEffect
from evaluation.runs.services import latest_run
from livinglab.products.models import EsfTier
from trials.proposals.models import TrialDesign
from trials.states import TrialStatus


def test_pack_holds_the_runs_primary_effect_safety_and_tier(session, build_trial):
    trial = build_trial(n=16, status=TrialStatus.EVALUATED)
    trial.product.esf_tier = EsfTier.TIER_C
    run = latest_run(session, trial.id)
    stored = run.result["primary"]["effects"]["Product"]

    pack = evidence_pack(session, trial, run)

    (arm,) = pack.primary
    assert arm.arm == "Product"
    assert (arm.estimate, arm.ci_low, arm.ci_high, arm.p) == (
        stored["estimate"],
        stored["ci_low"],
        stored["ci_high"],
        stored["p"],
    )
    assert arm.ci_high < 0  # the product arm is faster: lower is better
    assert arm.excludes_no_difference is True
    # The CI reaches above -1.5 s, so it is not wholly beyond the MID; and 16 < 50.
    assert arm.ci_high > -1.5 and arm.beyond_mid is False
    assert arm.suggested_certainty is Certainty.LOW
    assert arm.certainty_reasons == (
        "The 95% CI is not wholly beyond the minimal important difference.",
        "Fewer than 50 participants were analysed.",
    )
    assert pack.suggested_certainty is Certainty.LOW
    assert (pack.n_analysed, pack.n_randomised) == (16, 16)
    assert pack.mid_sentence == "1.50 seconds (a difference of -1.50 or less matters)"
    assert pack.secondaries == ()
    assert [(s.arm, s.randomised, s.with_any_event, s.deaths) for s in pack.safety] == [
        ("Usual care", 8, 0, 0),
        ("Product", 8, 0, 0),
        ("Total", 16, 0, 0),
    ]
    assert pack.representativeness.participants == 16
    assert pack.esf.declared_tier == "tier_c"
    assert pack.esf.design_tier == "tier_c"
    assert pack.esf.statement == RANDOMISED_STATEMENT
    assert pack.esf.meets_declared_tier is True
    assert pack.company_cost is None
    assert "has not supplied cost information" in pack.cost_message
    assert json.loads(json.dumps(pack.to_dict()))["primary"][0]["arm"] == "Product"


def test_a_single_arm_design_reaches_tier_b_at_most(session, build_trial):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    trial.design = TrialDesign.SINGLE_ARM
    trial.product.esf_tier = EsfTier.TIER_C
    pack = evidence_pack(session, trial, latest_run(session, trial.id))
    assert pack.esf.design_tier == "tier_b"
    assert pack.esf.statement == UNCONTROLLED_STATEMENT
    assert pack.esf.meets_declared_tier is False
    assert pack.primary[0].certainty_reasons[0].startswith("There is no randomised control arm")


def test_no_declared_tier_is_said_plainly(session, build_trial):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    pack = evidence_pack(session, trial, latest_run(session, trial.id))
    assert pack.esf.declared_tier is None
    assert pack.esf.declared_tier_label == "Not declared by the company"
    assert pack.esf.meets_declared_tier is None


# The certainty rules -------------------------------------------------------------------


def effect(low: float, high: float) -> ArmEffect:
    excludes = not low <= 0 <= high
    return ArmEffect("Product", (low + high) / 2, low, high, 0.01, excludes, None, "")


@pytest.mark.parametrize(
    ("low", "high", "controlled", "n", "warnings", "expected"),
    [
        (-4.0, -2.0, True, 60, 0, Certainty.HIGH),
        (-4.0, -1.0, True, 60, 0, Certainty.MODERATE),  # CI reaches inside the MID
        (-4.0, -2.0, True, 40, 0, Certainty.MODERATE),  # too few analysed
        (-4.0, -2.0, True, 60, 1, Certainty.MODERATE),  # the analysis warned
        (-2.0, 1.0, True, 60, 0, Certainty.LOW),  # includes no difference (and the MID)
        (-2.0, 1.0, True, 20, 1, Certainty.VERY_LOW),  # never below very low
        (-4.0, -2.0, False, 60, 0, Certainty.LOW),  # before-and-after starts low
        (-4.0, -1.0, False, 60, 0, Certainty.VERY_LOW),
    ],
)
def test_suggested_certainty_follows_the_stated_rules(low, high, controlled, n, warnings, expected):
    certainty, _ = suggest_certainty(
        effect(low, high),
        controlled=controlled,
        mid_threshold=-1.5,
        n_analysed=n,
        warnings=warnings,
    )
    assert certainty is expected


def test_without_a_mid_the_suggestion_cannot_be_high():
    certainty, reasons = suggest_certainty(
        effect(-4.0, -2.0), controlled=True, mid_threshold=None, n_analysed=100, warnings=0
    )
    assert certainty is Certainty.MODERATE
    assert reasons == ("No minimal important difference was declared.",)


# Secondary outcomes and representativeness from a stored result ----------------------


def test_secondaries_carry_the_holm_adjusted_p_value():
    result = {
        "outcomes": [
            {"role": "primary", "measure": "Timed Up and Go", "effects": [{"p": 0.01}]},
            {
                "role": "secondary",
                "measure": "Falls",
                "effects": [
                    {
                        "arm": "Product",
                        "scale": "Rate ratio",
                        "estimate": 0.7,
                        "ci_low": 0.5,
                        "ci_high": 0.98,
                        "p": 0.02,
                        "p_adjusted": 0.04,
                    }
                ],
            },
        ]
    }
    (falls,) = secondary_effects(result)
    assert (falls.measure, falls.scale, falls.p, falls.p_adjusted) == (
        "Falls",
        "Rate ratio",
        0.02,
        0.04,
    )
    assert secondary_effects({}) == ()


def test_under_represented_groups_keep_their_core20plus5_flag():
    row = {"share": 0.0, "reference_share": 0.07, "core20plus5": True}
    result = {
        "representativeness": {
            "participants": 60,
            "source": "Census 2021",
            "tables": [
                {
                    "label": "Deprivation quintile",
                    "too_few": False,
                    "rows": [
                        {
                            **row,
                            "label": "1 (most deprived 20% of areas)",
                            "under_represented": True,
                        },
                        {**row, "label": "2", "under_represented": False, "core20plus5": False},
                    ],
                },
                {"label": "Ethnic group", "too_few": True, "rows": []},
            ],
        }
    }
    rep = representativeness_of(result)
    assert [(g.dimension, g.group, g.is_core20plus5) for g in rep.under_represented] == [
        ("Deprivation quintile", "1 (most deprived 20% of areas)", True)
    ]
    assert rep.too_few_to_compare == ("Ethnic group",)
    assert representativeness_of({}) is None


def test_a_legacy_run_without_report_parts_still_gives_a_pack(session, build_trial):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    done = latest_run(session, trial.id)
    legacy = AnalysisRun(
        id=done.id,
        trial_id=trial.id,
        analysis="primary_ancova",
        run_by_id=done.run_by_id,
        run_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        data_fingerprint=done.data_fingerprint,
        versions=done.versions,
        result=done.result["primary"],
    )
    pack = evidence_pack(session, trial, legacy)
    assert pack.safety is None and pack.representativeness is None and pack.secondaries == ()
    assert pack.primary[0].arm == "Product"
