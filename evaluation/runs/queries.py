"""Reads for the evaluation pages: the trial list, arm counts, stored results, number formats."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from flask import abort
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from evaluation.decisions.models import AdoptionDecision
from evaluation.plans.models import AnalysisPlan
from evaluation.runs.models import AnalysisRun
from evaluation.runs.services import latest_run
from livinglab.accounts.models import User
from trials.enrolment.models import Enrolment
from trials.permissions import EVALUATOR_STATES, is_company_member
from trials.proposals.models import Arm, Trial
from trials.queries import get_trial_or_404
from trials.states import TrialStatus, roles_for


def format_estimate(value: float | None) -> str:
    """An estimate to 2 decimal places."""
    if value is None or not math.isfinite(value):
        return "not available"
    return f"{value:.2f}"


def format_p_value(p: float | None) -> str:
    """A p-value as ``< 0.001`` when below 0.001, else to 3 decimal places."""
    if p is None or not math.isfinite(p):
        return "not available"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


#: What the evaluator does next, by trial status.
NEXT_STEPS: dict[TrialStatus, str] = {
    TrialStatus.FOLLOW_UP: "Write and lock the analysis plan, then lock the trial data",
    TrialStatus.LOCKED: "Run the analysis plan",
    TrialStatus.EVALUATED: "Record the adoption decision",
    TrialStatus.DECIDED: "None: the decision is recorded",
}


def query_evaluation_trials() -> Select[tuple[Trial]]:
    """Trials an evaluator works on, those still needing a decision first."""
    return (
        select(Trial)
        .where(Trial.status.in_(EVALUATOR_STATES))
        .options(selectinload(Trial.organisation), selectinload(Trial.product))
        .order_by(Trial.status == TrialStatus.DECIDED, Trial.id.desc())
    )


def count_randomised_by_arm(session: Session, trial: Trial) -> dict[str, int]:
    """Arm name -> participants randomised to it, in arm order (one aggregate query)."""
    rows = session.execute(
        select(Arm.name, func.count(Enrolment.id))
        .outerjoin(Enrolment, Enrolment.arm_id == Arm.id)
        .where(Arm.trial_id == trial.id)
        .group_by(Arm.id, Arm.name, Arm.position)
        .order_by(Arm.position, Arm.id)
    )
    return {name: count for name, count in rows}


@dataclass(frozen=True)
class EvaluationActions:
    """Which of the evaluator's forms the trial's state allows."""

    can_lock: bool
    can_run: bool
    can_decide: bool
    #: The plan can still be written or locked (follow-up, before the data lock).
    can_plan: bool
    plan_locked: bool


def evaluation_actions(
    trial: Trial, result: PrimaryResult | None, plan: AnalysisPlan | None = None
) -> EvaluationActions:
    """Plan and lock in follow-up; run once locked under a locked plan (again until
    decided); decide after a run."""
    plan_locked = plan is not None and plan.is_locked
    return EvaluationActions(
        can_lock=bool(roles_for(trial.status, TrialStatus.LOCKED)),
        can_run=trial.status in (TrialStatus.LOCKED, TrialStatus.EVALUATED) and plan_locked,
        can_decide=bool(roles_for(trial.status, TrialStatus.DECIDED)) and result is not None,
        can_plan=trial.status is TrialStatus.FOLLOW_UP,
        plan_locked=plan_locked,
    )


def recent_runs(session: Session, trial_id: int, limit: int = 10) -> list[AnalysisRun]:
    """The trial's newest runs, whatever their status (one query)."""
    return list(
        session.scalars(
            select(AnalysisRun)
            .where(AnalysisRun.trial_id == trial_id)
            .order_by(AnalysisRun.run_at.desc(), AnalysisRun.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class ArmEffect:
    """One intervention arm's adjusted difference from control, read against the MID."""

    arm: str
    estimate: float
    ci_low: float
    ci_high: float
    p: float
    excludes_zero: bool
    #: None when the trial declared no minimal important difference.
    crosses_mid: bool | None
    conclusion: str


@dataclass(frozen=True)
class PrimaryResult:
    """A stored primary analysis run, ready to show."""

    run_id: int
    run_at: dt.datetime
    measure: str
    unit: str
    lower_is_better: bool
    #: The MID signed in the direction of benefit (negative when lower is better).
    mid_threshold: float | None
    model_in_words: str
    se_type: str
    control: str
    effects: tuple[ArmEffect, ...]
    n_randomised: dict[str, int]
    n_analysed: dict[str, int]
    warnings: tuple[str, ...]
    fingerprint: str
    versions: dict[str, str]

    @property
    def mid_sentence(self) -> str:
        """The MID in words, e.g. ``1.50 seconds (a difference of -1.50 or less matters)``."""
        if self.mid_threshold is None:
            return "not declared"
        bound = "less" if self.lower_is_better else "more"
        return (
            f"{format_estimate(abs(self.mid_threshold))} {self.unit} (a difference of "
            f"{format_estimate(self.mid_threshold)} or {bound} matters)"
        )


def _conclusion(
    arm: str, control: str, low: float, high: float, *, lower_is_better: bool, mid: float | None
) -> str:
    """One plain-English sentence reading the 95% CI against zero and the MID."""
    if low <= 0 <= high:
        return (
            f"The 95% CI includes no difference: the trial does not show that {arm} "
            f"differs from {control}."
        )
    if not (high < 0 if lower_is_better else low > 0):
        return f"{arm} is worse than {control}."
    if mid is None:
        return f"{arm} is better than {control}."
    nearest, furthest = sorted((abs(low), abs(high)))
    if nearest >= mid:
        return f"{arm} is better than {control} by at least the minimal important difference."
    if furthest < mid:
        return f"{arm} is better than {control}, but by less than the minimal important difference."
    return (
        f"{arm} is better than {control}, but the benefit may be smaller than the minimal "
        "important difference."
    )


def _mid_threshold(measure: dict[str, Any]) -> float | None:
    """The MID signed in the direction of benefit, or None when none was declared."""
    mid = measure["minimal_important_difference"]
    if mid is None:
        return None
    return -abs(mid) if measure["lower_is_better"] else abs(mid)


def _arm_effect(
    arm: str, coefficient: dict[str, Any], control: str, measure: dict[str, Any]
) -> ArmEffect:
    low, high = coefficient["ci_low"], coefficient["ci_high"]
    # A ratio (odds, rate) shows no difference at 1; a difference at 0.
    null = coefficient.get("null_value", 0.0)
    lower_is_better = measure["lower_is_better"]
    threshold = _mid_threshold(measure)
    mid = None if threshold is None else abs(threshold)
    return ArmEffect(
        arm=arm,
        estimate=coefficient["estimate"],
        ci_low=low,
        ci_high=high,
        p=coefficient["p"],
        excludes_zero=not low <= null <= high,
        crosses_mid=None if threshold is None else low < threshold < high,
        conclusion=_conclusion(
            arm, control, low - null, high - null, lower_is_better=lower_is_better, mid=mid
        ),
    )


def _model_in_words(result: dict[str, Any]) -> str:
    adjusted = ["baseline value"]
    if any(c["term"].startswith("site[") for c in result["coefficients"]):
        adjusted.append("site")
    return f"follow-up value adjusted for {' and '.join(adjusted)}"


def primary_result(run: AnalysisRun) -> PrimaryResult:
    """Read the primary result of a stored run (a plan run, or an older primary ANCOVA)."""
    result = run.result.get("primary", run.result)
    measure = result["measure"]
    control = result["control"]
    return PrimaryResult(
        run_id=run.id,
        run_at=run.run_at,
        measure=measure["name"],
        unit=measure["unit"],
        lower_is_better=measure["lower_is_better"],
        mid_threshold=_mid_threshold(measure),
        model_in_words=result.get("model_in_words") or _model_in_words(result),
        se_type=result["se_type"],
        control=control,
        effects=tuple(
            _arm_effect(arm, coefficient, control, measure)
            for arm, coefficient in sorted(result["effects"].items())
        ),
        n_randomised=result.get("n_randomised_by_arm", {}),
        n_analysed=result["n_by_arm"],
        warnings=tuple(result.get("warnings", ())),
        fingerprint=run.data_fingerprint,
        versions=run.versions,
    )


def get_latest_result(session: Session, trial: Trial) -> PrimaryResult | None:
    """The newest primary analysis run of ``trial``, or None before the first run."""
    run = latest_run(session, trial.id)
    return None if run is None else primary_result(run)


def get_published_results_or_404(
    session: Session, trial_id: int, *, for_user: User
) -> tuple[Trial, AdoptionDecision, PrimaryResult]:
    """A decided trial of the user's organisation, its decision and the run it cites (else 404)."""
    trial = get_trial_or_404(trial_id, for_user=for_user, action=is_company_member)
    if trial.status is not TrialStatus.DECIDED:
        abort(404)
    row = session.execute(
        select(AdoptionDecision, AnalysisRun)
        .join(AnalysisRun, AnalysisRun.id == AdoptionDecision.analysis_run_id)
        .where(AdoptionDecision.trial_id == trial.id)
    ).one_or_none()
    if row is None:
        abort(404)
    decision, run = row
    return trial, decision, primary_result(run)
