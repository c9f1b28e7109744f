"""The statistical analysis plan: written in follow-up, locked before the data lock, audited."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DatabaseError

from evaluation.plans.models import AnalysisPlan, PlanStatus, Population
from evaluation.plans.services import (
    amend_plan,
    current_plan,
    default_plan_input,
    lock_usual_plan,
    save_plan,
)
from evaluation.runs.services import lock_trial_data
from livinglab.audit.models import AuditEvent
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from tests.factories import reload_trial
from trials.states import TrialStatus


def actions(session, trial) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.trial_id == trial.id, AuditEvent.action.like("plan.%"))
            .order_by(AuditEvent.id)
        )
    )


def test_the_usual_plan_analyses_the_primary_outcome_by_ancova(session, world, build_trial):
    trial = build_trial(n=4)
    plan = save_plan(session, trial, actor=world.evaluator, data=default_plan_input(trial))
    assert plan.version == 1 and plan.status is PlanStatus.DRAFT
    assert plan.control_arm_id == trial.control_arm.id
    assert plan.covariates == ["baseline", "site"]
    assert plan.primary["measure"] == "Timed Up and Go"
    assert plan.primary["model"] == "ancova" and plan.primary["visit"] == "follow_up"
    assert actions(session, trial) == ["plan.saved"]


def test_saving_again_updates_the_draft_and_audits_old_and_new(session, world, build_trial):
    trial = build_trial(n=4)
    data = default_plan_input(trial)
    save_plan(session, trial, actor=world.evaluator, data=data)
    plan = save_plan(
        session,
        trial,
        actor=world.evaluator,
        data=dataclasses.replace(data, population=Population.PER_PROTOCOL),
    )
    assert plan.version == 1 and plan.population is Population.PER_PROTOCOL
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "plan.saved").order_by(AuditEvent.id.desc())
    ).first()
    assert event.old_value["population"] == "intention_to_treat"
    assert event.new_value["population"] == "per_protocol"


def test_locked_plan_is_read_only_and_can_only_be_amended_with_a_reason(
    session, world, build_trial
):
    trial = build_trial(n=4)
    locked = lock_usual_plan(session, trial, actor=world.evaluator)
    assert locked.is_locked and locked.locked_by_id == world.evaluator.id
    with pytest.raises(IllegalTransition, match="Amend it, with a reason"):
        save_plan(session, trial, actor=world.evaluator, data=default_plan_input(trial))
    with pytest.raises(InvalidInput, match="Give the reason"):
        amend_plan(session, trial, actor=world.evaluator, reason="  ")
    draft = amend_plan(session, trial, actor=world.evaluator, reason="Add robust errors.")
    assert draft.version == 2 and draft.status is PlanStatus.DRAFT
    assert draft.outcomes == locked.outcomes
    assert current_plan(session, trial.id).id == draft.id
    assert actions(session, trial) == ["plan.saved", "plan.locked", "plan.amended"]


def test_the_database_refuses_to_change_a_locked_plan(session, world, build_trial):
    trial = build_trial(n=4)
    plan = lock_usual_plan(session, trial, actor=world.evaluator)
    session.commit()
    with pytest.raises(DatabaseError):
        session.execute(
            update(AnalysisPlan).where(AnalysisPlan.id == plan.id).values(notes="changed")
        )
        session.flush()
    session.rollback()


def test_the_plan_cannot_be_written_after_the_data_lock(session, world, build_trial):
    trial = build_trial(n=4)
    lock_trial_data(session, trial, actor=world.evaluator)
    trial = reload_trial(session, trial.id)
    assert trial.status is TrialStatus.LOCKED
    with pytest.raises(IllegalTransition, match="before the data are locked"):
        save_plan(session, trial, actor=world.evaluator, data=default_plan_input(trial))


@pytest.mark.parametrize("who", ["researcher_wfh", "company", "admin"])
def test_only_an_evaluator_writes_the_plan(session, world, build_trial, who):
    trial = build_trial(n=4)
    with pytest.raises(NotPermitted):
        save_plan(session, trial, actor=getattr(world, who), data=default_plan_input(trial))
    assert current_plan(session, trial.id) is None


def test_choices_that_do_not_fit_the_trial_are_refused(session, world, build_trial):
    trial = build_trial(n=4)
    data = default_plan_input(trial)
    primary = data.outcomes[0]
    with pytest.raises(InvalidInput) as error:
        save_plan(
            session,
            trial,
            actor=world.evaluator,
            data=dataclasses.replace(
                data, outcomes=(dataclasses.replace(primary, analysis="glm_binomial"),)
            ),
        )
    assert error.value.field == f"measure_{primary.measure_id}_analysis"
    with pytest.raises(InvalidInput, match="follow-up visit"):
        save_plan(
            session,
            trial,
            actor=world.evaluator,
            data=dataclasses.replace(
                data, outcomes=(dataclasses.replace(primary, visit="baseline"),)
            ),
        )
    with pytest.raises(InvalidInput, match="primary outcome"):
        no_outcomes = dataclasses.replace(data, outcomes=())
        save_plan(session, trial, actor=world.evaluator, data=no_outcomes)
    with pytest.raises(InvalidInput, match="control arm"):
        save_plan(
            session, trial, actor=world.evaluator, data=dataclasses.replace(data, control_arm_id=-1)
        )
    assert current_plan(session, trial.id) is None
