"""The proposal's particulars: aims, ICS outcomes, eligibility, recruitment, over the steps."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.participants.models import Condition
from tests import factories
from tests.conftest import login
from tests.pages import text_of
from trials.eligibility.models import EligibilityCriteria
from trials.proposals.models import Trial
from trials.review.services import request_changes
from trials.states import TrialStatus

valid = factories.proposal_form_data

#: A fuller eligibility section than the factory's default (which sets only ages).
CRITERIA = {
    "sexes": ["female", "male"],
    "postcode_areas": "dt, bh8  BH9",
    "required_conditions": ["falls", "arthritis"],
    "excluded_conditions": "dementia",
    "digital_needs": "smartphone",
}


def date_parts(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}-{p}": str(getattr(day, p)) for p in ("day", "month", "year")}


@pytest.fixture
def product(session, world):
    product = factories.make_product(session, world.company)
    session.commit()
    return product


def propose(client, product, **changes) -> int:
    return factories.propose(client, product.id, **{**CRITERIA, **changes})


def step_of(key: str) -> str:
    return next((slug for slug, starts in factories._STEP_OF if key.startswith(starts)), "about")


def only_trial(session) -> Trial:
    trial_id = session.scalars(select(Trial.id)).one()
    return factories.reload_trial(session, trial_id)


def test_a_complete_proposal_is_saved_shown_in_words_and_submitted(
    client, world, login_as, session, product
):
    login_as(world.company)
    propose(client, product)
    trial = only_trial(session)
    criteria = trial.eligibility
    assert (criteria.min_age, criteria.max_age) == (65, 95)
    assert criteria.sexes == ["female", "male"]
    assert criteria.postcode_areas == ["DT", "BH8", "BH9"]
    assert [c.code for c in criteria.required_conditions] == ["arthritis", "falls"]
    assert [c.code for c in criteria.excluded_conditions] == ["dementia"]
    assert (criteria.needs_smartphone, criteria.needs_home_internet) == (True, False)
    assert [o.code for o in trial.ics_outcomes] == ["living_independently"]
    assert trial.recruitment_end - trial.recruitment_start == dt.timedelta(days=365)
    assert {v.code: v.window_days for v in trial.visits} == {"baseline": 0, "follow_up": 7}
    drafted = session.scalars(select(AuditEvent).where(AuditEvent.action == "trial.drafted")).one()
    assert drafted.new_value["ics_outcomes"] == ["living_independently"]
    revised = session.scalars(select(AuditEvent).where(AuditEvent.action == "trial.revised")).all()
    assert revised[2].new_value["eligibility"]["postcode_areas"] == ["DT", "BH8", "BH9"]

    page = text_of(client.get(f"/proposals/{trial.id}"))
    assert "Nothing is missing" in page
    assert "Aims To find out whether the insole shortens Timed Up and Go" in page
    assert "Who the trial is for People aged 65 and over living at home in Dorset." in page
    assert "Funding Paid for by the company." in page
    start = trial.recruitment_start
    assert f"Recruitment window {start.day} {start:%B %Y} to" in page
    assert "Increase the share of older people living well and independently" in page
    assert "Follow-up: day 84, ± 7 days" in page
    assert "Arms and allocation ratio Usual care (control): ratio 1 StepRight: ratio 1" in page
    assert "Age 65 to 95" in page
    assert "Sex Female, Male" in page
    assert "Where they live DT, BH8, BH9" in page
    assert "Must live with at least one of Arthritis, Falls in the last year" in page
    assert "Must not live with Dementia" in page
    assert "Needs A smartphone" in page

    assert client.post(f"/proposals/{trial.id}/submit").status_code == 302
    assert factories.reload_trial(session, trial.id).status is TrialStatus.SUBMITTED


def test_the_edit_form_starts_from_the_saved_values(client, world, login_as, session, product):
    login_as(world.company)
    propose(client, product)
    trial = only_trial(session)

    def form(slug: str) -> str:
        return client.get(f"/proposals/{trial.id}/steps/{slug}").get_data(as_text=True)

    assert 'value="DT BH8 BH9"' in form("eligibility")
    assert 'value="65"' in form("eligibility") and 'value="95"' in form("eligibility")
    assert 'value="living_independently" checked' in form("about")
    assert 'value="dementia" checked' in form("eligibility")
    assert f'value="{trial.recruitment_start.year}"' in form("sites")


BAD_INPUT = [
    ({"aims": "x" * 5001}, "Aims must be 5000 characters or fewer"),
    ({"funding": "x" * 5001}, "Funding must be 5000 characters or fewer"),
    ({"ics_outcomes": "world_peace"}, "Select ICS outcomes from the list"),
    ({"min_age": "17"}, "Youngest age must be between 18 and 95"),
    ({"max_age": "96"}, "Oldest age must be between 18 and 95"),
    ({"min_age": "sixty"}, "Youngest age must be a whole number, like 65"),
    ({"min_age": "70", "max_age": "65"}, "Oldest age must be the same as or more than youngest"),
    ({"sexes": "robot"}, "Select sexes from the list"),
    ({"postcode_areas": "BHX"}, "BHX is not a postcode area or district"),
    ({"postcode_areas": "B8H"}, "B8H is not in the Living Lab area"),
    ({"postcode_areas": "BH8 8DL"}, "8DL is not a postcode area or district"),
    ({"postcode_areas": "DT SO"}, "SO is not in the Living Lab area"),
    ({"postcode_areas": "SP8"}, "SP8 is not in the Living Lab area"),
    ({"required_conditions": "unicorn_pox"}, "Select conditions from the list"),
    (
        {"required_conditions": "falls", "excluded_conditions": ["dementia", "falls"]},
        "Falls in the last year cannot be both needed and excluded",
    ),
    ({"digital_needs": "jetpack"}, "Select what participants need from the list"),
    ({"recruitment_start-month": ""}, "Recruitment starts must include a month"),
    (
        {"recruitment_end-day": "31", "recruitment_end-month": "2", "recruitment_end-year": "2031"},
        "Recruitment ends must be a real date",
    ),
    (
        {**date_parts("recruitment_start", dt.date(2031, 1, 10))}
        | date_parts("recruitment_end", dt.date(2031, 1, 10)),
        "Recruitment end date must be after the start date",
    ),
]


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT)
def test_bad_input_in_a_step_is_refused_and_changes_nothing(
    client, world, login_as, session, product, changes, message
):
    login_as(world.company)
    trial_id = propose(client, product)
    trial = factories.reload_trial(session, trial_id)
    before = (trial.eligibility.id, trial.eligibility.postcode_areas, trial.recruitment_end)
    events = factories.count_rows(session, AuditEvent)
    slug = step_of(next(iter(changes)))
    data = {**factories.proposal_steps(product.id, **CRITERIA)[slug], **changes}
    response = client.post(f"/proposals/{trial_id}/steps/{slug}", data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count(message) == 2  # in the error summary and by the field
    trial = factories.reload_trial(session, trial_id)
    assert (trial.eligibility.id, trial.eligibility.postcode_areas, trial.recruitment_end) == before
    assert factories.count_rows(session, AuditEvent) == events


def test_editing_the_criteria_records_old_and_new_values(client, world, login_as, session, product):
    login_as(world.company)
    trial = session.get(Trial, propose(client, product))
    steps = factories.proposal_steps(
        product.id,
        **CRITERIA,
        min_age="70",
        ics_outcomes=["mental_health", "living_independently"],
    )
    events = factories.count_rows(session, AuditEvent)
    for slug in ("about", "eligibility"):
        response = client.post(f"/proposals/{trial.id}/steps/{slug}", data=steps[slug])
        assert response.status_code == 302
    about, eligibility = session.scalars(
        select(AuditEvent).order_by(AuditEvent.id).offset(events)
    ).all()
    assert about.old_value == {"ics_outcomes": ["living_independently"]}
    assert about.new_value == {"ics_outcomes": ["mental_health", "living_independently"]}
    assert eligibility.old_value["eligibility"]["min_age"] == 65
    assert eligibility.new_value["eligibility"]["min_age"] == 70
    assert "title" not in eligibility.new_value


def test_clearing_every_criterion_removes_them_and_the_checklist_asks_again(
    client, world, login_as, session, product
):
    login_as(world.company)
    trial = session.get(Trial, propose(client, product))
    cleared = {"min_age": "", "max_age": "", "postcode_areas": ""}
    url = f"/proposals/{trial.id}/steps/eligibility"
    assert client.post(url, data=cleared).status_code == 302
    assert factories.count_rows(session, EligibilityCriteria) == 0
    page = text_of(client.get(f"/proposals/{trial.id}"))
    assert "Set the eligibility criteria, including the youngest and oldest age" in page
    assert "No eligibility criteria set yet." in page


def test_a_retired_condition_is_not_offered_but_a_trial_keeps_one_it_has(
    client, world, login_as, session, product
):
    login_as(world.company)
    trial = session.get(Trial, propose(client, product))
    falls = session.scalars(select(Condition).where(Condition.code == "falls")).one()
    falls.is_active = False
    session.commit()

    other = factories.make_trial(session, world)
    session.commit()
    eligibility = factories.proposal_steps(product.id, **CRITERIA)["eligibility"]
    fresh = client.post(f"/proposals/{other.id}/steps/eligibility", data=eligibility)
    assert fresh.status_code == 422
    assert "Select conditions from the list" in text_of(fresh)
    page = client.get(f"/proposals/{other.id}/steps/eligibility")
    assert "Falls in the last year" not in text_of(page)

    url = f"/proposals/{trial.id}/steps/eligibility"
    assert "Falls in the last year" in text_of(client.get(url))
    kept = client.post(url, data=eligibility)
    assert kept.status_code == 302
    trial = factories.reload_trial(session, trial.id)
    assert "falls" in [c.code for c in trial.eligibility.required_conditions]


def test_a_proposal_sent_back_can_gain_its_new_sections(client, world, login_as, session):
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW)
    request_changes(session, trial, actor=world.researcher_wfh, reason="Say who it is for.")
    session.commit()
    login_as(world.company)
    steps = factories.proposal_steps(trial.product_id, **CRITERIA)
    for slug in ("about", "eligibility"):
        response = client.post(f"/proposals/{trial.id}/steps/{slug}", data=steps[slug])
        assert response.status_code == 302
    trial = factories.reload_trial(session, trial.id)
    assert trial.target_population == "People aged 65 and over living at home in Dorset."
    assert trial.eligibility.postcode_areas == ["DT", "BH8", "BH9"]


def test_the_review_page_shows_the_particulars_in_words(
    app, client, world, login_as, session, product
):
    login_as(world.company)
    trial = session.get(Trial, propose(client, product))
    assert client.post(f"/proposals/{trial.id}/submit").status_code == 302
    staff = app.test_client()
    login(staff, world.researcher_wfh)
    page = text_of(staff.get(f"/review/trials/{trial.id}"))
    assert "Aims To find out whether the insole shortens Timed Up and Go" in page
    assert "Funding Paid for by the company." in page
    assert "Increase the share of older people living well and independently" in page
    assert "Age 65 to 95" in page
    assert "Must not live with Dementia" in page
    assert "Where they live DT, BH8, BH9" in page


def test_csrf_is_checked_on_the_proposal_form(app, world, session):
    product = factories.make_product(session, world.company)
    session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    client.post("/login", data={"email": world.company.email, "password": factories.PASSWORD})
    response = client.post("/proposals/new", data=valid(product.id))
    assert response.status_code == 400
    assert "Your form has expired" in text_of(response)
    assert factories.count_rows(session, Trial) == 0
