"""The participant's "can I take part?" page and registering interest, over HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from tests import factories
from tests.factories import count_rows
from tests.pages import text_of
from trials.eligibility.models import EligibilityCriteria
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.states import TrialStatus

CHOOSE_SITE = "Select where you would like to take part"


def set_criteria(session, trial, **values) -> EligibilityCriteria:
    criteria = EligibilityCriteria(trial_id=trial.id, **values)
    session.add(criteria)
    session.commit()
    return criteria


def counts(session) -> tuple[int, int]:
    session.expire_all()
    return count_rows(session, Enrolment), count_rows(session, AuditEvent)


def user_for(world: factories.World, who: str):
    return world.participant.user if who == "participant" else getattr(world, who)


@pytest.fixture
def trial(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    session.commit()
    return trial


@pytest.fixture
def participant_client(client, world, login_as):
    return login_as(world.participant.user)


# What the participant sees --------------------------------------------------------------


def test_an_eligible_participant_sees_each_criterion_met_and_can_register(
    client, session, world, participant_client, trial
):
    set_criteria(session, trial, min_age=18, postcode_areas=["BH"])
    response = client.get(f"/trials/{trial.id}/eligibility")
    assert response.status_code == 200
    html, page = response.get_data(as_text=True), text_of(response)
    assert html.count("<h1") == 1
    assert "Can you take part?" in page
    assert "You meet this You need to be aged 18 or over" in page
    assert "You meet this You need to live in a BH postcode" in page
    assert "You do not meet this" not in page
    assert f'action="/trials/{trial.id}/interest"' in html
    assert "Wessex Fields hub" in page and "Dorchester satellite" in page
    assert " checked" not in html.replace("We checked", "")  # two sites: none chosen
    assert "Register interest" in page


def test_a_trial_with_one_site_has_it_chosen_already(client, session, world, participant_client):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING, sites=("DOR",))
    session.commit()
    html = client.get(f"/trials/{trial.id}/eligibility").get_data(as_text=True)
    assert f'value="{world.dor.id}" checked' in html
    assert "Anyone in the volunteer registry can take part in this trial." in text_of(
        client.get(f"/trials/{trial.id}/eligibility")
    )


def test_an_ineligible_participant_sees_what_they_do_not_meet_and_no_button(
    client, session, world, participant_client, trial
):
    set_criteria(session, trial, min_age=18, max_age=65, postcode_areas=["BH"])
    response = client.get(f"/trials/{trial.id}/eligibility")
    assert response.status_code == 200
    html, page = response.get_data(as_text=True), text_of(response)
    assert "You do not meet this You need to be aged between 18 and 65" in page
    assert "You meet this You need to live in a BH postcode" in page
    assert "You cannot take part in this trial" in page
    assert "Register interest" not in page
    assert f'action="/trials/{trial.id}/interest"' not in html
    assert 'href="/trials/"' in html


def test_an_unanswered_digital_question_is_explained(
    client, session, world, participant_client, trial
):
    set_criteria(session, trial, needs_smartphone=True)
    page = text_of(client.get(f"/trials/{trial.id}/eligibility"))
    assert "You do not meet this You need to have a smartphone" in page
    assert "You have not told us whether you have a smartphone" in page
    assert "You cannot add this answer online at the moment." in page


def test_a_consented_participant_is_told_so(client, session, world, participant_client, trial):
    factories.consent(session, trial, world.participant)
    session.commit()
    response = client.get(f"/trials/{trial.id}/eligibility")
    page = text_of(response)
    assert "You have already agreed to take part in this trial." in page
    assert f'action="/trials/{trial.id}/interest"' not in response.get_data(as_text=True)


# Registering interest --------------------------------------------------------------------


def test_registering_interest_creates_one_enrolment_and_says_what_happens_next(
    client, session, world, participant_client, trial
):
    before = counts(session)
    response = client.post(f"/trials/{trial.id}/interest", data={"site_id": str(world.dor.id)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/my-trials/"
    assert counts(session) == (before[0] + 1, before[1] + 1)
    enrolment = session.scalars(select(Enrolment)).one()
    assert enrolment.status is EnrolmentStatus.INTERESTED
    assert enrolment.site_id == world.dor.id
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "enrolment.interest_registered")
    ).one()
    assert event.object_id == enrolment.id
    page = text_of(client.get("/my-trials/"))
    assert "You have registered interest in Steady feet trial." in page
    assert "The research team at Dorchester satellite will contact you" in page


def test_registering_interest_again_is_refused_clearly(
    client, session, world, participant_client, trial
):
    data = {"site_id": str(world.wfh.id)}
    assert client.post(f"/trials/{trial.id}/interest", data=data).status_code == 302
    before = counts(session)
    again = client.post(f"/trials/{trial.id}/interest", data=data)
    assert again.status_code == 409
    assert "You have already registered interest in this trial." in text_of(again)
    assert counts(session) == before
    page = text_of(client.get(f"/trials/{trial.id}/eligibility"))
    assert "You have already registered interest in this trial at Wessex Fields hub." in page
    assert "Read the consent form" in page


@pytest.mark.parametrize("site_id", ["999", "abc", ""])
def test_a_bad_site_is_refused_by_the_field_and_nothing_is_written(
    client, session, world, participant_client, trial, site_id
):
    before = counts(session)
    response = client.post(f"/trials/{trial.id}/interest", data={"site_id": site_id})
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count(CHOOSE_SITE) == 2  # in the summary and by the field
    assert 'href="#site_id"' in response.get_data(as_text=True)
    assert counts(session) == before


def test_a_site_not_running_the_trial_is_refused(client, session, world, participant_client):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING, sites=("WFH",))
    session.commit()
    before = counts(session)
    response = client.post(f"/trials/{trial.id}/interest", data={"site_id": str(world.dor.id)})
    assert response.status_code == 422
    assert CHOOSE_SITE in text_of(response)
    assert counts(session) == before


def test_an_ineligible_participant_cannot_register_interest(
    client, session, world, participant_client, trial
):
    set_criteria(session, trial, postcode_areas=["DT"])
    before = counts(session)
    response = client.post(f"/trials/{trial.id}/interest", data={"site_id": str(world.wfh.id)})
    assert response.status_code == 403
    assert "You need to live in a DT postcode." in text_of(response)
    assert counts(session) == before


def test_a_post_without_the_csrf_token_is_refused(
    app, client, session, world, participant_client, trial
):
    app.config["WTF_CSRF_ENABLED"] = True
    before = counts(session)
    response = client.post(f"/trials/{trial.id}/interest", data={"site_id": str(world.wfh.id)})
    assert response.status_code == 400
    assert "Your form has expired" in text_of(response)
    assert counts(session) == before


# Denials ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["company", "researcher_wfh", "evaluator", "admin"])
def test_other_roles_are_forbidden(client, session, world, login_as, trial, who):
    login_as(user_for(world, who))
    before = counts(session)
    assert client.get(f"/trials/{trial.id}/eligibility").status_code == 403
    response = client.post(f"/trials/{trial.id}/interest", data={"site_id": str(world.wfh.id)})
    assert response.status_code == 403
    assert counts(session) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_users_are_sent_to_sign_in(client, session, world, trial, method):
    url = f"/trials/{trial.id}/{'eligibility' if method == 'get' else 'interest'}"
    response = getattr(client, method)(url, data={"site_id": str(world.wfh.id)})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert count_rows(session, Enrolment) == 0


@pytest.mark.parametrize("status", [TrialStatus.DRAFT, TrialStatus.APPROVED, TrialStatus.FOLLOW_UP])
def test_a_trial_that_is_not_recruiting_is_not_found(
    client, session, world, participant_client, status
):
    other = factories.make_trial(session, world, status=status)
    session.commit()
    assert client.get(f"/trials/{other.id}/eligibility").status_code == 404
    response = client.post(f"/trials/{other.id}/interest", data={"site_id": str(world.wfh.id)})
    assert response.status_code == 404
    assert client.get("/trials/999999/eligibility").status_code == 404
    assert count_rows(session, Enrolment) == 0


def test_a_participant_account_without_a_registry_profile_is_refused(
    client, session, world, login_as, trial
):
    from livinglab.accounts.roles import Role

    user = factories.make_user(session, Role.PARTICIPANT, full_name="No Profile")
    session.commit()
    login_as(user)
    assert client.get(f"/trials/{trial.id}/eligibility").status_code == 403


def test_the_page_uses_a_bounded_number_of_queries(
    client, session, world, participant_client, count_queries
):
    from livinglab.participants.models import Condition

    conditions = list(session.scalars(select(Condition).order_by(Condition.id)))
    world.participant.conditions.extend(conditions[:3])
    sizes = []
    for many in (1, 6):
        trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
        set_criteria(
            session,
            trial,
            min_age=18,
            required_conditions=conditions[:many],
            excluded_conditions=conditions[6 : 6 + many],
        )
        url = f"/trials/{trial.id}/eligibility"
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200
        assert "You do not meet this" not in text_of(response)
        sizes.append(len(statements))
    assert sizes[0] == sizes[1] <= 12
