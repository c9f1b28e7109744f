"""Recording the adoption decision."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.decisions.models import AdoptionDecision, DecisionOutcome
from evaluation.runs.services import latest_run
from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.audit.services import record
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from trials.lifecycle import transition
from trials.proposals.models import Trial
from trials.states import TrialStatus


def record_decision(
    session: Session, trial: Trial, *, actor: User, outcome: DecisionOutcome, reasons: str
) -> AdoptionDecision:
    """Record the adoption decision on an evaluated trial, citing its latest analysis run.

    Raises:
        NotPermitted: the actor is not an evaluator for this trial.
        IllegalTransition: the trial has not been evaluated.
        InvalidInput: ``reasons`` is empty.
    """
    if not actor.has_role(Role.EVALUATOR):
        raise NotPermitted("Only an evaluator can record the adoption decision.")
    if not reasons.strip():
        raise InvalidInput("reasons", "Give the reasons for the decision")
    run = latest_run(session, trial.id)
    if trial.status is not TrialStatus.EVALUATED or run is None:
        raise IllegalTransition("An adoption decision needs an evaluated trial.")
    decision = AdoptionDecision(
        trial_id=trial.id,
        analysis_run_id=run.id,
        outcome=outcome,
        reasons=reasons.strip(),
        decided_by_id=actor.id,
    )
    session.add(decision)
    session.flush()
    record(
        session,
        actor=actor,
        action="decision.recorded",
        object_type="adoption_decision",
        object_id=decision.id,
        trial_id=trial.id,
        new={"outcome": outcome, "analysis_run_id": run.id},
        reason=reasons.strip(),
    )
    transition(session, trial, TrialStatus.DECIDED, actor=actor, details={"outcome": outcome})
    session.flush()
    return decision


def get_decision(session: Session, trial_id: int) -> AdoptionDecision | None:
    return session.scalar(select(AdoptionDecision).where(AdoptionDecision.trial_id == trial_id))
