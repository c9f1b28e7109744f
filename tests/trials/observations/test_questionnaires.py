"""Participants complete a questionnaire online; its score is recorded as an Observation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.mail.models import OutboxMessage
from tests import factories
from tests.factories import count_rows as count
from tests.pages import text_of
from trials.observations.models import Observation, ObservationSource
from trials.proposals.models import Measure, MeasureType
from trials.questionnaires import get_instrument
from trials.states import TrialStatus

PHQ9 = get_instrument("phq9")


@pytest.fixture
def setup(session, world):
    """A recruiting trial with an online PHQ-9, and the world's participant consented at WFH."""
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
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
    session.flush()
    enrolment = factories.consent(session, trial, world.participant)
    baseline = next(v for v in trial.visits if v.is_baseline)
    follow_up = next(v for v in trial.visits if not v.is_baseline)
    session.commit()
    return {
        "url": f"/my-trials/enrolments/{enrolment.id}/questionnaires/{baseline.id}/{measure.id}",
        "follow_up_url": (
            f"/my-trials/enrolments/{enrolment.id}/questionnaires/{follow_up.id}/{measure.id}"
        ),
        "enrolment": enrolment,
        "measure": measure,
    }


def answers(**overrides: str | None) -> dict[str, str]:
    data: dict[str, str | None] = {f"item_{item.code}": "1" for item in PHQ9.items}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def item9() -> str:
    return next(item.code for item in PHQ9.items if item.is_safety_item)


def test_a_participant_completes_the_phq9_and_the_score_is_recorded(
    client, world, login_as, session, setup
):
    login_as(world.participant.user)
    my_trials = client.get("/my-trials/").get_data(as_text=True)
    assert setup["url"] in my_trials
    assert setup["follow_up_url"] not in my_trials  # not before randomisation
    assert "Over the last 2 weeks" in text_of(client.get(setup["url"]))
    response = client.post(setup["url"], data=answers(**{f"item_{item9()}": "0"}))
    assert response.status_code == 302
    observation = session.scalars(select(Observation)).one()
    assert observation.value == 8  # eight scored items answered 1, item 9 answered 0
    assert observation.source is ObservationSource.PARTICIPANT
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "observation.recorded")
    ).one()
    assert event.new_value["instrument"] == "phq9"
    assert setup["url"] not in client.get("/my-trials/").get_data(as_text=True)
    again = client.post(setup["url"], data=answers())
    assert again.status_code == 409
    assert count(session, Observation) == 1


def test_an_answer_about_self_harm_shows_support_and_alerts_site_staff(
    client, world, login_as, session, setup
):
    login_as(world.participant.user)
    response = client.post(setup["url"], data=answers(**{f"item_{item9()}": "2"}))
    assert response.status_code == 200
    assert "Samaritans" in text_of(response)
    assert count(session, Observation) == 1
    # Only the safety alert: the company's emails about the trial's state go elsewhere.
    message = session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address != world.company.email)
    ).one()
    assert message.to_address == world.researcher_wfh.email
    assert setup["enrolment"].participant_code in message.body_text
    assert world.participant.user.full_name not in message.body_text
    assert session.scalar(
        select(AuditEvent).where(AuditEvent.action == "questionnaire.safety_flag")
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"item_phq9_1": None, "item_phq9_2": None, "item_phq9_3": None}, "Answer this question"),
        ({"item_phq9_1": "7"}, "Select one of the answers"),
        ({"item_phq9_1": "often"}, "Select one of the answers"),
    ],
)
def test_missing_or_bad_answers_are_refused_and_nothing_is_saved(
    client, world, login_as, session, setup, data, message
):
    login_as(world.participant.user)
    response = client.post(setup["url"], data=answers(**data))
    assert response.status_code == 422
    assert message in text_of(response)
    assert count(session, Observation) == 0


def test_a_follow_up_questionnaire_waits_for_randomisation(client, world, login_as, session, setup):
    login_as(world.participant.user)
    response = client.post(setup["follow_up_url"], data=answers())
    assert response.status_code == 409
    assert count(session, Observation) == 0


def test_another_participant_cannot_open_or_answer_it(client, session, login_as, setup):
    other = factories.make_participant(session, full_name="Sam Other")
    session.commit()
    login_as(other.user)
    assert client.get(setup["url"]).status_code == 404
    assert client.post(setup["url"], data=answers()).status_code == 404
    assert count(session, Observation) == 0


@pytest.mark.parametrize("who", ["company", "researcher_wfh", "evaluator", "admin"])
def test_staff_cannot_answer_for_a_participant(client, world, login_as, session, setup, who):
    login_as(getattr(world, who))
    assert client.post(setup["url"], data=answers()).status_code == 403
    assert count(session, Observation) == 0


def test_a_questionnaire_without_its_licensed_wording_is_not_shown(
    client, world, login_as, session, setup
):
    setup["measure"].instrument = "wemwbs"
    session.commit()
    login_as(world.participant.user)
    response = client.get(setup["url"])
    assert response.status_code == 409
    assert "licensed wording" in text_of(response)
