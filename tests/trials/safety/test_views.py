"""The adverse event pages over HTTP: report, list, correct, and every denial."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.mail.models import OutboxMessage
from tests import factories
from tests.factories import count_where as count
from tests.factories import reload_trial as load_trial
from tests.pages import text_of
from tests.trials.safety.helpers import PARTICIPANT_NAME, draft, enrol, form_data, serious, today
from trials.safety.models import AdverseEvent, Severity
from trials.safety.services import report_adverse_event
from trials.states import TrialStatus


@pytest.fixture
def enrolment(session, world, trial_id):
    return enrol(session, world, trial_id, "WFH", name=PARTICIPANT_NAME)


def add_event(session, world, trial_id, enrolment, value=None) -> int:
    event = report_adverse_event(
        session,
        enrolment,
        trial=load_trial(session, trial_id),
        actor=world.researcher_wfh,
        draft=value or draft(),
    )
    session.commit()
    return event.id


def report_url(enrolment) -> str:
    return f"/safety/enrolments/{enrolment.id}/adverse-events/new"


def date_parts(name: str, day: dt.date) -> dict[str, str]:
    return {
        f"{name}[day]": str(day.day),
        f"{name}[month]": str(day.month),
        f"{name}[year]": str(day.year),
    }


def test_staff_report_from_the_participants_page(client, login_as, world, trial_id, enrolment):
    login_as(world.researcher_wfh)
    page = client.get(f"/enrolment/trials/{trial_id}").get_data(as_text=True)
    assert report_url(enrolment) in page
    assert f"/safety/trials/{trial_id}/adverse-events" in page
    assert client.get(report_url(enrolment)).status_code == 200
    response = client.post(report_url(enrolment), data=form_data())
    assert response.status_code == 302
    listing = text_of(client.get(response.headers["Location"]))
    assert "Fell in the kitchen and bruised a hip." in listing
    assert enrolment.participant_code in listing
    assert "serious adverse event" not in listing  # no warning for a non-serious event


def test_serious_report_emails_staff_and_shows_the_warning(
    client, login_as, session, world, trial_id, enrolment
):
    mail = count(session, OutboxMessage)
    login_as(world.researcher_wfh)
    response = client.post(
        report_url(enrolment),
        data=form_data(is_serious="yes", serious_criterion="life_threatening"),
        follow_redirects=True,
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "1 serious adverse event" in page
    assert "Serious: Life-threatening" in page
    assert count(session, OutboxMessage) == mail + 2
    bodies = session.scalars(select(OutboxMessage.body_text)).all()[mail:]
    assert all(PARTICIPANT_NAME not in body for body in bodies)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"description": ""}, "Describe the adverse event"),
        ({"is_serious": "yes"}, "Select why the adverse event is serious"),
        ({"severity": None}, "Select the severity"),
        (
            date_parts("onset_on", today() + dt.timedelta(days=2)),
            "Date it started must be today or in the past",
        ),
        (
            date_parts("resolved_on", today() - dt.timedelta(days=1)),
            "Date it ended must be the same as or after the date it started",
        ),
        ({"onset_on[month]": ""}, "Date it started must include a month"),
    ],
)
def test_bad_input_shows_the_message_by_the_field_and_writes_nothing(
    client, login_as, session, world, enrolment, changes, message
):
    login_as(world.researcher_wfh)
    audits = count(session, AuditEvent)  # after signing in, which is audited too
    response = client.post(report_url(enrolment), data=form_data(**changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert page.count(message) == 2  # the error summary and the field
    assert count(session, AdverseEvent) == 0
    assert count(session, AuditEvent) == audits


def test_correction_needs_a_reason_then_is_audited(
    client, login_as, session, world, trial_id, enrolment
):
    event_id = add_event(session, world, trial_id, enrolment)
    url = f"/safety/adverse-events/{event_id}/correct"
    login_as(world.researcher_wfh)
    form = client.get(url).get_data(as_text=True)
    assert "Fell in the kitchen" in form
    response = client.post(url, data=form_data(severity="severe"))
    assert response.status_code == 422
    assert "Give a reason for the correction" in response.get_data(as_text=True)
    assert count(session, AuditEvent, AuditEvent.action == "adverse_event.corrected") == 0
    response = client.post(url, data=form_data(severity="severe", reason="Typed the wrong one"))
    assert response.status_code == 302
    session.expire_all()
    assert session.get(AdverseEvent, event_id).severity is Severity.SEVERE
    audit = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "adverse_event.corrected")
    ).one()
    assert (audit.old_value, audit.new_value) == ({"severity": "moderate"}, {"severity": "severe"})
    assert audit.reason == "Typed the wrong one"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("researcher_dor", 404),
        ("company", 403),
        ("evaluator", 403),
        ("admin", 403),
        ("participant", 403),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_denials(client, login_as, session, world, trial_id, enrolment, who, status, method):
    event_id = add_event(session, world, trial_id, enrolment)
    user = world.participant.user if who == "participant" else getattr(world, who)
    login_as(user)
    urls = [report_url(enrolment), f"/safety/adverse-events/{event_id}/correct"]
    if method == "get":
        list_status = 403 if status == 403 else 200  # DOR runs the trial: sees its own site
        assert client.get(f"/safety/trials/{trial_id}/adverse-events").status_code == list_status
    for url in urls:
        response = getattr(client, method)(url, data=form_data(reason="x"))
        assert response.status_code == status, url
    assert count(session, AdverseEvent) == 1


def test_list_shows_only_the_researchers_own_sites(
    client, login_as, session, world, trial_id, enrolment
):
    add_event(session, world, trial_id, enrolment, serious())
    login_as(world.researcher_dor)
    page = text_of(client.get(f"/safety/trials/{trial_id}/adverse-events"))
    assert enrolment.participant_code not in page
    assert "No adverse event has been reported at your sites." in page


def test_researcher_at_a_site_outside_the_trial_gets_404(client, login_as, session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING, sites=("WFH",))
    session.commit()
    enrolment = enrol(session, world, trial.id, "WFH")
    login_as(world.researcher_dor)
    assert client.get(f"/safety/trials/{trial.id}/adverse-events").status_code == 404
    assert client.get(report_url(enrolment)).status_code == 404


def test_list_query_count_does_not_grow(
    client, login_as, session, world, trial_id, enrolment, count_queries
):
    url = f"/safety/trials/{trial_id}/adverse-events"
    add_event(session, world, trial_id, enrolment, serious())
    login_as(world.researcher_wfh)
    with count_queries() as one:
        assert client.get(url).status_code == 200
    for n in range(5):
        other = enrol(session, world, trial_id, "WFH", name=f"Resident {n}")
        add_event(session, world, trial_id, other)
    with count_queries() as six:
        page = text_of(client.get(url))
    assert "6 adverse events at your sites" in page
    assert len(six) == len(one)
