"""The researcher's enrolment pages over HTTP: randomise, record outcomes, and every denial."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from livinglab.audit.models import AuditEvent
from tests import factories
from tests.pages import text_of
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.observations.models import Observation
from trials.observations.services import record_observation
from trials.proposals.models import Arm, Measure, Trial, TrialVisit
from trials.queries import trial_with_details
from trials.randomisation.models import AllocationSlot
from trials.review.services import close_recruitment
from trials.states import TrialStatus

NOT_A_NUMBER = "Enter the value as a number, like 12.5"
OUT_OF_RANGE = "Timed Up and Go must be between 3 and 120 seconds"
NEEDS_REASON = "Give a reason for correcting a recorded value"
SELECT_VISIT = "Select the visit"

URLS = [
    ("get", "/enrolment/"),
    ("get", "/enrolment/trials/{trial}"),
    ("post", "/enrolment/enrolments/{enrolment}/randomise"),
    ("get", "/enrolment/enrolments/{enrolment}/observations"),
    ("post", "/enrolment/enrolments/{enrolment}/observations"),
]
ENROLMENT_URLS = [url for url in URLS if "{enrolment}" in url[1]]


# Helpers -----------------------------------------------------------------------------


def count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def user_for(world: factories.World, who: str):
    return world.participant.user if who == "participant" else getattr(world, who)


def fresh(session, model, id_):
    """The row as the database has it now (the test shares the requests' session)."""
    session.expire_all()
    return session.get(model, id_)


def load_trial(session, trial_id: int) -> Trial:
    return session.scalars(
        trial_with_details().where(Trial.id == trial_id).execution_options(populate_existing=True)
    ).one()


def visit_id(session, trial_id: int, code: str) -> int:
    return session.scalar(
        select(TrialVisit.id).where(TrialVisit.trial_id == trial_id, TrialVisit.code == code)
    )


def staff_for(world: factories.World, site: str):
    return world.researcher_wfh if site == "WFH" else world.researcher_dor


def enrol(
    session,
    world,
    trial_id: int,
    site: str = "WFH",
    *,
    name: str | None = None,
    randomise: bool = False,
) -> Enrolment:
    """A resident who consented at ``site`` (and, if asked, was randomised), committed."""
    trial = load_trial(session, trial_id)
    participant = factories.make_participant(session, full_name=name or "Resident Person")
    if randomise:
        enrolment = factories.randomised(session, world, trial, participant, site)
    else:
        enrolment = factories.consent(session, trial, participant, site)
    session.commit()
    return enrolment


def record_as_staff(session, world, trial_id: int, enrolment_id: int, visit: str, value: float):
    trial = load_trial(session, trial_id)
    enrolment = session.get(Enrolment, enrolment_id)
    site = "WFH" if enrolment.site_id == world.wfh.id else "DOR"
    record_observation(
        session,
        enrolment,
        trial=trial,
        visit=next(v for v in trial.visits if v.code == visit),
        measure=trial.primary_measure,
        value=value,
        actor=staff_for(world, site),
    )
    session.commit()


def observation_values(session, enrolment_id: int) -> dict[str, float]:
    session.expire_all()
    rows = session.execute(
        select(TrialVisit.code, Observation.value)
        .join(TrialVisit, TrialVisit.id == Observation.visit_id)
        .where(Observation.enrolment_id == enrolment_id)
    )
    return {code: value for code, value in rows}


@pytest.fixture
def consented(session, world, trial_id) -> Enrolment:
    """A resident (Jo Resident) who consented at WFH, waiting to be randomised."""
    trial = load_trial(session, trial_id)
    enrolment = factories.consent(session, trial, world.participant, "WFH")
    session.commit()
    return enrolment


def url_of(url: str, trial_id: int, enrolment: Enrolment) -> str:
    return url.format(trial=trial_id, enrolment=enrolment.id)


def record_url(enrolment: Enrolment | int) -> str:
    enrolment_id = enrolment if isinstance(enrolment, int) else enrolment.id
    return f"/enrolment/enrolments/{enrolment_id}/observations"


def randomise_url(enrolment: Enrolment | int) -> str:
    enrolment_id = enrolment if isinstance(enrolment, int) else enrolment.id
    return f"/enrolment/enrolments/{enrolment_id}/randomise"


# Denials -----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url"), URLS)
def test_anonymous_users_are_sent_to_sign_in(client, session, trial_id, consented, method, url):
    response = getattr(client, method)(url_of(url, trial_id, consented))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert fresh(session, Enrolment, consented.id).arm_id is None


@pytest.mark.parametrize("who", ["company", "participant", "evaluator", "admin"])
@pytest.mark.parametrize(("method", "url"), URLS)
def test_pages_are_forbidden_to_other_roles(
    client, world, login_as, session, trial_id, consented, method, url, who
):
    login_as(user_for(world, who))
    data = {"visit_id": str(visit_id(session, trial_id, "baseline")), "value": "12.5"}
    response = getattr(client, method)(url_of(url, trial_id, consented), data=data)
    assert response.status_code == 403
    enrolment = fresh(session, Enrolment, consented.id)
    assert enrolment.arm_id is None
    assert enrolment.status is EnrolmentStatus.CONSENTED
    assert count(session, Observation) == 0
    assert count(session, AllocationSlot, AllocationSlot.enrolment_id.is_not(None)) == 0


@pytest.mark.parametrize(("method", "url"), ENROLMENT_URLS)
def test_researcher_at_another_site_gets_not_found_and_nothing_changes(
    client, world, login_as, session, trial_id, consented, method, url
):
    login_as(world.researcher_dor)  # the trial runs at DOR too, but Jo consented at WFH
    data = {"visit_id": str(visit_id(session, trial_id, "baseline")), "value": "12.5"}
    response = getattr(client, method)(url_of(url, trial_id, consented), data=data)
    assert response.status_code == 404
    enrolment = fresh(session, Enrolment, consented.id)
    assert enrolment.arm_id is None
    assert enrolment.status is EnrolmentStatus.CONSENTED
    assert count(session, Observation) == 0
    assert count(session, AuditEvent, AuditEvent.action == "enrolment.randomised") == 0


@pytest.mark.parametrize(("method", "url"), ENROLMENT_URLS)
def test_unknown_enrolment_is_not_found(client, world, login_as, method, url):
    login_as(world.researcher_wfh)
    response = getattr(client, method)(url.format(enrolment=999999), data={})
    assert response.status_code == 404


def test_unknown_trial_is_not_found(client, world, login_as):
    login_as(world.researcher_wfh)
    assert client.get("/enrolment/trials/999999").status_code == 404


def test_trial_not_at_the_researchers_sites_is_not_found(client, world, login_as, session):
    trial = factories.make_trial(
        session, world, status=TrialStatus.RECRUITING, sites=("WFH",), title="Only at WFH"
    )
    session.commit()
    login_as(world.researcher_dor)
    assert client.get(f"/enrolment/trials/{trial.id}").status_code == 404
    assert "Only at WFH" not in text_of(client.get("/enrolment/"))


@pytest.mark.parametrize("status", [TrialStatus.DRAFT, TrialStatus.IN_REVIEW])
def test_trial_before_approval_cannot_be_opened(client, world, login_as, session, status):
    trial = factories.make_trial(session, world, status=status, title="Not approved yet")
    session.commit()
    login_as(world.researcher_wfh)
    assert client.get(f"/enrolment/trials/{trial.id}").status_code in (403, 404)
    assert "Not approved yet" not in text_of(client.get("/enrolment/"))


# The list of trials ------------------------------------------------------------------


def test_index_lists_open_trials_with_counts_at_the_researchers_sites(
    client, world, login_as, session, trial_id
):
    enrol(session, world, trial_id, "WFH", randomise=True)
    enrol(session, world, trial_id, "WFH")
    enrol(session, world, trial_id, "DOR", randomise=True)  # not at researcher_wfh's site
    in_follow_up = factories.make_trial(
        session, world, status=TrialStatus.FOLLOW_UP, title="Walking trial"
    )
    factories.make_trial(session, world, status=TrialStatus.APPROVED, title="Approved only")
    session.commit()
    login_as(world.researcher_wfh)
    response = client.get("/enrolment/")
    assert response.status_code == 200
    page = text_of(response)
    body = response.get_data(as_text=True)
    assert "2 trials at your sites" in page
    assert "Steady feet trial Acme Devices Recruiting 2 1 1" in page
    assert "Walking trial Acme Devices Follow up 0 0 0" in page
    assert f'href="/enrolment/trials/{trial_id}"' in body
    assert f'href="/enrolment/trials/{in_follow_up.id}"' in body
    assert "Approved only" not in page
    # Recruiting trials come first.
    assert page.index("Steady feet trial") < page.index("Walking trial")


def test_index_with_no_trials_says_so(client, world, login_as):
    login_as(world.researcher_wfh)
    response = client.get("/enrolment/")
    assert response.status_code == 200
    assert "No trial is recruiting or in follow-up at your sites." in text_of(response)


def test_index_uses_a_bounded_number_of_queries(client, world, login_as, session, count_queries):
    login_as(world.researcher_wfh)
    counts = []
    for trials in (1, 4):
        for _ in range(trials):
            trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
            factories.consent(session, trial, factories.make_participant(session), "WFH")
        session.commit()
        with count_queries() as statements:
            assert client.get("/enrolment/").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 10


def test_index_is_paginated(app, client, world, login_as, session):
    app.config["PAGE_SIZE"] = 2
    for n in range(3):
        factories.make_trial(session, world, status=TrialStatus.RECRUITING, title=f"Trial {n}")
    session.commit()
    login_as(world.researcher_wfh)
    first = text_of(client.get("/enrolment/"))
    second = text_of(client.get("/enrolment/?page=2"))
    assert "3 trials at your sites" in first
    assert "Trial 0" in first and "Trial 1" in first and "Trial 2" not in first
    assert "Trial 2" in second


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


# Recording values --------------------------------------------------------------------


def post_value(client, session, trial_id, enrolment, *, visit="baseline", value="12.5", **extra):
    data = {"visit_id": str(visit_id(session, trial_id, visit)), "value": value, **extra}
    return client.post(record_url(enrolment), data=data)


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
