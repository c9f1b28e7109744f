"""Locking trial data and running the primary analysis."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.dataset import build_long_dataset, primary_frame
from evaluation.runs.models import AnalysisRun
from evaluation.stats.ancova import AnalysisError, ancova
from evaluation.stats.provenance import fingerprint, software_versions
from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.audit.services import record
from livinglab.errors import IllegalTransition, NotPermitted
from trials.datalock import lock_data
from trials.lifecycle import transition
from trials.proposals.models import Trial
from trials.states import TrialStatus

PRIMARY_ANCOVA = "primary_ancova"


def lock_trial_data(
    session: Session, trial: Trial, *, actor: User, reason: str | None = None
) -> Trial:
    """Close follow-up: no more values may be recorded (see :func:`trials.datalock.lock_data`).

    Raises:
        NotPermitted: the actor is neither an evaluator nor the trial lead.
        IllegalTransition: the trial is not in follow-up.
    """
    return lock_data(session, trial, actor=actor, note=reason)


def run_primary_analysis(session: Session, trial: Trial, *, actor: User) -> AnalysisRun:
    """ANCOVA ``follow_up ~ arm + baseline + site`` on the locked, pseudonymised data.

    The first run moves the trial to ``evaluated``; later runs are stored alongside.

    Raises:
        NotPermitted: the actor is not an evaluator for this trial.
        IllegalTransition: the data are not locked, or the data cannot be analysed.
    """
    if not actor.has_role(Role.EVALUATOR):
        raise NotPermitted("Only an evaluator can run this trial's analysis.")
    if trial.status not in (TrialStatus.LOCKED, TrialStatus.EVALUATED, TrialStatus.DECIDED):
        raise IllegalTransition("Lock the trial's data before running the analysis.")
    measure = trial.primary_measure
    control = trial.control_arm
    baseline = next((v for v in trial.visits if v.is_baseline), None)
    follow_up = next((v for v in reversed(trial.visits) if not v.is_baseline), None)
    if measure is None or control is None or baseline is None or follow_up is None:
        raise IllegalTransition("The trial needs a primary measure, a control arm and two visits.")
    frame = primary_frame(
        build_long_dataset(session, trial),
        measure=measure.name,
        baseline_visit=baseline.code,
        outcome_visit=follow_up.code,
    )
    covariates = ("site",) if frame["site"].nunique() > 1 else ()
    try:
        result = ancova(
            frame,
            outcome="outcome",
            arm="arm",
            control=control.name,
            baseline="baseline",
            covariates=covariates,
        )
    except AnalysisError as error:
        raise IllegalTransition(f"The analysis could not be run: {error}") from error
    payload: dict[str, Any] = {
        **result.to_dict(),
        "measure": {
            "name": measure.name,
            "unit": measure.unit,
            "minimal_important_difference": measure.minimal_important_difference,
            "lower_is_better": measure.lower_is_better,
        },
        "n_randomised_by_arm": frame["arm"].value_counts().sort_index().to_dict(),
    }
    run = AnalysisRun(
        trial_id=trial.id,
        analysis=PRIMARY_ANCOVA,
        run_by_id=actor.id,
        data_fingerprint=fingerprint(frame),
        versions=software_versions(),
        result=payload,
    )
    session.add(run)
    session.flush()
    record(
        session,
        actor=actor,
        action="analysis.run",
        object_type="analysis_run",
        object_id=run.id,
        trial_id=trial.id,
        new={"analysis": PRIMARY_ANCOVA, "fingerprint": run.data_fingerprint},
    )
    if trial.status is TrialStatus.LOCKED:
        transition(
            session, trial, TrialStatus.EVALUATED, actor=actor, details={"analysis_run_id": run.id}
        )
    session.flush()
    return run


def latest_run(session: Session, trial_id: int) -> AnalysisRun | None:
    return session.scalar(
        select(AnalysisRun)
        .where(AnalysisRun.trial_id == trial_id, AnalysisRun.analysis == PRIMARY_ANCOVA)
        .order_by(AnalysisRun.run_at.desc(), AnalysisRun.id.desc())
        .limit(1)
    )
