"""The enrolment trial page over HTTP: who is listed, escaping, and randomising."""

from __future__ import annotations

from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from tests import factories
from tests.pages import text_of
from tests.trials.enrolment.helpers import (
    count,
    enrol,
    fresh,
    load_trial,
    post_value,
    randomise_url,
    record_as_staff,
    record_url,
    visit_id,
)
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.proposals.models import Arm, Measure, TrialVisit
from trials.randomisation.models import AllocationSlot
from trials.review.services import close_recruitment
from trials.states import TrialStatus

# The trial page ----------------------------------------------------------------------


def test_trial_page_lists_own_site_participants_with_names_arms_and_values(
    client, world, login_as, session, trial_id
):
    waiting = enrol(session, world, trial_id, "WFH", name="Alice Waiting")
    done = enrol(session, world, trial_id, "WFH", name="Bob Randomised", randomise=True)
    other = enrol(session, world, trial_id, "DOR", name="Carol Elsewhere", randomise=True)
    record_as_staff(session, world, trial_id, done.id, "baseline", 14.2)
    record_as_staff(session, world, trial_id, done.id, "follow_up", 12.0)
    done = fresh(session, Enrolment, done.id)
    arm = session.get(Arm, done.arm_id).name
    waiting_code, done_code = waiting.participant_code, done.participant_code
    other_code = fresh(session, Enrolment, other.id).participant_code

    login_as(world.researcher_wfh)
    response = client.get(f"/enrolment/trials/{trial_id}")
    assert response.status_code == 200
    page = text_of(response)
    body = response.get_data(as_text=True)
    assert "2 participants at your sites" in page
    assert f"{waiting_code} Alice Waiting" in page
    assert f"{done_code} Bob Randomised" in page
    assert f"Randomised {arm} 14.2 12 Record values" in page
    assert "Consented Not yet randomised – – Randomise" in page
    assert "Carol Elsewhere" not in page
    assert other_code not in page
    assert body.count('action="/enrolment/enrolments/') == 1
    assert f'action="{randomise_url(waiting)}"' in body
    assert f'href="{record_url(done)}"' in body
    assert 'name="csrf_token"' in body


def test_trial_page_is_paginated(app, client, world, login_as, session, trial_id):
    app.config["PAGE_SIZE"] = 2
    for name in ("Ann First", "Ben Second", "Cy Third"):
        enrol(session, world, trial_id, "WFH", name=name)
    login_as(world.researcher_wfh)
    first = text_of(client.get(f"/enrolment/trials/{trial_id}"))
    second = text_of(client.get(f"/enrolment/trials/{trial_id}?page=2"))
    assert "3 participants at your sites" in first
    assert "Ann First" in first and "Ben Second" in first and "Cy Third" not in first
    assert "Cy Third" in second and "Ann First" not in second


def test_trial_page_uses_the_same_number_of_queries_for_2_and_8_participants(
    client, world, login_as, session, count_queries
):
    trial_ids = {}
    for n in (2, 8):
        trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
        session.commit()
        trial_ids[n] = trial.id
        for i in range(n):
            enrolment = enrol(session, world, trial.id, "WFH", randomise=i % 2 == 0)
            record_as_staff(session, world, trial.id, enrolment.id, "baseline", 10 + i)
    login_as(world.researcher_wfh)
    counts = []
    for n, trial_id in trial_ids.items():
        session.expunge_all()  # the test shares the request's session: start both cold
        with count_queries() as statements:
            response = client.get(f"/enrolment/trials/{trial_id}")
        assert response.status_code == 200
        assert f"{n} participants at your sites" in text_of(response)
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 15


def test_trial_page_escapes_names_from_the_proposal_and_the_registry(
    client, world, login_as, session, trial_id
):
    enrolment = enrol(session, world, trial_id, "WFH", name="<b>Bold</b> Resident", randomise=True)
    arm = session.get(Arm, fresh(session, Enrolment, enrolment.id).arm_id)
    arm.name = "<i>Arm</i>"
    measure = session.scalars(select(Measure).where(Measure.trial_id == trial_id)).one()
    measure.name = "<script>alert(1)</script>"
    visit = session.get(TrialVisit, visit_id(session, trial_id, "baseline"))
    visit.name = "<u>Baseline</u>"
    session.commit()
    login_as(world.researcher_wfh)
    for url in (f"/enrolment/trials/{trial_id}", record_url(enrolment)):
        body = client.get(url).get_data(as_text=True)
        for raw in ("<b>Bold", "<i>Arm", "<script>alert", "<u>Baseline"):
            assert raw not in body, (url, raw)
    body = client.get(f"/enrolment/trials/{trial_id}").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt; Resident" in body
    assert "&lt;i&gt;Arm&lt;/i&gt;" in body
    response = post_value(client, session, trial_id, enrolment, value="500")
    assert response.status_code == 422
    assert "<script>alert" not in response.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; must be between" in response.get_data(
        as_text=True
    )


def test_typed_text_is_escaped_when_the_form_is_shown_again(
    client, world, login_as, session, trial_id, consented
):
    login_as(world.researcher_wfh)
    response = post_value(
        client,
        session,
        trial_id,
        consented,
        value='"><script>x()</script>',
        reason="</textarea><script>y()</script>",
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<script>x()" not in body
    assert "<script>y()" not in body
    assert "&lt;/textarea&gt;&lt;script&gt;y()&lt;/script&gt;</textarea>" in body


# Randomising -------------------------------------------------------------------------


def test_randomise_allocates_an_arm_and_records_the_event(
    client, world, login_as, session, trial_id, consented
):
    login_as(world.researcher_wfh)
    response = client.post(randomise_url(consented))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/enrolment/trials/{trial_id}"
    enrolment = fresh(session, Enrolment, consented.id)
    assert enrolment.status is EnrolmentStatus.RANDOMISED
    assert enrolment.arm_id is not None
    assert enrolment.randomised_at is not None
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "enrolment.randomised")
    ).one()
    assert event.actor_id == world.researcher_wfh.id
    assert event.object_id == enrolment.id
    assert event.trial_id == trial_id
    page = text_of(client.get(response.headers["Location"]))
    assert f"{enrolment.participant_code} randomised to {enrolment.arm.name}." in page


def test_randomising_twice_is_refused_and_keeps_one_allocation(
    client, world, login_as, session, consented
):
    login_as(world.researcher_wfh)
    assert client.post(randomise_url(consented)).status_code == 302
    arm_id = fresh(session, Enrolment, consented.id).arm_id
    response = client.post(randomise_url(consented))
    assert response.status_code == 409
    assert "Only consented participants can be randomised" in text_of(response)
    assert fresh(session, Enrolment, consented.id).arm_id == arm_id
    assert count(session, AllocationSlot, AllocationSlot.enrolment_id == consented.id) == 1
    assert count(session, AuditEvent, AuditEvent.action == "enrolment.randomised") == 1


def test_randomise_needs_a_post(client, world, login_as, consented):
    login_as(world.researcher_wfh)
    assert client.get(randomise_url(consented)).status_code == 405


def test_randomising_after_recruitment_closes_is_refused(
    client, world, login_as, session, trial_id, consented
):
    close_recruitment(session, load_trial(session, trial_id), actor=world.researcher_wfh)
    session.commit()
    login_as(world.researcher_wfh)
    response = client.post(randomise_url(consented))
    assert response.status_code == 409
    assert fresh(session, Enrolment, consented.id).arm_id is None
    page = client.get(f"/enrolment/trials/{trial_id}").get_data(as_text=True)
    assert f'action="{randomise_url(consented)}"' not in page
