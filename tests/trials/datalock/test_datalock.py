"""The data lock: the trial lead or an evaluator locks; either unlocks, with a reason."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from livinglab.mail.models import OutboxMessage
from tests import factories
from tests.pages import text_of
from trials import datalock
from trials.enrolment.models import Enrolment
from trials.observations.models import Observation
from trials.observations.services import record_observation
from trials.proposals.models import Trial
from trials.review.services import close_recruitment
from trials.states import TrialStatus


def record(session, world, trial: Trial, enrolment: Enrolment, value: float, reason=None):
    """Record (or with ``reason`` correct) the baseline primary value as WFH staff."""
    visit = next(v for v in trial.visits if v.is_baseline)
    return record_observation(
        session,
        enrolment,
        trial=trial,
        visit=visit,
        measure=trial.primary_measure,
        value=value,
        actor=world.researcher_wfh,
        reason=reason,
    )


@pytest.fixture
def trial(session, world) -> Trial:
    """A trial in follow-up led by the WFH researcher, one participant with a baseline value."""
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    enrolment = factories.randomised(session, world, trial, factories.make_participant(session))
    record(session, world, trial, enrolment, 12.0)
    close_recruitment(session, trial, actor=world.researcher_wfh)
    trial.lead_id = world.researcher_wfh.id
    session.commit()
    return factories.reload_trial(session, trial.id)


@pytest.fixture
def enrolment(session, trial) -> Enrolment:
    return session.scalars(select(Enrolment).where(Enrolment.trial_id == trial.id)).one()


def events(session, trial: Trial, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.trial_id == trial.id, AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
    )


# Services --------------------------------------------------------------------------------


def test_the_lead_locks_and_then_no_value_can_be_recorded(session, world, trial, enrolment):
    datalock.lock_data(session, trial, actor=world.researcher_wfh, note=" Last visit done. ")
    assert trial.status is TrialStatus.LOCKED
    assert trial.data_locked_at is not None
    [event] = events(session, trial, "trial.locked")
    assert event.actor_id == world.researcher_wfh.id
    assert event.reason == "Last visit done."
    with pytest.raises(IllegalTransition, match="locked"):
        record(session, world, trial, enrolment, 13.0, reason="Typo")


def test_unlocking_reopens_the_data_for_corrections_with_a_reason(session, world, trial, enrolment):
    datalock.lock_data(session, trial, actor=world.researcher_wfh)
    locked_at = trial.data_locked_at
    mails = factories.count_rows(session, OutboxMessage)
    datalock.unlock_data(
        session, trial, actor=world.researcher_wfh, reason="  Baseline typed wrongly.  "
    )
    assert trial.status is TrialStatus.FOLLOW_UP
    assert trial.data_locked_at is None
    [event] = events(session, trial, "trial.data_unlocked")
    assert event.actor_id == world.researcher_wfh.id
    assert event.reason == "Baseline typed wrongly."
    assert event.old_value == {"status": "locked"}
    assert event.new_value["status"] == "follow_up"
    assert event.new_value["had_been_locked_at"] == locked_at.isoformat()
    assert factories.count_rows(session, OutboxMessage) == mails  # the company is not emailed
    with pytest.raises(InvalidInput, match="reason"):
        record(session, world, trial, enrolment, 13.0)
    record(session, world, trial, enrolment, 13.0, reason="Typed 12 for 13")
    assert session.scalars(select(Observation.value)).one() == 13.0
    [correction] = events(session, trial, "observation.corrected")
    assert correction.old_value["value"] == 12.0
    assert correction.reason == "Typed 12 for 13"


def test_an_evaluator_may_lock_and_unlock(session, world, trial):
    datalock.lock_data(session, trial, actor=world.evaluator)
    datalock.unlock_data(session, trial, actor=world.evaluator, reason="A late correction.")
    assert trial.status is TrialStatus.FOLLOW_UP
    assert [e.actor_id for e in events(session, trial, "trial.data_unlocked")] == [
        world.evaluator.id
    ]


@pytest.mark.parametrize("who", ["researcher_dor", "company", "admin"])
def test_nobody_else_may_lock_or_unlock(session, world, trial, who):
    actor = getattr(world, who)
    with pytest.raises(NotPermitted, match="trial lead or an evaluator"):
        datalock.lock_data(session, trial, actor=actor)
    datalock.lock_data(session, trial, actor=world.evaluator)
    with pytest.raises(NotPermitted, match="trial lead or an evaluator"):
        datalock.unlock_data(session, trial, actor=actor, reason="Because.")
    assert trial.status is TrialStatus.LOCKED


def test_a_researcher_who_is_not_the_lead_may_not_lock(session, world, trial):
    trial.lead_id = world.researcher_dor.id
    with pytest.raises(NotPermitted):
        datalock.lock_data(session, trial, actor=world.researcher_wfh)
    assert trial.status is TrialStatus.FOLLOW_UP


def test_unlocking_needs_a_reason(session, world, trial):
    datalock.lock_data(session, trial, actor=world.researcher_wfh)
    with pytest.raises(InvalidInput, match="Enter why the data need to be unlocked"):
        datalock.unlock_data(session, trial, actor=world.researcher_wfh, reason="   ")
    assert trial.status is TrialStatus.LOCKED
    assert events(session, trial, "trial.data_unlocked") == []


def test_only_locked_data_can_be_unlocked(session, world, trial):
    with pytest.raises(IllegalTransition, match="Only locked data can be unlocked"):
        datalock.unlock_data(session, trial, actor=world.researcher_wfh, reason="Why not.")


@pytest.mark.parametrize("status", [TrialStatus.EVALUATED, TrialStatus.DECIDED])
def test_evaluated_data_stay_locked(session, world, trial, status):
    datalock.lock_data(session, trial, actor=world.evaluator)
    trial.status = status  # as the analysis (and the decision) leave it
    with pytest.raises(IllegalTransition, match="once the trial has been evaluated"):
        datalock.unlock_data(session, trial, actor=world.evaluator, reason="Re-run it.")
    assert trial.status is status


# Pages -----------------------------------------------------------------------------------


def lock_url(trial: Trial) -> str:
    return f"/trials/{trial.id}/lock-data"


def unlock_url(trial: Trial) -> str:
    return f"/trials/{trial.id}/unlock-data"


def test_the_lead_sees_lock_then_unlock_on_the_trial_page(client, session, world, login_as, trial):
    login_as(world.researcher_wfh)
    html = client.get(f"/enrolment/trials/{trial.id}").get_data(as_text=True)
    assert f'href="{lock_url(trial)}"' in html
    assert client.get(lock_url(trial)).status_code == 200
    response = client.post(lock_url(trial), data={"note": "All visits in."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/enrolment/trials/{trial.id}")
    page = client.get(f"/enrolment/trials/{trial.id}")
    assert "Trial data locked." in text_of(page)
    assert f'href="{unlock_url(trial)}"' in page.get_data(as_text=True)
    response = client.post(unlock_url(trial), data={"reason": "Baseline typed wrongly."})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Trial, trial.id).status is TrialStatus.FOLLOW_UP
    assert [e.reason for e in events(session, trial, "trial.data_unlocked")] == [
        "Baseline typed wrongly."
    ]


def test_other_researchers_do_not_see_the_lock(client, world, login_as, trial):
    login_as(world.researcher_dor)
    html = client.get(f"/enrolment/trials/{trial.id}").get_data(as_text=True)
    assert lock_url(trial) not in html


def test_unlocking_without_a_reason_is_refused_on_the_page(client, session, world, login_as, trial):
    datalock.lock_data(session, trial, actor=world.researcher_wfh)
    session.commit()
    login_as(world.researcher_wfh)
    response = client.post(unlock_url(trial), data={"reason": "  "})
    assert response.status_code == 422
    assert "Enter why the data need to be unlocked" in text_of(response)
    session.expire_all()
    assert session.get(Trial, trial.id).status is TrialStatus.LOCKED


def test_an_evaluated_trial_cannot_be_unlocked_on_the_page(client, session, world, login_as, trial):
    datalock.lock_data(session, trial, actor=world.evaluator)
    trial.status = TrialStatus.EVALUATED
    session.commit()
    login_as(world.evaluator)
    response = client.post(unlock_url(trial), data={"reason": "Re-run it."})
    assert response.status_code == 409
    assert "once the trial has been evaluated" in text_of(response)


def test_the_evaluator_is_sent_back_to_the_evaluation_page(client, world, login_as, trial):
    login_as(world.evaluator)
    response = client.post(lock_url(trial))
    assert response.headers["Location"].endswith(f"/evaluation/trials/{trial.id}")


@pytest.mark.parametrize("url", [lock_url, unlock_url])
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("researcher_dor", 403),  # runs the trial at DOR but does not lead it
        ("company", 403),
        ("other_company", 403),
        ("admin", 403),
    ],
)
def test_denials(client, session, world, login_as, trial, url, who, status):
    login_as(getattr(world, who))
    assert client.get(url(trial)).status_code == status
    assert client.post(url(trial), data={"reason": "x", "note": "x"}).status_code == status
    session.expire_all()
    assert session.get(Trial, trial.id).status is TrialStatus.FOLLOW_UP


def test_a_participant_may_not_lock(client, world, login_as, trial):
    login_as(world.participant.user)
    assert client.post(lock_url(trial)).status_code == 403


def test_a_researcher_at_no_site_of_the_trial_gets_404(client, session, world, login_as):
    trial = factories.make_trial(session, world, status=TrialStatus.FOLLOW_UP, sites=("DOR",))
    trial.lead_id = world.researcher_wfh.id
    session.commit()
    login_as(world.researcher_wfh)
    assert client.get(lock_url(trial)).status_code == 404
