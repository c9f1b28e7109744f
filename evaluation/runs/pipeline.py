"""Running a locked analysis plan on the trial's data: every outcome, then the report's parts.

Everything the report shows is computed here once and stored with the run, so the report,
its PDF and its CSV tables always show the numbers of that run.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from evaluation.dataset import build_long_dataset
from evaluation.frames import completers, covariate_columns, outcome_frame, spec_for
from evaluation.plans.choices import ANALYSES, SUBGROUPS
from evaluation.plans.models import AnalysisPlan, MissingData, Multiplicity, Population
from evaluation.plans.services import plan_as_dict
from evaluation.reports.baseline import baseline_table
from evaluation.reports.charts import consort_alt_text, effect_vs_mid_svg, forest_figure
from evaluation.reports.consort import consort_flow, consort_svg
from evaluation.reports.safety import safety_by_arm
from evaluation.stats.engine import analyse, json_safe
from evaluation.stats.missing import mice_ancova
from evaluation.stats.multiplicity import holm
from evaluation.stats.provenance import fingerprint
from evaluation.stats.results import ModelResult
from evaluation.stats.spec import AnalysisError, ModelSpec
from evaluation.stats.subgroups import subgroup_effects
from trials.monitoring.reference import current_reference
from trials.monitoring.representativeness import representativeness
from trials.proposals.models import Measure, Trial

#: How an arm effect reads, by family: a difference (null 0) or a ratio (null 1).
EFFECT_SCALES = {
    "gaussian": ("Difference in means", 0.0),
    "binomial": ("Odds ratio", 1.0),
    "poisson": ("Rate ratio", 1.0),
    "negative_binomial": ("Rate ratio", 1.0),
}


def arm_effects(result: ModelResult, family: str) -> list[dict[str, Any]]:
    """Each intervention arm against control on the scale readers use (ratios exponentiated)."""
    label, null = EFFECT_SCALES[family]
    effects = []
    for c in result.coefficients:
        if not (c.term.startswith("arm[") or c.term == "difference"):
            continue
        transform = math.exp if null == 1.0 else float
        effects.append(
            {
                "arm": c.term[4:-1] if c.term.startswith("arm[") else "After minus before",
                "term": c.term,
                "scale": label,
                "null_value": null,
                "estimate": transform(c.estimate),
                "ci_low": transform(c.ci_low),
                "ci_high": transform(c.ci_high),
                "p": c.p,
            }
        )
    return effects


def outcome_inputs(
    long: pd.DataFrame,
    entry: dict[str, Any],
    plan: AnalysisPlan,
    *,
    control: str | None,
    baseline_visit: str | None,
) -> tuple[pd.DataFrame, ModelSpec]:
    """The frame and engine spec of one planned outcome (also what an export writes)."""
    choice = ANALYSES[entry["analysis"]]
    frame = outcome_frame(
        long, measure=entry["measure"], baseline_visit=baseline_visit, visit=entry["visit"]
    )
    if plan.population is Population.PER_PROTOCOL:
        frame = completers(frame)
    covariates = covariate_columns(frame, list(plan.covariates), repeated=choice.repeated)
    spec = spec_for(
        entry, control=control, covariates=covariates, standard_errors=plan.standard_errors
    )
    return frame, spec


def _analyse_outcome(
    long: pd.DataFrame,
    entry: dict[str, Any],
    plan: AnalysisPlan,
    *,
    control: str | None,
    baseline_visit: str | None,
) -> tuple[dict[str, Any], pd.DataFrame, ModelSpec]:
    frame, spec = outcome_inputs(long, entry, plan, control=control, baseline_visit=baseline_visit)
    outcome: dict[str, Any] = {
        **entry,
        "label": ANALYSES[entry["analysis"]].label,
        "spec": spec.to_dict(),
        "fingerprint": fingerprint(frame),
        "n_rows": len(frame),
    }
    try:
        result = analyse(frame, spec)
    except AnalysisError as error:
        return {**outcome, "error": str(error), "result": None, "effects": []}, frame, spec
    outcome |= {
        "error": None,
        "result": result.to_dict(),
        "effects": arm_effects(result, spec.family),
    }
    return outcome, frame, spec


def _adjust_secondaries(outcomes: list[dict[str, Any]], plan: AnalysisPlan) -> None:
    """Holm across every secondary arm comparison, stored beside each raw p-value."""
    p_values = {
        f"{i}:{effect['term']}": effect["p"]
        for i, outcome in enumerate(outcomes)
        if outcome["role"] == "secondary"
        for effect in outcome["effects"]
    }
    adjusted = holm(p_values) if plan.multiplicity is Multiplicity.HOLM else {}
    for i, outcome in enumerate(outcomes):
        for effect in outcome["effects"]:
            effect["p_adjusted"] = adjusted.get(f"{i}:{effect['term']}")


def _subgroups(frame: pd.DataFrame, spec: ModelSpec, plan: AnalysisPlan) -> list[dict[str, Any]]:
    if spec.model not in ("ancova", "glm") or spec.arm is None:
        return []
    found = []
    for key in plan.subgroups:
        try:
            found.append(subgroup_effects(frame, spec, key).to_dict())
        except AnalysisError as error:
            found.append({"subgroup": key, "label": SUBGROUPS[key], "error": str(error)})
    return found


def _sensitivity(frame: pd.DataFrame, spec: ModelSpec, plan: AnalysisPlan) -> dict[str, Any]:
    if plan.missing_data is not MissingData.COMPLETE_CASE_AND_MICE:
        return {}
    if spec.model != "ancova":
        return {"mice_error": "Multiple imputation is planned for an ANCOVA primary outcome only."}
    if not frame["outcome"].isna().any() and not frame["baseline"].isna().any():
        return {"mice_error": "No values are missing, so nothing was imputed."}
    try:
        result = mice_ancova(frame, spec)
    except AnalysisError as error:
        return {"mice_error": str(error)}
    return {"mice": result.to_dict(), "mice_effects": arm_effects(result, "gaussian")}


def _in_words(outcome: dict[str, Any]) -> str:
    """The analysis and what it adjusted for, e.g. ``ANCOVA: ...; adjusted for baseline, site``."""
    covariates = [c for c in outcome["spec"]["covariates"] if c != "visit"]
    names = {"baseline": "baseline value", "age_band": "age band"}
    adjusted = ", ".join(names.get(c, c) for c in covariates)
    return f"{outcome['label']}; adjusted for {adjusted}" if adjusted else outcome["label"]


def _primary_block(
    primary: dict[str, Any], measure: Measure, control: str | None, frame: pd.DataFrame
) -> dict[str, Any]:
    """The primary result in the shape the results pages read (see ``runs.queries``)."""
    result = primary["result"] or {}
    ratio = any(e["null_value"] == 1.0 for e in primary["effects"])
    return {
        "measure": {
            "name": measure.name,
            "unit": measure.unit,
            "minimal_important_difference": None if ratio else measure.minimal_important_difference,
            "lower_is_better": measure.lower_is_better,
        },
        "control": control or "before",
        "model_in_words": _in_words(primary),
        "se_type": result.get("se_type") or primary["spec"]["se"],
        "effects": {e["arm"]: e for e in primary["effects"]},
        "null_value": 1.0 if ratio else 0.0,
        "effect_scale": primary["effects"][0]["scale"] if primary["effects"] else None,
        "coefficients": result.get("coefficients", []),
        "n_by_arm": result.get("n_by_arm")
        or frame.dropna(subset=["outcome"])
        .drop_duplicates("participant")["arm"]
        .value_counts()
        .sort_index()
        .to_dict(),
        "n_randomised_by_arm": frame.drop_duplicates("participant")["arm"]
        .value_counts()
        .sort_index()
        .to_dict(),
        "warnings": result.get("warnings", []) + ([primary["error"]] if primary["error"] else []),
    }


def _representativeness(session: Session, trial: Trial) -> dict[str, Any]:
    """Participants against Dorset's adult population, as the monitoring page reads it."""
    comparison = representativeness(session, trial.id, current_reference(session))
    return {
        "participants": comparison.participants,
        "source": comparison.source,
        "tables": [
            {
                "label": table.label,
                "known": table.known,
                "unknown": table.unknown,
                "too_few": table.too_few,
                "rows": [
                    {
                        "label": row.label,
                        "count": row.count,
                        "share": row.share,
                        "reference_share": row.reference_share,
                        "under_represented": row.under_represented,
                        "core20plus5": row.is_core20plus5,
                    }
                    for row in table.rows
                ],
            }
            for table in comparison.tables
        ],
        "under_represented": [row.label for row in comparison.warnings],
    }


def _forest_rows(subgroups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per subgroup level and intervention arm, for the forest plot."""
    rows = []
    for group in subgroups:
        label = SUBGROUPS.get(group.get("subgroup", ""), group.get("subgroup", ""))
        for level in group.get("levels", []):
            effects = [e for e in level["effects"] if e["term"].startswith("arm[")]
            if not effects:
                rows.append(
                    {
                        "label": f"{label}: {level['level']}",
                        "estimate": None,
                        "ci_low": None,
                        "ci_high": None,
                        "n": level["n_participants"],
                    }
                )
            for effect in effects:
                arm = effect["term"][4:-1]
                rows.append(
                    {
                        "label": f"{label}: {level['level']}"
                        + (f" ({arm})" if len(effects) > 1 else ""),
                        "estimate": effect["estimate"],
                        "ci_low": effect["ci_low"],
                        "ci_high": effect["ci_high"],
                        "n": level["n_participants"],
                    }
                )
    return rows


def _charts(flow: Any, primary: dict[str, Any], subgroups: list[dict[str, Any]]) -> dict[str, Any]:
    """The report's figures, drawn once at run time (SVG data URIs with their alt text)."""
    charts: dict[str, Any] = {
        "consort": consort_svg(flow),
        "consort_alt": consort_alt_text(flow),
        "effect": None,
        "forest": None,
    }
    effects = list(primary["effects"].values())
    if effects and primary["null_value"] == 0.0 and effects[0]["ci_low"] is not None:
        first = effects[0]
        charts["effect"] = effect_vs_mid_svg(
            first["estimate"],
            first["ci_low"],
            first["ci_high"],
            primary["measure"]["minimal_important_difference"],
            primary["measure"]["lower_is_better"],
            label=f"{first['arm']} minus {primary['control']} ({primary['measure']['unit']})",
        )
    rows = _forest_rows(subgroups)
    if rows:
        gaussian = all(g.get("family", "gaussian") == "gaussian" for g in subgroups)
        charts["forest"] = forest_figure(
            rows,
            null_value=0.0,
            label="Difference" if gaussian else "Log odds or rate ratio",
            caption="Primary outcome effect within subgroups, with 95% confidence intervals",
        )
    return charts


def plan_context(trial: Trial, plan: AnalysisPlan) -> tuple[str | None, str | None]:
    """The control arm's name (None for a single arm) and the baseline visit's code."""
    arms = {arm.id: arm.name for arm in trial.arms}
    control = arms.get(plan.control_arm_id) if plan.control_arm_id else None
    baseline = next((v.code for v in trial.visits if v.is_baseline), None)
    return control, baseline


def run_plan(session: Session, trial: Trial, plan: AnalysisPlan) -> tuple[str, dict[str, Any]]:
    """Fit every planned outcome and build the report's parts.

    Returns:
        The fingerprint of the whole analysis dataset, and the run's JSON result.
    """
    long = build_long_dataset(session, trial)
    control, baseline = plan_context(trial, plan)
    measures = {m.id: m for m in trial.measures}
    outcomes, primary_frame, primary_spec = [], None, None
    for entry in plan.outcomes:
        outcome, frame, spec = _analyse_outcome(
            long, entry, plan, control=control, baseline_visit=baseline
        )
        outcomes.append(outcome)
        if entry["role"] == "primary":
            primary_frame, primary_spec = frame, spec
    _adjust_secondaries(outcomes, plan)
    primary = next(o for o in outcomes if o["role"] == "primary")
    assert primary_frame is not None and primary_spec is not None
    primary_block = _primary_block(primary, measures[primary["measure_id"]], control, primary_frame)
    flow = consort_flow(session, trial, analysed_by_arm=primary_block["n_by_arm"])
    subgroups = _subgroups(primary_frame, primary_spec, plan)
    payload = {
        "plan": plan_as_dict(plan),
        "population": plan.population,
        "outcomes": outcomes,
        "primary": primary_block,
        "subgroups": subgroups,
        "sensitivity": _sensitivity(primary_frame, primary_spec, plan),
        "consort": flow.to_dict(),
        "baseline": baseline_table(session, trial, long=long).to_dict(),
        "safety": safety_by_arm(session, trial).to_dict(),
        "representativeness": _representativeness(session, trial),
        "charts": _charts(flow, primary_block, subgroups),
    }
    return fingerprint(long), json_safe(payload)
