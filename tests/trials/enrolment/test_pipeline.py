"""The enrolment pipeline services: screen, complete, lost to follow-up, withdrawal for them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from tests import factories
from tests.factories import count_where as count
from tests.factories import reload_trial as load_trial
from tests.trials.followup.helpers import enrol, today, visit_of
from trials.consent.models import Consent, ConsentKind, WithdrawalScope
from trials.eligibility.models import EligibilityCriteria
from trials.eligibility.services import register_interest
from trials.enrolment import pipeline
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.followup.models import VisitStatus
from trials.followup.services import mark_attended, mark_missed
from trials.proposals.models import Trial
from trials.states import TrialStatus


def interested(session, world, trial_id) -> Enrolment:
    participant = factories.make_participant(session, full_name="Ivy Interest")
    enrolment = register_interest(
        session, participant=participant, trial=load_trial(session, trial_id), site_id=world.wfh.id
    )
    session.commit()
    return enrolment


def last_event(session, action) -> AuditEvent:
    return session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
    ).first()


def stored(session, enrolment) -> Enrolment:
    return session.get(Enrolment, enrolment.id, populate_existing=True)


def test_screening_confirms_every_criterion(session, world, trial_id):
    enrolment = interested(session, world, trial_id)
    pipeline.screen(
        session,
        enrolment,
        trial=load_trial(session, trial_id),
        actor=world.researcher_wfh,
        reason="Phoned",
    )
    session.commit()
    assert stored(session, enrolment).status is EnrolmentStatus.SCREENED
    event = last_event(session, "enrolment.screened")
    assert event.old_value == {"status": "interested"}
    assert event.new_value["status"] == "screened" and event.reason == "Phoned"
    with pytest.raises(IllegalTransition, match="Only a participant who registered interest"):
        pipeline.screen(
            session,
            stored(session, enrolment),
            trial=load_trial(session, trial_id),
            actor=world.researcher_wfh,
        )


def test_screening_refuses_and_names_an_unmet_criterion(session, world, trial_id):
    enrolment = interested(session, world, trial_id)
    criteria = session.scalar(
        select(EligibilityCriteria).where(EligibilityCriteria.trial_id == trial_id)
    ) or EligibilityCriteria(trial_id=trial_id)
    criteria.max_age = 30
    session.add(criteria)
    session.commit()
    with pytest.raises(IllegalTransition, match="does not meet every requirement") as error:
        pipeline.screen(
            session, enrolment, trial=load_trial(session, trial_id), actor=world.researcher_wfh
        )
    assert "30" in error.value.message
    assert stored(session, enrolment).status is EnrolmentStatus.INTERESTED


def test_only_staff_at_the_site_move_a_participant(session, world, trial_id):
    enrolment = interested(session, world, trial_id)
    with pytest.raises(NotPermitted):
        pipeline.screen(
            session, enrolment, trial=load_trial(session, trial_id), actor=world.researcher_dor
        )


def test_completion_needs_every_visit_attended_or_missed(session, world, trial_id):
    enrolment = enrol(session, world, trial_id, "WFH")
    staff = world.researcher_wfh
    with pytest.raises(IllegalTransition, match="1 visit is still scheduled"):
        pipeline.complete(session, enrolment, trial=load_trial(session, trial_id), actor=staff)
    mark_attended(
        session,
        visit_of(session, enrolment),
        enrolment=stored(session, enrolment),
        trial=load_trial(session, trial_id),
        actor=staff,
        attended_on=today(),
        today=today(),
    )
    pipeline.complete(
        session, stored(session, enrolment), trial=load_trial(session, trial_id), actor=staff
    )
    session.commit()
    done = stored(session, enrolment)
    assert done.status is EnrolmentStatus.COMPLETED and done.ended_at is not None
    assert last_event(session, "enrolment.completed").old_value == {"status": "active"}
    with pytest.raises(IllegalTransition, match="Only a participant in follow-up can complete"):
        pipeline.complete(session, done, trial=load_trial(session, trial_id), actor=staff)


def test_lost_to_follow_up_misses_the_open_visits_with_the_reason(session, world, trial_id):
    enrolment = enrol(session, world, trial_id, "WFH")
    other = enrol(session, world, trial_id, "WFH")
    staff = world.researcher_wfh
    with pytest.raises(InvalidInput, match="Give the reason") as error:
        pipeline.lose_to_follow_up(
            session, enrolment, trial=load_trial(session, trial_id), actor=staff, reason=" "
        )
    assert error.value.field == "reason"
    pipeline.lose_to_follow_up(
        session,
        enrolment,
        trial=load_trial(session, trial_id),
        actor=staff,
        reason="No reply to 3 letters",
    )
    session.commit()
    lost = stored(session, enrolment)
    assert lost.status is EnrolmentStatus.LOST_TO_FOLLOW_UP and lost.ended_at is not None
    visit = visit_of(session, enrolment)
    assert visit.status is VisitStatus.MISSED
    assert visit.missed_reason == "No reply to 3 letters"
    assert visit_of(session, other).status is VisitStatus.SCHEDULED
    event = last_event(session, "enrolment.lost_to_follow_up")
    assert event.new_value["visits_missed"] == [visit.id]
    assert event.reason == "No reply to 3 letters"
    with pytest.raises(IllegalTransition, match="Visits cannot be recorded"):
        mark_missed(
            session,
            visit,
            enrolment=lost,
            trial=load_trial(session, trial_id),
            actor=staff,
            reason="x",
        )


def test_withdrawal_for_the_participant_writes_their_withdrawal_record(session, world, trial_id):
    enrolment = enrol(session, world, trial_id, "WFH", randomise=False)
    staff = world.researcher_wfh
    kwargs = {
        "trial": load_trial(session, trial_id),
        "actor": staff,
        "scope": WithdrawalScope.STOP_DATA_USE,
    }
    with pytest.raises(InvalidInput, match="Give the reason"):
        pipeline.withdraw_on_behalf(session, enrolment, reason="", **kwargs)
    pipeline.withdraw_on_behalf(session, enrolment, reason="Phoned: too busy", **kwargs)
    session.commit()
    withdrawn = stored(session, enrolment)
    assert withdrawn.status is EnrolmentStatus.WITHDRAWN and withdrawn.ended_at is not None
    record = session.scalars(
        select(Consent).where(
            Consent.participant_id == enrolment.participant_id,
            Consent.kind == ConsentKind.WITHDRAWAL,
        )
    ).one()
    assert record.withdrawal_scope is WithdrawalScope.STOP_DATA_USE
    for action in ("consent.withdrawn", "enrolment.withdrawn"):
        event = last_event(session, action)
        assert event.actor_id == staff.id and event.reason == "Phoned: too busy"
        assert event.new_value["on_behalf_of_participant"] is True
    with pytest.raises(IllegalTransition, match="already withdrawn with this choice"):
        pipeline.withdraw_on_behalf(
            session, withdrawn, reason="Again", **{**kwargs, "trial": load_trial(session, trial_id)}
        )


def test_after_completion_only_the_use_of_data_can_be_stopped(session, world, trial_id):
    enrolment = enrol(session, world, trial_id, "WFH")
    staff = world.researcher_wfh
    pipeline.lose_to_follow_up(
        session, enrolment, trial=load_trial(session, trial_id), actor=staff, reason="Moved"
    )
    session.commit()
    lost = stored(session, enrolment)
    assert pipeline.withdrawal_scopes(session, lost) == (WithdrawalScope.STOP_DATA_USE,)
    with pytest.raises(InvalidInput, match="only the use of their data") as error:
        pipeline.withdraw_on_behalf(
            session,
            lost,
            trial=load_trial(session, trial_id),
            actor=staff,
            scope=WithdrawalScope.STOP_TAKING_PART,
            reason="Asked",
        )
    assert error.value.field == "scope"
    assert count(session, Consent, Consent.kind == ConsentKind.WITHDRAWAL) == 0


def test_allowed_moves_follow_the_table(session, world, trial_id):
    trial = load_trial(session, trial_id)
    waiting = interested(session, world, trial_id)
    assert pipeline.allowed_moves(waiting, trial, open_visits=0, scopes=()) == {
        pipeline.Move.SCREEN
    }
    randomised = enrol(session, world, trial_id, "WFH")
    scopes = pipeline.withdrawal_scopes(session, randomised)
    assert len(scopes) == 2
    in_follow_up = pipeline.allowed_moves(randomised, trial, open_visits=1, scopes=scopes)
    assert in_follow_up == {pipeline.Move.LOSE, pipeline.Move.WITHDRAW}
    finished = pipeline.allowed_moves(randomised, trial, open_visits=0, scopes=scopes)
    assert pipeline.Move.COMPLETE in finished


def test_after_the_data_lock_follow_up_cannot_change_but_withdrawal_can(session, world, trial_id):
    enrolment = enrol(session, world, trial_id, "WFH")
    session.get(Trial, trial_id).status = TrialStatus.LOCKED
    session.commit()
    staff = world.researcher_wfh
    with pytest.raises(IllegalTransition, match="data are locked"):
        pipeline.lose_to_follow_up(
            session, enrolment, trial=load_trial(session, trial_id), actor=staff, reason="Gone"
        )
    assert visit_of(session, enrolment).status is VisitStatus.SCHEDULED
    pipeline.withdraw_on_behalf(
        session,
        stored(session, enrolment),
        trial=load_trial(session, trial_id),
        actor=staff,
        scope=WithdrawalScope.STOP_TAKING_PART,
        reason="Phoned",
    )
    assert stored(session, enrolment).status is EnrolmentStatus.WITHDRAWN
