"""The participant page for staff and its pipeline moves over HTTP, with every denial."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from tests import factories
from tests.factories import count_where as count
from tests.factories import reload_trial as load_trial
from tests.pages import text_of
from tests.trials.followup.helpers import enrol, set_visit, today, visit_of
from trials.consent.models import Consent, ConsentKind
from trials.eligibility.services import register_interest
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.followup.models import VisitStatus
from trials.observations.services import record_observation


@pytest.fixture
def randomised(session, world, trial_id) -> Enrolment:
    return enrol(session, world, trial_id, "WFH", name="Margaret Quill")


def page_url(enrolment) -> str:
    return f"/enrolment/enrolments/{enrolment.id}"


def move_url(enrolment, move: str) -> str:
    return f"/enrolment/enrolments/{enrolment.id}/moves/{move}"


def status_of(session, enrolment) -> EnrolmentStatus:
    return session.get(Enrolment, enrolment.id, populate_existing=True).status


MOVES = ["screen", "complete", "lost-to-follow-up", "withdraw"]
LOST = {"lost-reason": "No reply to three letters"}


@pytest.mark.parametrize("who", ["company", "evaluator", "admin"])
def test_other_roles_are_forbidden(client, login_as, session, world, randomised, who):
    login_as(getattr(world, who))
    assert client.get(page_url(randomised)).status_code == 403
    for move in MOVES:
        assert client.post(move_url(randomised, move), data=LOST).status_code == 403
    assert status_of(session, randomised) is EnrolmentStatus.RANDOMISED


def test_staff_at_another_site_get_not_found(client, login_as, session, world, randomised):
    login_as(world.researcher_dor)
    assert client.get(page_url(randomised)).status_code == 404
    for move in MOVES:
        assert client.post(move_url(randomised, move), data=LOST).status_code == 404
    assert status_of(session, randomised) is EnrolmentStatus.RANDOMISED
    assert client.get("/enrolment/enrolments/999999").status_code == 404


def test_unknown_move_is_not_found(client, login_as, world, randomised):
    login_as(world.researcher_wfh)
    assert client.post(move_url(randomised, "start")).status_code == 404
    assert client.post(move_url(randomised, "teleport")).status_code == 404


def test_page_shows_code_status_arm_schedule_values_and_moves_but_no_name(
    client, login_as, session, world, trial_id, randomised
):
    trial = load_trial(session, trial_id)
    record_observation(
        session,
        session.get(Enrolment, randomised.id),
        trial=trial,
        visit=next(v for v in trial.visits if v.is_baseline),
        measure=trial.primary_measure,
        value=17.5,
        actor=world.researcher_wfh,
    )
    session.commit()
    login_as(world.researcher_wfh)
    listing = client.get(f"/enrolment/trials/{trial_id}").get_data(as_text=True)
    assert f'href="{page_url(randomised)}"' in listing
    response = client.get(page_url(randomised))
    page = text_of(response)
    assert response.status_code == 200
    assert randomised.participant_code in page and "Margaret" not in page
    assert "Status Randomised" in page and "Arm" in page
    assert "Follow-up" in page and "Scheduled" in page
    assert "Baseline Timed Up and Go 17.5 seconds" in page
    assert "Record as lost to follow-up" in page and "Record withdrawal" in page
    assert "Mark follow-up complete" not in page  # the follow-up visit is still scheduled
    assert f"/followup/visits/{visit_of(session, randomised).id}" in response.get_data(as_text=True)


def test_screening_an_interested_participant(client, login_as, session, world, trial_id):
    participant = factories.make_participant(session, full_name="Ivy Interest")
    enrolment = register_interest(
        session, participant=participant, trial=load_trial(session, trial_id), site_id=world.wfh.id
    )
    session.commit()
    login_as(world.researcher_wfh)
    assert "Confirm eligibility" in text_of(client.get(page_url(enrolment)))
    response = client.post(move_url(enrolment, "screen"), data={"screen-reason": "By phone"})
    assert response.status_code == 302
    assert status_of(session, enrolment) is EnrolmentStatus.SCREENED
    assert "screened" in text_of(client.get(response.headers["Location"]))
    again = client.post(move_url(enrolment, "screen"))
    assert again.status_code == 409
    assert "Only a participant who registered interest can be screened" in text_of(again)


def test_completing_too_early_is_refused_with_a_plain_message(
    client, login_as, session, world, randomised
):
    login_as(world.researcher_wfh)
    response = client.post(move_url(randomised, "complete"))
    assert response.status_code == 409
    assert "1 visit is still scheduled" in text_of(response)
    assert status_of(session, randomised) is EnrolmentStatus.RANDOMISED


def test_completing_once_every_visit_is_done(client, login_as, session, world, randomised):
    set_visit(session, randomised, due_on=today(), status=VisitStatus.MISSED)
    login_as(world.researcher_wfh)
    assert "Mark follow-up complete" in text_of(client.get(page_url(randomised)))
    assert client.post(move_url(randomised, "complete")).status_code == 302
    assert status_of(session, randomised) is EnrolmentStatus.COMPLETED
    assert count(session, AuditEvent, AuditEvent.action == "enrolment.completed") == 1


def test_lost_to_follow_up_needs_a_reason_and_misses_open_visits(
    client, login_as, session, world, randomised
):
    login_as(world.researcher_wfh)
    refused = client.post(move_url(randomised, "lost-to-follow-up"), data={"lost-reason": ""})
    assert refused.status_code == 422
    assert "Give the reason the participant was lost to follow-up" in text_of(refused)
    assert status_of(session, randomised) is EnrolmentStatus.RANDOMISED
    response = client.post(move_url(randomised, "lost-to-follow-up"), data=LOST)
    assert response.status_code == 302
    assert status_of(session, randomised) is EnrolmentStatus.LOST_TO_FOLLOW_UP
    visit = visit_of(session, randomised)
    assert visit.status is VisitStatus.MISSED
    assert visit.missed_reason == "No reply to three letters"
    page = text_of(client.get(page_url(randomised)))
    assert "No reply to three letters" in page and "Record as lost" not in page


def test_withdrawal_on_the_participants_behalf(client, login_as, session, world, randomised):
    login_as(world.researcher_wfh)
    missing = client.post(move_url(randomised, "withdraw"), data={"withdraw-reason": "Phoned"})
    assert missing.status_code == 422
    assert "Select what the participant chose" in text_of(missing)
    response = client.post(
        move_url(randomised, "withdraw"),
        data={"withdraw-scope": "stop_taking_part", "withdraw-reason": "Phoned: moving away"},
    )
    assert response.status_code == 302
    assert status_of(session, randomised) is EnrolmentStatus.WITHDRAWN
    record = session.scalars(
        select(Consent).where(
            Consent.participant_id == randomised.participant_id,
            Consent.kind == ConsentKind.WITHDRAWAL,
        )
    ).one()
    assert record.withdrawal_scope.value == "stop_taking_part"
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "enrolment.withdrawn")
    ).one()
    assert event.actor_id == world.researcher_wfh.id and event.reason == "Phoned: moving away"
    page = text_of(client.get(page_url(randomised)))
    # Only the wider choice is left to offer.
    assert "leave all their data out of the results" in page
    assert "the data already collected are used" not in page


def test_page_uses_a_bounded_number_of_queries(
    client, login_as, session, world, trial_id, randomised, count_queries
):
    login_as(world.researcher_wfh)
    other = enrol(session, world, trial_id, "WFH")
    counts = []
    for url in (page_url(randomised), page_url(other)):
        session.expire_all()
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        counts.append(len([s for s in statements if not s.startswith("BEGIN")]))
    # Signed-in user 3, enrolment 1, trial with details 7, schedule 1, latest consent 3,
    # recorded values 1.
    assert counts[0] == counts[1] <= 16
