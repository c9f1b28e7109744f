"""Withdrawal from a trial: the service, the guard, and the participant's pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evaluation.runs.services import lock_trial_data
from livinglab.audit.models import AuditEvent
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from tests import factories
from tests.trials.consent.test_views import text_of
from trials.consent.models import Consent, ConsentKind, WithdrawalScope
from trials.consent.services import latest_consent, require_current_consent
from trials.consent.withdrawal import withdraw_from_trial
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.observations.services import record_observation
from trials.proposals.models import Trial
from trials.review.services import close_recruitment
from trials.states import TrialStatus

STOP = WithdrawalScope.STOP_TAKING_PART
STOP_DATA = WithdrawalScope.STOP_DATA_USE


def counts(session) -> tuple[int, int]:
    consents = session.scalar(select(func.count()).select_from(Consent))
    events = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action.not_in(("account.signed_in", "account.signed_out")))
    )
    return consents, events


@pytest.fixture
def trial(session, world) -> Trial:
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    session.commit()
    return factories.reload_trial(session, trial.id)


@pytest.fixture
def enrolment(session, world, trial) -> Enrolment:
    enrolment = factories.randomised(session, world, trial, world.participant)
    session.commit()
    factories.reload_trial(session, trial.id)
    return enrolment


def withdraw(session, world, trial, scope, reason=None):
    return withdraw_from_trial(
        session, participant=world.participant, trial=trial, scope=scope, reason=reason
    )


def lock(session, world, trial) -> Trial:
    """Close recruitment and lock the trial's data, as the staff and evaluator would."""
    close_recruitment(session, trial, actor=world.researcher_wfh)
    lock_trial_data(session, trial, actor=world.evaluator)
    session.commit()
    return factories.reload_trial(session, trial.id)


# The service -------------------------------------------------------------------------


@pytest.mark.parametrize("scope", list(WithdrawalScope))
def test_withdrawal_appends_a_record_and_withdraws_the_enrolment(
    session, world, trial, enrolment, scope
):
    consent = latest_consent(session, world.participant.id, trial.id)
    withdrawal = withdraw(session, world, trial, scope, reason="  Moving away  ")
    session.commit()

    assert withdrawal.kind is ConsentKind.WITHDRAWAL
    assert withdrawal.withdrawal_scope is scope
    assert withdrawal.reference.startswith("DLL-") and withdrawal.reference != consent.reference
    assert withdrawal.consent_form_id == consent.consent_form_id
    assert withdrawal.typed_name == ""
    assert latest_consent(session, world.participant.id, trial.id).id == withdrawal.id
    # The consent itself is untouched.
    assert session.get(Consent, consent.id).kind is ConsentKind.CONSENT
    assert session.get(Enrolment, enrolment.id).status is EnrolmentStatus.WITHDRAWN
    events = {
        e.action: e
        for e in session.scalars(select(AuditEvent).where(AuditEvent.trial_id == trial.id))
    }
    assert events["consent.withdrawn"].reason == "Moving away"
    assert events["consent.withdrawn"].new_value["scope"] == scope.value
    assert events["enrolment.withdrawn"].old_value == {"status": "randomised"}
    assert events["enrolment.withdrawn"].new_value["status"] == "withdrawn"
    assert events["enrolment.withdrawn"].actor_id == world.participant.user_id


def test_stopping_twice_is_refused_but_data_use_can_stop_later(session, world, trial, enrolment):
    withdraw(session, world, trial, STOP)
    session.commit()
    with pytest.raises(IllegalTransition):
        withdraw(session, world, trial, STOP)
    later = withdraw(session, world, trial, STOP_DATA)
    session.commit()
    assert later.withdrawal_scope is STOP_DATA
    with pytest.raises(IllegalTransition):
        withdraw(session, world, trial, STOP_DATA)


def test_data_use_cannot_stop_once_the_data_are_locked(session, world, trial, enrolment):
    trial = lock(session, world, trial)
    before = counts(session)
    with pytest.raises(InvalidInput) as error:
        withdraw(session, world, trial, STOP_DATA)
    assert error.value.field == "scope"
    assert "locked" in error.value.message and "pseudonymised" in error.value.message
    session.rollback()
    assert counts(session) == before
    assert session.get(Enrolment, enrolment.id).status is EnrolmentStatus.RANDOMISED
    # Stopping taking part is still possible.
    withdraw(session, world, trial, STOP)
    session.commit()
    assert session.get(Enrolment, enrolment.id).status is EnrolmentStatus.WITHDRAWN


def test_no_new_data_after_withdrawal(session, world, trial, enrolment):
    withdraw(session, world, trial, STOP)
    session.commit()
    trial = factories.reload_trial(session, trial.id)
    with pytest.raises(NotPermitted):
        require_current_consent(session, world.participant.id, trial.id)
    enrolment = session.get(Enrolment, enrolment.id)
    with pytest.raises((IllegalTransition, NotPermitted)):
        record_observation(
            session,
            enrolment,
            trial=trial,
            visit=trial.visits[0],
            measure=trial.primary_measure,
            value=12.0,
            actor=world.researcher_wfh,
        )


# The pages ---------------------------------------------------------------------------


def url(enrolment: Enrolment) -> str:
    return f"/my-trials/enrolments/{enrolment.id}/withdraw"


def test_my_trials_links_to_stopping(session, world, enrolment, login_as):
    page = login_as(world.participant.user).get("/my-trials/")
    assert f'href="{url(enrolment)}"' in page.get_data(as_text=True)


def test_withdraw_page_explains_both_choices(session, world, enrolment, login_as):
    response = login_as(world.participant.user).get(url(enrolment))
    assert response.status_code == 200
    page = text_of(response)
    assert "Stop taking part" in page
    assert "information already collected is kept" in page
    assert "left out of the trial results" in page
    assert 'value="stop_data_use"' in response.get_data(as_text=True)


def test_participant_stops_taking_part(session, world, trial, enrolment, login_as):
    client = login_as(world.participant.user)
    response = client.post(url(enrolment), data={"scope": "stop_taking_part", "reason": ""})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/my-trials/")
    page = text_of(client.get("/my-trials/"))
    assert "You have stopped taking part in Steady feet trial" in page
    assert "You stopped taking part on" in page
    assert "Stop the use of your information" in page
    latest = latest_consent(session, world.participant.id, trial.id)
    assert latest.kind is ConsentKind.WITHDRAWAL and latest.withdrawal_scope is STOP


def test_missing_scope_is_shown_next_to_the_field(session, world, enrolment, login_as):
    before = counts(session)
    response = login_as(world.participant.user).post(url(enrolment), data={"reason": "x"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "Select what you would like to stop" in html
    assert counts(session) == before


def test_stopping_data_use_after_the_lock_is_explained(session, world, trial, enrolment, login_as):
    trial = lock(session, world, trial)
    before = counts(session)
    response = login_as(world.participant.user).post(
        url(enrolment), data={"scope": "stop_data_use"}
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "already locked" in page and "pseudonymised" in page
    assert counts(session) == before


def test_another_participants_enrolment_is_not_found(session, world, trial, enrolment, login_as):
    other = factories.make_participant(session, full_name="Sam Other")
    session.commit()
    before = counts(session)
    client = login_as(other.user)
    assert client.get(url(enrolment)).status_code == 404
    assert client.post(url(enrolment), data={"scope": "stop_data_use"}).status_code == 404
    assert client.get("/my-trials/enrolments/999999/withdraw").status_code == 404
    assert counts(session) == before
    assert session.get(Enrolment, enrolment.id).status is EnrolmentStatus.RANDOMISED


@pytest.mark.parametrize(
    "who", ["company", "researcher_wfh", "researcher_dor", "evaluator", "admin"]
)
def test_other_roles_are_refused(session, world, enrolment, login_as, who):
    before = counts(session)
    client = login_as(getattr(world, who))
    assert client.get(url(enrolment)).status_code == 403
    assert client.post(url(enrolment), data={"scope": "stop_taking_part"}).status_code == 403
    assert counts(session) == before


def test_signed_out_users_are_sent_to_sign_in(client, enrolment):
    response = client.get(url(enrolment))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_already_stopped_is_sent_back(session, world, trial, enrolment, login_as):
    withdraw(session, world, trial, STOP_DATA)
    session.commit()
    response = login_as(world.participant.user).get(url(enrolment))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/my-trials/")
