"""After a new version: the participant re-consents or declines, and major changes block
new study activity until they do (minor changes never block)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from tests import factories
from tests.factories import count_rows as count
from tests.pages import text_of
from tests.trials.consent.version_helpers import (
    MAJOR,
    MINOR,
    consent_rows,
    new_version,
    running_trial,
)
from trials.consent.models import Consent, ConsentKind, WithdrawalScope
from trials.consent.reconsent import decline_reconsent, sign_reconsent
from trials.consent.services import correct_answers, current_consent_form, latest_consent
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.enrolment.services import randomise
from trials.observations.models import Observation
from trials.observations.services import record_observation
from trials.proposals.models import Measure, MeasureType
from trials.questionnaires import get_instrument

PHQ9 = get_instrument("phq9")


def counts(session) -> tuple[int, int, int]:
    return count(session, Consent), count(session, Enrolment), count(session, AuditEvent)


@pytest.fixture
def trial(session, world):
    return running_trial(session, world)


@pytest.fixture
def enrolment(session, world, trial) -> Enrolment:
    enrolment = factories.consent(session, trial, world.participant)
    session.commit()
    return enrolment


def sign_data(session, trial, **overrides: str | None) -> dict[str, str]:
    """A complete, confirmed re-consent from "check your answers" (no site: it is kept)."""
    data = factories.consent_form_data(session, trial.id, 0, "Jo Resident", **overrides)
    data.pop("site_id")
    return data


def url(trial) -> str:
    return f"/my-trials/{trial.id}/reconsent"


# The services --------------------------------------------------------------------------


def test_re_consent_adds_a_consent_to_the_new_version_and_keeps_the_enrolment(
    session, world, trial, enrolment
):
    first = latest_consent(session, world.participant.id, trial.id)
    second = new_version(session, world, trial, MAJOR)
    before = consent_rows(session)
    form = current_consent_form(session, trial.id)
    consent = sign_reconsent(
        session,
        participant=world.participant,
        trial=trial,
        answers={s.id: True for s in form.statements},
        typed_name=" jo  RESIDENT ",
        comprehension=correct_answers(form),
    )
    session.commit()
    assert consent.kind is ConsentKind.CONSENT and consent.consent_form_id == second.id
    assert consent.reference != first.reference
    assert consent_rows(session)[: len(before)] == before  # the first consent is untouched
    assert count(session, Enrolment) == 1
    assert session.get(Enrolment, enrolment.id).status is EnrolmentStatus.CONSENTED
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "consent.reconsented")
    ).one()
    assert event.old_value == {"consent_form_version": 1}
    assert event.new_value["consent_form_version"] == 2
    assert event.actor_id == world.participant.user_id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("untick", "statement"),
        ("wrong_answer", "question"),
        ("no_answer", "question"),
        ("wrong_name", "typed_name"),
    ],
)
def test_re_consent_checks_like_the_first_consent(session, world, trial, enrolment, change, field):
    new_version(session, world, trial, MAJOR)
    form = current_consent_form(session, trial.id)
    answers = {s.id: True for s in form.statements}
    chosen = correct_answers(form)
    name = "Jo Resident"
    if change == "untick":
        answers[form.statements[0].id] = False
    elif change == "wrong_answer":
        chosen[form.questions[0].id] = 1
    elif change == "no_answer":
        chosen.pop(form.questions[-1].id)
    else:
        name = "Someone Else"
    before = counts(session)
    with pytest.raises(InvalidInput) as error:
        sign_reconsent(
            session,
            participant=world.participant,
            trial=trial,
            answers=answers,
            typed_name=name,
            comprehension=chosen,
        )
    assert error.value.field.startswith(field)
    session.rollback()
    assert counts(session) == before


def test_nothing_to_re_consent_after_a_minor_change_or_twice(session, world, trial, enrolment):
    new_version(session, world, trial, MINOR, "Typo.")
    form = current_consent_form(session, trial.id)
    arguments = {
        "participant": world.participant,
        "trial": trial,
        "answers": {s.id: True for s in form.statements},
        "typed_name": "Jo Resident",
        "comprehension": correct_answers(form),
    }
    with pytest.raises(IllegalTransition, match="do not need to agree"):
        sign_reconsent(session, **arguments)
    session.rollback()
    new_version(session, world, trial, MAJOR)
    arguments["answers"] = {s.id: True for s in current_consent_form(session, trial.id).statements}
    arguments["comprehension"] = correct_answers(current_consent_form(session, trial.id))
    sign_reconsent(session, **arguments)
    session.commit()
    with pytest.raises(IllegalTransition):
        sign_reconsent(session, **arguments)
    with pytest.raises(IllegalTransition):
        decline_reconsent(session, participant=world.participant, trial=trial)


def test_declining_withdraws_on_the_new_version(session, world, trial, enrolment):
    second = new_version(session, world, trial, MAJOR)
    before = consent_rows(session)
    withdrawal = decline_reconsent(
        session, participant=world.participant, trial=trial, reason="Not for me"
    )
    session.commit()
    assert withdrawal.kind is ConsentKind.WITHDRAWAL
    assert withdrawal.withdrawal_scope is WithdrawalScope.STOP_TAKING_PART
    assert withdrawal.consent_form_id == second.id
    assert consent_rows(session)[: len(before)] == before
    assert session.get(Enrolment, enrolment.id).status is EnrolmentStatus.WITHDRAWN
    actions = {
        e.action: e
        for e in session.scalars(select(AuditEvent).where(AuditEvent.trial_id == trial.id))
    }
    assert actions["consent.reconsent_declined"].new_value["consent_form_version"] == 2
    assert actions["consent.withdrawn"].reason == "Not for me"
    assert actions["enrolment.withdrawn"].new_value["status"] == "withdrawn"
    with pytest.raises(IllegalTransition):
        decline_reconsent(session, participant=world.participant, trial=trial)


# Gating: every new activity calls require_current_consent ------------------------------


@pytest.fixture
def questionnaire(session, world, trial, enrolment) -> str:
    measure = Measure(
        trial_id=trial.id,
        name="PHQ-9 depression score",
        unit="points",
        type=MeasureType.CONTINUOUS,
        min_value=0,
        max_value=27,
        instrument="phq9",
    )
    session.add(measure)
    session.commit()
    trial = factories.reload_trial(session, trial.id)
    baseline = next(v for v in trial.visits if v.is_baseline)
    return f"/my-trials/enrolments/{enrolment.id}/questionnaires/{baseline.id}/{measure.id}"


def answers() -> dict[str, str]:
    """Answers that need no safety follow-up (the self-harm item answered "not at all")."""
    return {f"item_{item.code}": "0" if item.is_safety_item else "1" for item in PHQ9.items}


def staff_records(session, world, trial, enrolment) -> Observation:
    trial = factories.reload_trial(session, trial.id)
    return record_observation(
        session,
        session.get(Enrolment, enrolment.id),
        trial=trial,
        visit=next(v for v in trial.visits if v.is_baseline),
        measure=trial.primary_measure,
        value=12.0,
        actor=world.researcher_wfh,
    )


def test_a_major_change_blocks_questionnaires_recording_and_randomising(
    client, session, world, login_as, trial, enrolment, questionnaire
):
    new_version(session, world, trial, MAJOR)
    login_as(world.participant.user)
    response = client.post(questionnaire, data=answers())
    assert response.status_code == 403
    assert "must re-consent" in text_of(response)
    with pytest.raises(NotPermitted, match="must re-consent"):
        staff_records(session, world, trial, enrolment)
    session.rollback()
    with pytest.raises(NotPermitted, match="must re-consent"):
        randomise(
            session,
            session.get(Enrolment, enrolment.id),
            trial=factories.reload_trial(session, trial.id),
            actor=world.researcher_wfh,
        )
    session.rollback()
    assert count(session, Observation) == 0
    assert session.get(Enrolment, enrolment.id).arm_id is None
    # Questionnaires are not offered until the participant agrees again.
    assert questionnaire not in client.get("/my-trials/").get_data(as_text=True)

    client.post(url(trial), data=sign_data(session, trial))
    assert client.post(questionnaire, data=answers()).status_code == 302
    staff_records(session, world, trial, enrolment)
    session.commit()
    assert count(session, Observation) == 2


def test_a_minor_change_blocks_nothing(
    client, session, world, login_as, trial, enrolment, questionnaire
):
    new_version(session, world, trial, MINOR, "New phone number.")
    login_as(world.participant.user)
    assert questionnaire in client.get("/my-trials/").get_data(as_text=True)
    assert client.post(questionnaire, data=answers()).status_code == 302
    staff_records(session, world, trial, enrolment)
    randomise(
        session,
        session.get(Enrolment, enrolment.id),
        trial=factories.reload_trial(session, trial.id),
        actor=world.researcher_wfh,
    )
    session.commit()
    assert count(session, Observation) == 2
    assert session.get(Enrolment, enrolment.id).status is EnrolmentStatus.RANDOMISED
