"""Recording the adoption decision on an evaluated trial."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evaluation.decisions.models import AdoptionDecision, DecisionOutcome
from evaluation.decisions.services import get_decision, record_decision
from evaluation.runs.services import latest_run, run_primary_analysis
from livinglab.audit.models import AuditEvent
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from trials.states import TrialStatus


def decision_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AdoptionDecision))


def test_decision_on_an_evaluated_trial_cites_the_latest_run(session, world, build_trial):
    trial = build_trial(n=10, status=TrialStatus.EVALUATED)
    newest = run_primary_analysis(session, trial, actor=world.evaluator)
    decision = record_decision(
        session,
        trial,
        actor=world.evaluator,
        outcome=DecisionOutcome.ADOPT_WITH_CONDITIONS,
        reasons="  Effective; adopt at WFH first.  ",
    )
    session.commit()
    session.expire_all()
    stored = get_decision(session, trial.id)
    assert stored.id == decision.id
    assert stored.analysis_run_id == newest.id == latest_run(session, trial.id).id
    assert stored.outcome is DecisionOutcome.ADOPT_WITH_CONDITIONS
    assert stored.reasons == "Effective; adopt at WFH first."
    assert stored.decided_by_id == world.evaluator.id
    assert trial.status is TrialStatus.DECIDED
    events = {
        e.action: e
        for e in session.scalars(select(AuditEvent).where(AuditEvent.trial_id == trial.id))
    }
    assert events["decision.recorded"].new_value == {
        "outcome": "adopt_with_conditions",
        "analysis_run_id": newest.id,
    }
    assert events["decision.recorded"].reason == "Effective; adopt at WFH first."
    assert events["trial.decided"].old_value == {"status": "evaluated"}


@pytest.mark.parametrize("reasons", ["", "   \n "])
def test_reasons_are_required(session, world, build_trial, reasons):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    with pytest.raises(InvalidInput) as caught:
        record_decision(
            session, trial, actor=world.evaluator, outcome=DecisionOutcome.ADOPT, reasons=reasons
        )
    assert caught.value.field == "reasons"
    assert decision_count(session) == 0
    assert trial.status is TrialStatus.EVALUATED


@pytest.mark.parametrize("status", [TrialStatus.FOLLOW_UP, TrialStatus.LOCKED])
def test_decision_needs_an_evaluated_trial(session, world, build_trial, status):
    trial = build_trial(n=8, status=status)
    with pytest.raises(IllegalTransition, match="needs an evaluated trial"):
        record_decision(
            session, trial, actor=world.evaluator, outcome=DecisionOutcome.ADOPT, reasons="Good."
        )
    assert decision_count(session) == 0


def test_a_decided_trial_cannot_be_decided_again(session, world, build_trial):
    trial = build_trial(n=8, status=TrialStatus.DECIDED)
    with pytest.raises(IllegalTransition):
        record_decision(
            session,
            trial,
            actor=world.evaluator,
            outcome=DecisionOutcome.DO_NOT_ADOPT,
            reasons="Changed my mind.",
        )
    assert decision_count(session) == 1


@pytest.mark.parametrize("who", ["researcher_wfh", "company", "admin"])
def test_only_an_evaluator_can_decide(session, world, build_trial, who):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    with pytest.raises(NotPermitted):
        record_decision(
            session, trial, actor=getattr(world, who), outcome=DecisionOutcome.ADOPT, reasons="Yes."
        )
    assert decision_count(session) == 0
    assert trial.status is TrialStatus.EVALUATED
