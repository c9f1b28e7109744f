"""Recording the adoption decision on an evaluated trial."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evaluation.decisions.models import AdoptionDecision, DecisionOutcome
from evaluation.decisions.services import get_decision, participant_addresses, record_decision
from evaluation.runs.services import latest_run, run_primary_analysis
from livinglab.audit.models import AuditEvent
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from livinglab.mail.models import OutboxMessage
from livinglab.participants.erasure import delete_account
from livinglab.participants.models import Participant
from tests import factories
from trials.enrolment.models import Enrolment, EnrolmentStatus
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
        conditions=" Start at WFH. ",
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
        "nice_tier": None,
        "certainty": None,
        "conditions": "Start at WFH.",
        "cost_note": None,
        "public_summary": None,
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


# The evidence pack's judgements and publication ------------------------------------------

SUMMARY = (
    "The trial found that people who used the walking aid got up and about more quickly. "
    "The NHS in Dorset will offer it at Wareham first."
)


def decide_fully(session, world, trial, **changes):
    values = {
        "outcome": DecisionOutcome.ADOPT_WITH_CONDITIONS,
        "reasons": "Beyond the MID; no safety signal.",
        "nice_tier": "tier_c",
        "certainty": "moderate",
        "conditions": "Offer at WFH first; review after 12 months.",
        "cost_note": "£40 a person, from the company's price list.",
        "public_summary": SUMMARY,
    } | changes
    return record_decision(session, trial, actor=world.evaluator, **values)


def outbox(session, subject_start: str = "Results of the trial") -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.subject.startswith(subject_start))
            .order_by(OutboxMessage.id)
        )
    )


def test_every_judgement_is_stored_and_audited(session, world, build_trial):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    decision = decide_fully(session, world, trial)
    session.commit()
    session.expire_all()
    stored = get_decision(session, trial.id)
    assert (stored.nice_tier, stored.certainty) == ("tier_c", "moderate")
    assert stored.conditions == "Offer at WFH first; review after 12 months."
    assert stored.cost_note == "£40 a person, from the company's price list."
    assert stored.public_summary == SUMMARY
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "decision.recorded")
    ).one()
    assert event.object_id == decision.id
    assert event.new_value == {
        "outcome": "adopt_with_conditions",
        "analysis_run_id": decision.analysis_run_id,
        "nice_tier": "tier_c",
        "certainty": "moderate",
        "conditions": "Offer at WFH first; review after 12 months.",
        "cost_note": "£40 a person, from the company's price list.",
        "public_summary": SUMMARY,
    }
    assert event.reason == "Beyond the MID; no safety signal."


def test_conditions_are_required_to_adopt_with_conditions(session, world, build_trial):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    with pytest.raises(InvalidInput) as caught:
        decide_fully(session, world, trial, conditions="  ")
    assert caught.value.field == "conditions"
    assert decision_count(session) == 0
    assert outbox(session) == []


def test_conditions_are_dropped_for_other_outcomes(session, world, build_trial):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    decision = decide_fully(session, world, trial, outcome=DecisionOutcome.ADOPT)
    assert decision.conditions is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("nice_tier", "tier_z"), ("certainty", "certain"), ("public_summary", "x" * 1501)],
)
def test_bad_values_are_refused_on_their_field(session, world, build_trial, field, value):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    with pytest.raises(InvalidInput) as caught:
        decide_fully(session, world, trial, **{field: value})
    assert caught.value.field == field
    assert decision_count(session) == 0


def test_summary_is_emailed_once_to_each_randomised_participant(session, world, build_trial):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    enrolments = session.scalars(
        select(Enrolment).where(Enrolment.trial_id == trial.id).order_by(Enrolment.id)
    ).all()
    participants = {
        e.participant_id: session.get(Participant, e.participant_id) for e in enrolments
    }
    erased = participants[enrolments[0].participant_id]
    delete_account(session, erased)
    # Consented but never randomised: did not take part in the comparison.
    consented_only = factories.make_participant(session, full_name="Not Randomised")
    session.add(
        Enrolment(
            trial_id=trial.id,
            participant_id=consented_only.id,
            site_id=world.wfh.id,
            participant_code="WFH-NOTRND",
            status=EnrolmentStatus.CONSENTED,
        )
    )
    session.flush()

    decide_fully(session, world, trial)

    messages = outbox(session)
    expected = sorted(p.user.email for p in participants.values() if p is not erased)
    assert sorted(m.to_address for m in messages) == expected
    assert len(messages) == 7
    for message in messages:
        assert message.subject == "Results of the trial you took part in: Steady feet trial"
        assert SUMMARY in message.body_text
        assert f"/trials/{trial.id}" in message.body_text
        # Nothing about the participant or the measurements: only title and summary.
        for private in ("Product", "Usual care", "Timed Up and Go", "Resident", "seconds"):
            assert private not in message.body_text
    others = (world.participant.user.email, consented_only.user.email, erased.user.email)
    assert not any(m.to_address in others for m in messages)


def test_no_summary_means_no_participant_email(session, world, build_trial):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    record_decision(
        session, trial, actor=world.evaluator, outcome=DecisionOutcome.ADOPT, reasons="Good."
    )
    assert outbox(session) == []


def test_recipients_are_fetched_in_one_query(session, world, build_trial, count_queries):
    trial = build_trial(n=12, status=TrialStatus.EVALUATED)
    with count_queries() as statements:
        addresses = participant_addresses(session, trial.id)
    assert len(addresses) == 12
    assert len(statements) == 1
