"""Locking trial data, and running the locked analysis plan on it."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from evaluation.plans.models import AnalysisPlan
from evaluation.plans.services import current_plan
from evaluation.runs.models import AnalysisRun, RunStatus
from evaluation.runs.pipeline import run_plan
from evaluation.stats.provenance import software_versions
from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, NotPermitted
from trials.datalock import lock_data
from trials.lifecycle import transition
from trials.proposals.models import Trial
from trials.queries import trial_with_details
from trials.states import TrialStatus

#: A run of the locked analysis plan.
PLAN_RUN = "plan"

logger = logging.getLogger(__name__)


def lock_trial_data(
    session: Session, trial: Trial, *, actor: User, reason: str | None = None
) -> Trial:
    """Close follow-up: no more values may be recorded (see :func:`trials.datalock.lock_data`).

    Raises:
        NotPermitted: the actor is neither an evaluator nor the trial lead.
        IllegalTransition: the trial is not in follow-up.
    """
    return lock_data(session, trial, actor=actor, note=reason)


def _check_can_run(trial: Trial, actor: User) -> AnalysisPlan:
    if not actor.has_role(Role.EVALUATOR):
        raise NotPermitted("Only an evaluator can run this trial's analysis.")
    if trial.status not in (TrialStatus.LOCKED, TrialStatus.EVALUATED):
        raise IllegalTransition("Lock the trial's data before running the analysis.")
    plan = current_plan(object_session(trial), trial.id)  # type: ignore[arg-type]
    if plan is None or not plan.is_locked:
        raise IllegalTransition(
            "Write and lock the statistical analysis plan before running the analysis."
        )
    return plan


def request_run(session: Session, trial: Trial, *, actor: User) -> AnalysisRun:
    """Queue a run of the trial's locked plan on its locked data (audited).

    Raises:
        NotPermitted: the actor is not an evaluator.
        IllegalTransition: the data are not locked, the trial is decided, or the plan in
            force is not locked.
    """
    plan = _check_can_run(trial, actor)
    run = AnalysisRun(
        trial_id=trial.id,
        analysis=PLAN_RUN,
        run_by_id=actor.id,
        plan_id=plan.id,
        status=RunStatus.QUEUED,
    )
    session.add(run)
    session.flush()
    record(
        session,
        actor=actor,
        action="analysis.requested",
        object_type="analysis_run",
        object_id=run.id,
        trial_id=trial.id,
        new={"plan_version": plan.version, "status": RunStatus.QUEUED},
    )
    return run


def perform_run(session: Session, run: AnalysisRun) -> AnalysisRun:
    """Fit the plan and store the result; a failure is stored on the run, not raised.

    The first successful run moves the trial to ``evaluated``.
    """
    trial = session.scalars(trial_with_details().where(Trial.id == run.trial_id)).unique().one()
    plan = session.get(AnalysisPlan, run.plan_id)
    actor = session.get(User, run.run_by_id)
    run.status = RunStatus.RUNNING
    session.flush()
    try:
        with session.begin_nested():
            data_fingerprint, result = run_plan(session, trial, plan)
    except Exception as error:  # stored for the evaluator; the run shows as failed
        logger.exception("Analysis run %s failed", run.id)
        run.status = RunStatus.FAILED
        run.error = f"The analysis could not be completed ({type(error).__name__}: {error})."
        run.finished_at = utcnow()
        session.flush()
        return run
    run.data_fingerprint = data_fingerprint
    run.versions = software_versions()
    run.result = result
    run.status = RunStatus.DONE
    run.finished_at = utcnow()
    session.flush()
    record(
        session,
        actor=actor,
        action="analysis.run",
        object_type="analysis_run",
        object_id=run.id,
        trial_id=trial.id,
        old={"status": RunStatus.RUNNING},
        new={
            "status": RunStatus.DONE,
            "plan_version": plan.version,
            "fingerprint": data_fingerprint,
        },
    )
    if trial.status is TrialStatus.LOCKED:
        transition(
            session, trial, TrialStatus.EVALUATED, actor=actor, details={"analysis_run_id": run.id}
        )
    session.flush()
    return run


def run_primary_analysis(session: Session, trial: Trial, *, actor: User) -> AnalysisRun:
    """Run the locked plan now, in this process (the demo, tests and runs without Redis)."""
    return perform_run(session, request_run(session, trial, actor=actor))


def latest_run(session: Session, trial_id: int) -> AnalysisRun | None:
    """The newest finished run of the trial (the one results pages and decisions cite)."""
    return session.scalar(
        select(AnalysisRun)
        .where(AnalysisRun.trial_id == trial_id, AnalysisRun.status == RunStatus.DONE)
        .order_by(AnalysisRun.run_at.desc(), AnalysisRun.id.desc())
        .limit(1)
    )
