"""Recording a visit as attended or missed, without HTTP: checks, audit, follow-up starting."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from tests.factories import count_where as count
from tests.factories import reload_trial as load_trial
from tests.trials.followup.helpers import days, enrol, today, visit_of
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.followup.models import VisitStatus
from trials.followup.services import attend_on_recording, mark_attended, mark_missed


@pytest.fixture
def enrolment(session, world, trial_id) -> Enrolment:
    return enrol(session, world, trial_id, "WFH")


def attend(session, world, trial_id, enrolment, on=None, actor=None):
    return mark_attended(
        session,
        visit_of(session, enrolment),
        enrolment=session.get(Enrolment, enrolment.id),
        trial=load_trial(session, trial_id),
        actor=actor or world.researcher_wfh,
        attended_on=on or today(),
        today=today(),
    )


def miss(session, world, trial_id, enrolment, reason="Unwell, could not travel", actor=None):
    return mark_missed(
        session,
        visit_of(session, enrolment),
        enrolment=session.get(Enrolment, enrolment.id),
        trial=load_trial(session, trial_id),
        actor=actor or world.researcher_wfh,
        reason=reason,
    )


def events(session, action):
    session.expire_all()
    return session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_attending_the_first_visit_starts_follow_up(session, world, trial_id, enrolment):
    attend(session, world, trial_id, enrolment)
    session.commit()
    visit = visit_of(session, enrolment)
    assert visit.status is VisitStatus.ATTENDED
    assert visit.attended_on == today()
    assert visit.updated_by_id == world.researcher_wfh.id
    assert session.get(Enrolment, enrolment.id).status is EnrolmentStatus.ACTIVE
    (event,) = events(session, "visit.attended")
    assert event.actor_id == world.researcher_wfh.id
    assert event.old_value["status"] == "scheduled" and event.new_value["status"] == "attended"
    assert event.new_value["attended_on"] == today().isoformat()
    assert event.new_value["participant_code"] == enrolment.participant_code
    (started,) = events(session, "enrolment.active")
    assert started.old_value == {"status": "randomised"} and started.reason == "Follow-up attended"


def test_attended_date_cannot_be_in_the_future_or_before_randomisation(
    session, world, trial_id, enrolment
):
    with pytest.raises(InvalidInput, match="today or in the past") as error:
        attend(session, world, trial_id, enrolment, on=today() + days(1))
    assert error.value.field == "attended_on"
    with pytest.raises(InvalidInput, match="on or after the day of randomisation"):
        attend(session, world, trial_id, enrolment, on=today() - days(1))
    assert visit_of(session, enrolment).status is VisitStatus.SCHEDULED
    assert count(session, AuditEvent, AuditEvent.action == "visit.attended") == 0


def test_missed_needs_a_reason_and_is_audited(session, world, trial_id, enrolment):
    with pytest.raises(InvalidInput, match="Give the reason the visit was missed"):
        miss(session, world, trial_id, enrolment, reason="   ")
    miss(session, world, trial_id, enrolment)
    session.commit()
    visit = visit_of(session, enrolment)
    assert visit.status is VisitStatus.MISSED
    assert visit.missed_reason == "Unwell, could not travel"
    (event,) = events(session, "visit.missed")
    assert event.reason == "Unwell, could not travel"
    assert event.old_value["status"] == "scheduled" and event.new_value["status"] == "missed"
    # Still randomised: follow-up has not started.
    assert session.get(Enrolment, enrolment.id).status is EnrolmentStatus.RANDOMISED


def test_a_missed_visit_can_be_corrected_to_attended_but_not_the_reverse(
    session, world, trial_id, enrolment
):
    miss(session, world, trial_id, enrolment)
    attend(session, world, trial_id, enrolment)
    session.commit()
    (event,) = events(session, "visit.attended")
    assert event.old_value["missed_reason"] == "Unwell, could not travel"
    assert visit_of(session, enrolment).missed_reason is None
    with pytest.raises(IllegalTransition, match="Only a scheduled visit can be marked missed"):
        miss(session, world, trial_id, enrolment)
    with pytest.raises(IllegalTransition, match="already recorded as attended"):
        attend(session, world, trial_id, enrolment)


@pytest.mark.parametrize("who", ["researcher_dor", "company", "evaluator"])
def test_only_staff_at_the_participants_site_record_visits(
    session, world, trial_id, enrolment, who
):
    with pytest.raises(NotPermitted):
        attend(session, world, trial_id, enrolment, actor=getattr(world, who))
    with pytest.raises(NotPermitted):
        miss(session, world, trial_id, enrolment, actor=getattr(world, who))
    assert visit_of(session, enrolment).status is VisitStatus.SCHEDULED


def test_recording_a_value_attends_a_visit_still_scheduled_only(
    session, world, trial_id, enrolment
):
    trial = load_trial(session, trial_id)
    follow_up = next(v for v in trial.visits if not v.is_baseline)
    baseline = next(v for v in trial.visits if v.is_baseline)
    kwargs = {"trial": trial, "actor": world.researcher_wfh, "today": today()}
    assert attend_on_recording(session, enrolment, visit_id=baseline.id, **kwargs) is None
    visit = attend_on_recording(session, enrolment, visit_id=follow_up.id, **kwargs)
    session.commit()
    assert visit.status is VisitStatus.ATTENDED and visit.attended_on == today()
    assert events(session, "visit.attended")[0].reason == "Outcome value recorded"
    again = attend_on_recording(session, enrolment, visit_id=follow_up.id, **kwargs)
    assert again is None
    assert count(session, AuditEvent, AuditEvent.action == "visit.attended") == 1


def test_visits_of_a_participant_who_withdrew_cannot_be_recorded(
    session, world, trial_id, enrolment
):
    stored = session.get(Enrolment, enrolment.id)
    stored.status = EnrolmentStatus.WITHDRAWN
    session.commit()
    with pytest.raises(IllegalTransition, match="who is withdrawn"):
        attend(session, world, trial_id, enrolment)
