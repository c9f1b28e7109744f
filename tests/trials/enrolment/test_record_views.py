"""Recording outcome values over HTTP: the form, corrections, and refused input."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from tests import factories
from tests.pages import text_of
from tests.trials.enrolment.helpers import (
    count,
    enrol,
    load_trial,
    post_value,
    randomise_url,
    record_as_staff,
    record_url,
    visit_id,
)
from trials.observations.models import Observation
from trials.proposals.models import TrialVisit
from trials.states import TrialStatus

NOT_A_NUMBER = "Enter the value as a number, like 12.5"
OUT_OF_RANGE = "Timed Up and Go must be between 3 and 120 seconds"
NEEDS_REASON = "Give a reason for correcting a recorded value"
SELECT_VISIT = "Select the visit"


def observation_values(session, enrolment_id: int) -> dict[str, float]:
    session.expire_all()
    rows = session.execute(
        select(TrialVisit.code, Observation.value)
        .join(TrialVisit, TrialVisit.id == Observation.visit_id)
        .where(Observation.enrolment_id == enrolment_id)
    )
    return {code: value for code, value in rows}


# Recording values --------------------------------------------------------------------


def test_record_form_shows_the_measure_range_and_visits(
    client, world, login_as, session, trial_id, consented
):
    login_as(world.researcher_wfh)
    response = client.get(record_url(consented))
    assert response.status_code == 200
    page = text_of(response)
    body = response.get_data(as_text=True)
    assert "Record Timed Up and Go" in page
    assert "A number from 3 to 120 seconds, like 12.5" in page
    assert consented.participant_code in page
    assert "Jo Resident" not in page  # the name is shown on the participant list only
    assert 'inputmode="decimal"' in body
    assert 'name="value"' in body
    assert 'name="reason"' in body
    assert body.count('name="visit_id"') == 2
    baseline = visit_id(session, trial_id, "baseline")
    assert re.search(rf'value="{baseline}"\s+checked', body)


def test_record_baseline_then_follow_up(client, world, login_as, session, trial_id, consented):
    login_as(world.researcher_wfh)
    response = post_value(client, session, trial_id, consented, value="14.2")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/enrolment/trials/{trial_id}"
    assert observation_values(session, consented.id) == {"baseline": 14.2}
    assert "Timed Up and Go at Baseline recorded for" in text_of(
        client.get(response.headers["Location"])
    )

    assert client.post(randomise_url(consented)).status_code == 302
    response = post_value(client, session, trial_id, consented, visit="follow_up", value=" 11 ")
    assert response.status_code == 302
    assert observation_values(session, consented.id) == {"baseline": 14.2, "follow_up": 11.0}
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "observation.recorded")
    ).all()
    assert len(events) == 2
    assert {e.actor_id for e in events} == {world.researcher_wfh.id}


def test_record_form_suggests_the_next_visit_to_record(client, world, login_as, session, trial_id):
    enrolment = enrol(session, world, trial_id, "WFH", randomise=True)
    record_as_staff(session, world, trial_id, enrolment.id, "baseline", 14.2)
    login_as(world.researcher_wfh)
    response = client.get(record_url(enrolment.id))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    follow_up = visit_id(session, trial_id, "follow_up")
    assert re.search(rf'value="{follow_up}"\s+checked', body)
    assert "Baseline 14.2 seconds" in text_of(response)


def test_follow_up_before_randomisation_is_refused_on_the_form(
    client, world, login_as, session, trial_id, consented
):
    login_as(world.researcher_wfh)
    response = post_value(client, session, trial_id, consented, visit="follow_up")
    assert response.status_code == 422
    assert "Follow-up values can only be recorded after randomisation." in text_of(response)
    assert 'href="#visit_id"' in response.get_data(as_text=True)
    assert count(session, Observation) == 0


def test_correction_needs_a_reason(client, world, login_as, session, trial_id, consented):
    login_as(world.researcher_wfh)
    assert post_value(client, session, trial_id, consented, value="14.2").status_code == 302

    response = post_value(client, session, trial_id, consented, value="15", reason="  ")
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert NEEDS_REASON in page
    assert 'href="#reason"' in response.get_data(as_text=True)
    assert observation_values(session, consented.id) == {"baseline": 14.2}
    assert count(session, AuditEvent, AuditEvent.action == "observation.corrected") == 0

    response = post_value(
        client, session, trial_id, consented, value="15", reason="Transcription error"
    )
    assert response.status_code == 302
    assert observation_values(session, consented.id) == {"baseline": 15.0}
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "observation.corrected")
    ).one()
    assert event.reason == "Transcription error"
    assert event.old_value["value"] == 14.2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", NOT_A_NUMBER),
        ("   ", NOT_A_NUMBER),
        ("abc", NOT_A_NUMBER),
        ("nan", NOT_A_NUMBER),
        ("NaN", NOT_A_NUMBER),
        ("inf", NOT_A_NUMBER),
        ("-Infinity", NOT_A_NUMBER),
        ("1e400", NOT_A_NUMBER),
        ("12,5", NOT_A_NUMBER),
        ("1_2", NOT_A_NUMBER),
        ("12.5.1", NOT_A_NUMBER),
        ("500", OUT_OF_RANGE),
        ("2.9", OUT_OF_RANGE),
        ("-10", OUT_OF_RANGE),
    ],
)
def test_bad_values_are_refused_next_to_the_field(
    client, world, login_as, session, trial_id, consented, value, message
):
    login_as(world.researcher_wfh)
    response = post_value(client, session, trial_id, consented, value=value)
    assert response.status_code == 422
    page = text_of(response)
    body = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert page.count(message) == 2  # in the error summary and next to the field
    assert 'href="#value"' in body
    assert 'id="value-error"' in body
    assert count(session, Observation) == 0


@pytest.mark.parametrize("visit", ["999999", "abc", "", None, "other-trial"])
def test_unknown_visit_is_refused(client, world, login_as, session, trial_id, consented, visit):
    if visit == "other-trial":
        other = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
        session.commit()
        visit = str(visit_id(session, other.id, "baseline"))
    login_as(world.researcher_wfh)
    data = {"value": "12.5"} if visit is None else {"visit_id": visit, "value": "12.5"}
    response = client.post(record_url(consented), data=data)
    assert response.status_code == 422
    assert SELECT_VISIT in text_of(response)
    assert 'href="#visit_id"' in response.get_data(as_text=True)
    assert count(session, Observation) == 0


def test_too_long_reason_is_refused(client, world, login_as, session, trial_id, consented):
    login_as(world.researcher_wfh)
    response = post_value(client, session, trial_id, consented, reason="x" * 2001)
    assert response.status_code == 422
    assert "Reason must be 2000 characters or fewer" in text_of(response)
    assert count(session, Observation) == 0


def test_recording_is_refused_once_the_data_are_closed(
    client, world, login_as, session, trial_id, consented
):
    trial = load_trial(session, trial_id)
    trial.status = TrialStatus.LOCKED  # as evaluation.runs.services.lock_trial_data leaves it
    session.commit()
    login_as(world.researcher_wfh)
    assert client.get(record_url(consented)).status_code == 409
    assert post_value(client, session, trial_id, consented).status_code == 409
    assert count(session, Observation) == 0
