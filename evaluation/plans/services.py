"""Writing, locking and amending the statistical analysis plan; each change audited."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.plans.choices import ANALYSES, COVARIATES, SUBGROUPS, analyses_for
from evaluation.plans.models import (
    AnalysisPlan,
    MissingData,
    Multiplicity,
    PlanStatus,
    Population,
)
from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from trials.proposals.models import Measure, Trial, TrialDesign
from trials.states import TrialStatus

#: The plan can be written and locked until the trial's data are locked.
PLANNING_STATES = frozenset({TrialStatus.FOLLOW_UP})


@dataclass(frozen=True)
class PlannedOutcome:
    """How one measure is analysed: an :data:`ANALYSES` key and the visit analysed."""

    measure_id: int
    analysis: str
    visit: str


@dataclass(frozen=True)
class PlanInput:
    control_arm_id: int | None
    population: Population
    missing_data: MissingData
    multiplicity: Multiplicity
    standard_errors: str
    covariates: tuple[str, ...]
    subgroups: tuple[str, ...]
    outcomes: tuple[PlannedOutcome, ...]
    notes: str = ""


def current_plan(session: Session, trial_id: int) -> AnalysisPlan | None:
    """The newest version of the trial's plan (a draft or the locked one in force)."""
    return session.scalar(
        select(AnalysisPlan)
        .where(AnalysisPlan.trial_id == trial_id)
        .order_by(AnalysisPlan.version.desc())
        .limit(1)
    )


def _check_actor(actor: User, trial: Trial) -> None:
    if not actor.has_role(Role.EVALUATOR):
        raise NotPermitted("Only an evaluator can write the analysis plan.")
    if trial.status not in PLANNING_STATES:
        raise IllegalTransition(
            "The analysis plan can be written only during follow-up, before the data are locked."
        )


def _outcome_entry(trial: Trial, measure: Measure, planned: PlannedOutcome) -> dict[str, Any]:
    field = f"measure_{measure.id}"
    allowed = analyses_for(measure.type, trial.design)
    if planned.analysis not in allowed:
        raise InvalidInput(
            f"{field}_analysis",
            f"Choose an analysis that suits {measure.name} ({measure.type.value} outcome)",
        )
    choice = ANALYSES[planned.analysis]
    visits = measure.visits or trial.visits
    follow_up = [v.code for v in visits if not v.is_baseline]
    if not choice.repeated and planned.visit not in follow_up:
        raise InvalidInput(
            f"{field}_visit", f"Choose the follow-up visit at which {measure.name} is analysed"
        )
    return {
        "measure_id": measure.id,
        "measure": measure.name,
        "role": "primary" if measure.is_primary else "secondary",
        "analysis": choice.key,
        "model": choice.model,
        "family": choice.family,
        "visit": None if choice.repeated else planned.visit,
    }


def _validated(trial: Trial, data: PlanInput) -> dict[str, Any]:
    """The plan's stored fields, or InvalidInput naming the form field that is wrong."""
    arms = {arm.id: arm for arm in trial.arms}
    if trial.design is TrialDesign.SINGLE_ARM:
        control_arm_id = None
    elif data.control_arm_id not in arms:
        raise InvalidInput("control_arm_id", "Choose the control arm the others are compared with")
    else:
        control_arm_id = data.control_arm_id
    if data.standard_errors not in ("classical", "robust"):
        raise InvalidInput("standard_errors", "Choose classical or robust standard errors")
    unknown = set(data.covariates) - set(COVARIATES)
    if unknown:
        raise InvalidInput("covariates", "Choose covariates from the list")
    if set(data.subgroups) - set(SUBGROUPS):
        raise InvalidInput("subgroups", "Choose subgroups from the list")
    measures = {m.id: m for m in trial.measures}
    entries = [
        _outcome_entry(trial, measures[o.measure_id], o)
        for o in data.outcomes
        if o.measure_id in measures
    ]
    primary = trial.primary_measure
    if primary is None or not any(e["measure_id"] == primary.id for e in entries):
        field = f"measure_{primary.id}_analysis" if primary else "control_arm_id"
        raise InvalidInput(field, "Choose how the primary outcome is analysed")
    return {
        "control_arm_id": control_arm_id,
        "population": data.population,
        "missing_data": data.missing_data,
        "multiplicity": data.multiplicity,
        "standard_errors": data.standard_errors,
        "covariates": [c for c in COVARIATES if c in data.covariates],
        "subgroups": [s for s in SUBGROUPS if s in data.subgroups],
        # The primary outcome first, then the secondaries in the trial's measure order.
        "outcomes": sorted(entries, key=lambda e: (e["role"] != "primary", e["measure_id"])),
        "notes": data.notes.strip(),
    }


def _snapshot(plan: AnalysisPlan) -> dict[str, Any]:
    return {
        "version": plan.version,
        "control_arm_id": plan.control_arm_id,
        "population": plan.population,
        "missing_data": plan.missing_data,
        "multiplicity": plan.multiplicity,
        "standard_errors": plan.standard_errors,
        "covariates": list(plan.covariates),
        "subgroups": list(plan.subgroups),
        "outcomes": list(plan.outcomes),
        "notes": plan.notes,
    }


def save_plan(session: Session, trial: Trial, *, actor: User, data: PlanInput) -> AnalysisPlan:
    """Create the first draft or update the current draft.

    Raises:
        NotPermitted: the actor is not an evaluator.
        IllegalTransition: the trial's data are locked, or the current version is locked
            (amend it first).
        InvalidInput: a choice does not fit the trial; ``field`` names the form field.
    """
    _check_actor(actor, trial)
    fields = _validated(trial, data)
    plan = current_plan(session, trial.id)
    if plan is not None and plan.is_locked:
        raise IllegalTransition(
            f"Version {plan.version} of the plan is locked. Amend it, with a reason, to change it."
        )
    old = None if plan is None else _snapshot(plan)
    if plan is None:
        plan = AnalysisPlan(trial_id=trial.id, version=1, created_by_id=actor.id)
        session.add(plan)
    for name, value in fields.items():
        setattr(plan, name, value)
    session.flush()
    record(
        session,
        actor=actor,
        action="plan.saved",
        object_type="analysis_plan",
        object_id=plan.id,
        trial_id=trial.id,
        old=old,
        new=_snapshot(plan),
    )
    return plan


def lock_plan(session: Session, trial: Trial, *, actor: User) -> AnalysisPlan:
    """Lock the current draft: from now on it is read-only and every run follows it.

    Raises:
        NotPermitted, IllegalTransition: as :func:`save_plan`; also when there is no draft.
    """
    _check_actor(actor, trial)
    plan = current_plan(session, trial.id)
    if plan is None or plan.is_locked:
        raise IllegalTransition("There is no draft plan to lock.")
    plan.status = PlanStatus.LOCKED
    plan.locked_by_id = actor.id
    plan.locked_at = utcnow()
    session.flush()
    record(
        session,
        actor=actor,
        action="plan.locked",
        object_type="analysis_plan",
        object_id=plan.id,
        trial_id=trial.id,
        old={"status": PlanStatus.DRAFT},
        new={"status": PlanStatus.LOCKED, "version": plan.version},
    )
    return plan


def amend_plan(session: Session, trial: Trial, *, actor: User, reason: str) -> AnalysisPlan:
    """Start a new draft version from the locked one, with the reason for the change.

    Raises:
        NotPermitted, IllegalTransition: as :func:`save_plan`; also when nothing is locked.
        InvalidInput: no reason was given.
    """
    _check_actor(actor, trial)
    if not reason.strip():
        raise InvalidInput("reason", "Give the reason for amending the locked plan")
    locked = current_plan(session, trial.id)
    if locked is None or not locked.is_locked:
        raise IllegalTransition("Only a locked plan can be amended; edit the draft instead.")
    draft = AnalysisPlan(
        trial_id=trial.id,
        version=locked.version + 1,
        created_by_id=actor.id,
        amendment_reason=reason.strip(),
        **{k: v for k, v in _snapshot(locked).items() if k != "version"},
    )
    session.add(draft)
    session.flush()
    record(
        session,
        actor=actor,
        action="plan.amended",
        object_type="analysis_plan",
        object_id=draft.id,
        trial_id=trial.id,
        old={"version": locked.version},
        new={"version": draft.version},
        reason=reason.strip(),
    )
    return draft


def default_plan_input(trial: Trial) -> PlanInput:
    """The usual plan for the trial: each measure's first suitable analysis at the last visit."""
    outcomes = []
    for measure in trial.measures:
        choices = analyses_for(measure.type, trial.design)
        follow_up = [v for v in (measure.visits or trial.visits) if not v.is_baseline]
        if choices and follow_up:
            outcomes.append(PlannedOutcome(measure.id, choices[0], follow_up[-1].code))
    control = trial.control_arm
    return PlanInput(
        control_arm_id=control.id if control else None,
        population=Population.INTENTION_TO_TREAT,
        missing_data=MissingData.COMPLETE_CASE_AND_MICE,
        multiplicity=Multiplicity.HOLM,
        standard_errors="classical",
        covariates=("baseline", "site"),
        subgroups=tuple(SUBGROUPS),
        outcomes=tuple(outcomes),
    )


def plan_as_dict(plan: AnalysisPlan) -> dict[str, Any]:
    """The plan as stored with each run (so a report shows what the run followed)."""
    return {**_snapshot(plan), "status": plan.status, "locked_at": plan.locked_at}


def lock_usual_plan(
    session: Session, trial: Trial, *, actor: User, sensitivity: bool = True
) -> AnalysisPlan:
    """Write :func:`default_plan_input` as the plan and lock it (the demo and test builders).

    ``sensitivity=False`` leaves out the MICE sensitivity analysis, which takes seconds.
    """
    data = default_plan_input(trial)
    if not sensitivity:
        data = dataclasses.replace(data, missing_data=MissingData.COMPLETE_CASE)
    save_plan(session, trial, actor=actor, data=data)
    return lock_plan(session, trial, actor=actor)
