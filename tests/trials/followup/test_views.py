"""The follow-up pages over HTTP: visit lists, recording a visit and its values, denials."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from tests import factories
from tests.factories import count_where as count
from tests.pages import text_of
from tests.trials.followup.helpers import days, enrol, set_visit, today, visit_of
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.followup.models import VisitStatus
from trials.observations.models import Observation
from trials.states import TrialStatus

OUT_OF_RANGE = "Timed Up and Go must be between 3 and 120 seconds"


@pytest.fixture
def due(session, world, trial_id) -> Enrolment:
    """Margaret, randomised at WFH, whose follow-up visit is due today (window 2 days)."""
    enrolment = enrol(session, world, trial_id, "WFH", name="Margaret Quill")
    set_visit(session, enrolment, due_on=today(), window_days=2)
    return enrolment


def visit_url(session, enrolment, action: str = "") -> str:
    return f"/followup/visits/{visit_of(session, enrolment).id}{action}"


def date_parts(name: str, day) -> dict[str, str]:
    return {
        f"{name}[day]": str(day.day),
        f"{name}[month]": str(day.month),
        f"{name}[year]": str(day.year),
    }


def urls(session, trial_id, enrolment):
    return [
        ("get", f"/followup/trials/{trial_id}/visits"),
        ("get", visit_url(session, enrolment)),
        ("post", visit_url(session, enrolment, "/attended")),
        ("post", visit_url(session, enrolment, "/missed")),
    ]


def post_data() -> dict[str, str]:
    return {**date_parts("attended_on", today()), "reason": "Unwell"}


# Denials -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["company", "evaluator", "admin"])
def test_other_roles_are_forbidden(client, login_as, session, world, trial_id, due, who):
    login_as(getattr(world, who))
    for method, url in urls(session, trial_id, due):
        assert getattr(client, method)(url, data=post_data()).status_code == 403, url
    assert visit_of(session, due).status is VisitStatus.SCHEDULED


def test_staff_at_another_site_do_not_find_the_visit(
    client, login_as, session, world, trial_id, due
):
    login_as(world.researcher_dor)  # the trial runs at DOR too; Margaret is at WFH
    for method, url in urls(session, trial_id, due)[1:]:
        assert getattr(client, method)(url, data=post_data()).status_code == 404, url
    page = text_of(client.get(f"/followup/trials/{trial_id}/visits"))
    assert due.participant_code not in page and "Due (0)" in page
    assert visit_of(session, due).status is VisitStatus.SCHEDULED


def test_a_trial_not_at_the_researchers_sites_is_not_found(client, login_as, session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING, sites=("WFH",))
    session.commit()
    login_as(world.researcher_dor)
    assert client.get(f"/followup/trials/{trial.id}/visits").status_code == 404
    assert client.get("/followup/visits/999999").status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, session, trial_id, due):
    for method, url in urls(session, trial_id, due):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# The lists ---------------------------------------------------------------------------


def test_lists_show_codes_not_names_with_counts_and_links(
    client, login_as, session, world, trial_id, due
):
    late = enrol(session, world, trial_id, "WFH", name="Norah Late")
    set_visit(session, late, due_on=today() - days(10))
    login_as(world.researcher_wfh)
    response = client.get(f"/followup/trials/{trial_id}/visits")
    page = text_of(response)
    assert "Due (1) Overdue (1) Upcoming (0) Missed (0)" in page
    assert due.participant_code in page and late.participant_code not in page
    assert "Margaret" not in page and "Norah" not in page
    assert visit_url(session, due) in response.get_data(as_text=True)
    overdue = text_of(client.get(f"/followup/trials/{trial_id}/visits?show=overdue"))
    assert late.participant_code in overdue and due.participant_code not in overdue
    bogus = text_of(client.get(f"/followup/trials/{trial_id}/visits?show=nonsense"))
    assert "1 visit due" in bogus
    trial_page = client.get(f"/enrolment/trials/{trial_id}").get_data(as_text=True)
    assert f"/followup/trials/{trial_id}/visits" in trial_page


def test_lists_are_paginated_with_a_bounded_number_of_queries(
    app, client, login_as, session, world, trial_id, count_queries
):
    app.config["PAGE_SIZE"] = 3
    login_as(world.researcher_wfh)
    counts = []
    for _ in range(2):
        for _ in range(3):
            set_visit(session, enrol(session, world, trial_id, "WFH"), due_on=today())
        session.expire_all()  # the test shares the request's session: start both cold
        with count_queries() as statements:
            response = client.get(f"/followup/trials/{trial_id}/visits?show=due")
        assert response.status_code == 200
        counts.append(len(statements))
    # Signed-in user 3, trial with details 7, this page 3 (list, its count, the tab counts).
    assert counts[0] == counts[1] <= 13
    assert "6 visits due" in text_of(response)
    assert "Next" in text_of(response)


# Recording a visit -------------------------------------------------------------------


def test_attended_goes_on_to_the_values_with_the_visit_chosen_and_range_checks(
    client, login_as, session, world, trial_id, due
):
    login_as(world.researcher_wfh)
    assert client.get(visit_url(session, due)).status_code == 200
    response = client.post(
        visit_url(session, due, "/attended"), data=date_parts("attended_on", today())
    )
    assert response.status_code == 302
    record_url = response.headers["Location"]
    visit = visit_of(session, due)
    assert record_url == f"/enrolment/enrolments/{due.id}/observations?visit_id={visit.visit_id}"
    assert visit.status is VisitStatus.ATTENDED and visit.attended_on == today()
    assert session.get(Enrolment, due.id).status is EnrolmentStatus.ACTIVE
    form = client.get(record_url).get_data(as_text=True)
    assert f'value="{visit.visit_id}" checked' in form
    refused = client.post(record_url, data={"visit_id": str(visit.visit_id), "value": "500"})
    assert refused.status_code == 422
    assert OUT_OF_RANGE in text_of(refused)
    assert count(session, Observation) == 0
    saved = client.post(record_url, data={"visit_id": str(visit.visit_id), "value": "14.5"})
    assert saved.status_code == 302
    assert count(session, Observation, Observation.value == 14.5) == 1
    assert count(session, AuditEvent, AuditEvent.action == "visit.attended") == 1


def test_attended_date_must_be_given_and_not_in_the_future(
    client, login_as, session, world, trial_id, due
):
    login_as(world.researcher_wfh)
    url = visit_url(session, due, "/attended")
    empty = client.post(url, data={})
    assert empty.status_code == 422
    assert "Enter the date the participant attended" in text_of(empty)
    future = client.post(url, data=date_parts("attended_on", today() + days(1)))
    assert future.status_code == 422
    assert "Date attended must be today or in the past" in text_of(future)
    assert visit_of(session, due).status is VisitStatus.SCHEDULED


def test_a_visit_attended_outside_its_window_is_recorded_with_a_warning(
    client, login_as, session, world, trial_id
):
    early = enrol(session, world, trial_id, "WFH", name="Early Bird")
    set_visit(session, early, due_on=today() + days(10), window_days=2)
    login_as(world.researcher_wfh)

    response = client.post(
        visit_url(session, early, "/attended"),
        data=date_parts("attended_on", today()),
        follow_redirects=True,
    )

    assert visit_of(session, early).status is VisitStatus.ATTENDED
    assert "That date is outside the visit window" in text_of(response)


def test_a_visit_attended_inside_its_window_has_no_warning(
    client, login_as, session, world, trial_id, due
):
    login_as(world.researcher_wfh)
    response = client.post(
        visit_url(session, due, "/attended"),
        data=date_parts("attended_on", today()),
        follow_redirects=True,
    )

    assert "outside the visit window" not in text_of(response)


def test_missed_needs_a_reason_and_then_shows_on_the_missed_list(
    client, login_as, session, world, trial_id, due
):
    login_as(world.researcher_wfh)
    url = visit_url(session, due, "/missed")
    refused = client.post(url, data={"reason": ""})
    assert refused.status_code == 422
    assert "Give the reason the visit was missed" in text_of(refused)
    blank = client.post(url, data={"reason": "   "})
    assert blank.status_code == 422
    response = client.post(url, data={"reason": "In hospital"}, follow_redirects=True)
    page = text_of(response)
    assert "Missed (1)" in page and "In hospital" in page and due.participant_code in page
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "visit.missed")).one()
    assert event.actor_id == world.researcher_wfh.id and event.reason == "In hospital"


def test_recording_a_value_marks_the_scheduled_visit_attended(
    client, login_as, session, world, trial_id, due
):
    login_as(world.researcher_wfh)
    visit = visit_of(session, due)
    response = client.post(
        f"/enrolment/enrolments/{due.id}/observations",
        data={"visit_id": str(visit.visit_id), "value": "12"},
    )
    assert response.status_code == 302
    visit = visit_of(session, due)
    assert visit.status is VisitStatus.ATTENDED and visit.attended_on == today()
    assert count(session, AuditEvent, AuditEvent.action == "enrolment.active") == 1
