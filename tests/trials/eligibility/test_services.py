"""Registering interest, the eligibility guard, and consent after interest (no HTTP)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.errors import IllegalTransition, InvalidInput
from livinglab.participants.models import Condition
from tests import factories
from tests.factories import count_rows
from trials.consent.models import Consent
from trials.eligibility.models import EligibilityCriteria
from trials.eligibility.services import NotEligible, register_interest, require_eligible
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.states import TrialStatus


def set_criteria(session, trial, **values) -> EligibilityCriteria:
    criteria = EligibilityCriteria(trial_id=trial.id, **values)
    session.add(criteria)
    session.commit()
    return criteria


def condition(session, code: str) -> Condition:
    return session.scalars(select(Condition).where(Condition.code == code)).one()


def events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def counts(session) -> tuple[int, int, int]:
    return (
        count_rows(session, Enrolment),
        count_rows(session, Consent),
        count_rows(session, AuditEvent),
    )


@pytest.fixture
def trial(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    session.commit()
    return trial


def test_registering_interest_creates_one_interested_enrolment_with_an_audit_event(
    session, world, trial
):
    enrolment = register_interest(
        session, participant=world.participant, trial=trial, site_id=world.dor.id
    )
    session.commit()
    assert enrolment.status is EnrolmentStatus.INTERESTED
    assert enrolment.site_id == world.dor.id
    assert enrolment.participant_code.startswith("DOR-")
    [event] = events(session, "enrolment.interest_registered")
    assert event.actor_id == world.participant.user.id
    assert event.object_id == enrolment.id and event.trial_id == trial.id
    assert event.new_value == {
        "status": "interested",
        "site_id": world.dor.id,
        "participant_code": enrolment.participant_code,
    }


def test_registering_interest_twice_is_refused_clearly(session, world, trial):
    register_interest(session, participant=world.participant, trial=trial, site_id=world.wfh.id)
    session.commit()
    before = counts(session)
    with pytest.raises(IllegalTransition, match="already registered interest"):
        register_interest(session, participant=world.participant, trial=trial, site_id=world.wfh.id)
    assert counts(session) == before


def test_a_consented_participant_cannot_register_interest(session, world, trial):
    factories.consent(session, trial, world.participant)
    session.commit()
    with pytest.raises(IllegalTransition, match="already agreed to take part"):
        register_interest(session, participant=world.participant, trial=trial, site_id=world.wfh.id)


def test_an_ineligible_participant_is_told_every_unmet_criterion(session, world, trial):
    set_criteria(session, trial, min_age=18, max_age=65, needs_smartphone=True)
    before = counts(session)
    with pytest.raises(NotEligible) as refused:
        register_interest(session, participant=world.participant, trial=trial, site_id=world.wfh.id)
    assert refused.value.message == (
        "You do not meet every requirement of this trial. "
        "You need to be aged between 18 and 65. You need to have a smartphone."
    )
    assert refused.value.status_code == 403
    assert [result.key for result in refused.value.unmet] == ["age", "smartphone"]
    session.rollback()
    assert counts(session) == before


@pytest.mark.parametrize("status", [TrialStatus.APPROVED, TrialStatus.FOLLOW_UP])
def test_interest_needs_a_recruiting_trial(session, world, status):
    other = factories.make_trial(session, world, status=status)
    session.commit()
    with pytest.raises(IllegalTransition, match="not recruiting"):
        register_interest(session, participant=world.participant, trial=other, site_id=world.wfh.id)
    assert count_rows(session, Enrolment) == 0


def test_interest_needs_a_site_approved_for_the_trial(session, world):
    wfh_only = factories.make_trial(session, world, status=TrialStatus.RECRUITING, sites=("WFH",))
    session.commit()
    with pytest.raises(InvalidInput) as refused:
        register_interest(
            session, participant=world.participant, trial=wfh_only, site_id=world.dor.id
        )
    assert refused.value.field == "site_id"
    assert count_rows(session, Enrolment) == 0


def test_a_trial_without_criteria_is_open_to_everyone(session, world, trial):
    require_eligible(session, world.participant, trial)


def test_the_guard_reads_criteria_added_after_the_trial_was_loaded(session, world, trial):
    set_criteria(session, trial, excluded_conditions=[condition(session, "falls")])
    require_eligible(session, world.participant, trial)
    world.participant.conditions.append(condition(session, "falls"))
    session.commit()
    with pytest.raises(NotEligible, match="not for people who live with falls in the last year"):
        require_eligible(session, world.participant, trial)


def test_consent_is_refused_for_an_ineligible_participant(session, world, trial):
    set_criteria(session, trial, postcode_areas=["DT"])  # the participant lives in BH1
    before = counts(session)
    with pytest.raises(NotEligible, match="You need to live in a DT postcode"):
        factories.consent(session, trial, world.participant)
    session.rollback()
    assert counts(session) == before


def test_consent_after_interest_moves_the_same_enrolment_on(session, world, trial):
    interested = register_interest(
        session, participant=world.participant, trial=trial, site_id=world.wfh.id
    )
    session.commit()
    code = interested.participant_code
    enrolment = factories.consent(session, trial, world.participant, "WFH")
    session.commit()
    assert enrolment.id == interested.id
    assert count_rows(session, Enrolment) == 1
    assert enrolment.status is EnrolmentStatus.CONSENTED
    assert enrolment.participant_code == code  # same site: the pseudonym is kept
    [event] = events(session, "enrolment.consented")
    assert event.old_value == {
        "status": "interested",
        "site_id": world.wfh.id,
        "participant_code": code,
    }
    assert event.new_value == {
        "status": "consented",
        "site_id": world.wfh.id,
        "participant_code": code,
    }


def test_consent_at_another_site_gives_a_pseudonym_from_that_site(session, world, trial):
    interested = register_interest(
        session, participant=world.participant, trial=trial, site_id=world.wfh.id
    )
    session.commit()
    old_code = interested.participant_code
    enrolment = factories.consent(session, trial, world.participant, "DOR")
    session.commit()
    assert count_rows(session, Enrolment) == 1
    assert enrolment.site_id == world.dor.id and enrolment.site.code == "DOR"
    assert enrolment.participant_code.startswith("DOR-")
    [event] = events(session, "enrolment.consented")
    assert event.old_value == {
        "status": "interested",
        "site_id": world.wfh.id,
        "participant_code": old_code,
    }
    assert event.new_value == {
        "status": "consented",
        "site_id": world.dor.id,
        "participant_code": enrolment.participant_code,
    }


def test_consent_checks_eligibility_again_after_interest(session, world, trial):
    register_interest(session, participant=world.participant, trial=trial, site_id=world.wfh.id)
    session.commit()
    set_criteria(session, trial, max_age=60)  # the criteria changed since
    with pytest.raises(NotEligible, match="You need to be aged 60 or under"):
        factories.consent(session, trial, world.participant)
    session.rollback()
    enrolment = session.scalars(select(Enrolment)).one()
    assert enrolment.status is EnrolmentStatus.INTERESTED
