"""Finding trials by condition and ICS outcome, and who can take part on the trial's page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import insert, select

from livinglab.participants.models import Condition
from tests import factories
from tests.pages import text_of
from trials.eligibility.models import EligibilityCriteria
from trials.proposals.models import IcsOutcome, trial_ics_outcomes
from trials.states import TrialStatus


def condition(session, code: str) -> Condition:
    return session.scalars(select(Condition).where(Condition.code == code)).one()


def outcome(session, code: str) -> IcsOutcome:
    return session.scalars(select(IcsOutcome).where(IcsOutcome.code == code)).one()


def recruiting(session, world, title: str, *, sites=("WFH", "DOR"), outcomes=(), **criteria):
    """A recruiting trial serving ``outcomes`` (codes), with ``criteria`` if any are given."""
    trial = factories.make_trial(
        session, world, status=TrialStatus.RECRUITING, sites=sites, title=title
    )
    if criteria:
        session.add(EligibilityCriteria(trial_id=trial.id, **criteria))
    for code in outcomes:
        session.execute(
            insert(trial_ics_outcomes).values(
                trial_id=trial.id, ics_outcome_id=outcome(session, code).id
            )
        )
    session.commit()
    return trial


@pytest.fixture
def trials(session, world):
    diabetes, dementia = condition(session, "type_2_diabetes"), condition(session, "dementia")
    recruiting(
        session,
        world,
        "Diabetes app",
        outcomes=("healthy_life_years",),
        required_conditions=[diabetes],
    )
    recruiting(
        session,
        world,
        "Diabetes at Dorchester",
        sites=("DOR",),
        outcomes=("healthy_life_years", "living_independently"),
        required_conditions=[diabetes, dementia],
    )
    recruiting(
        session,
        world,
        "Memory clinic",
        outcomes=("living_independently",),
        excluded_conditions=[diabetes],
    )
    recruiting(session, world, "Open to all")


def titles(client, query: str = "") -> set[str]:
    response = client.get(f"/trials/{query}")
    assert response.status_code == 200
    page = text_of(response)
    names = ("Diabetes app", "Diabetes at Dorchester", "Memory clinic", "Open to all")
    return {name for name in names if name in page}


def test_the_finder_filters_by_a_condition_the_trial_requires(client, trials):
    assert titles(client, "?condition=type_2_diabetes") == {
        "Diabetes app",
        "Diabetes at Dorchester",
    }
    assert titles(client, "?condition=dementia") == {"Diabetes at Dorchester"}
    assert titles(client, "?condition=asthma") == set()


def test_the_finder_filters_by_ics_outcome(client, trials):
    assert titles(client, "?ics_outcome=living_independently") == {
        "Diabetes at Dorchester",
        "Memory clinic",
    }
    assert titles(client, "?ics_outcome=mental_health") == set()


def test_the_filters_combine(client, trials):
    query = "?site=WFH&condition=type_2_diabetes&ics_outcome=healthy_life_years"
    assert titles(client, query) == {"Diabetes app"}
    query = "?site=DOR&condition=type_2_diabetes&ics_outcome=living_independently"
    assert titles(client, query) == {"Diabetes at Dorchester"}


@pytest.mark.parametrize(
    "query",
    [
        "?condition=no_such_thing",
        "?ics_outcome=%3Cscript%3E",
        "?condition=&ics_outcome=",
        "?condition=dementia&condition=asthma&ics_outcome=nope&site=nowhere",
    ],
)
def test_values_not_on_the_list_are_ignored(client, trials, query):
    response = client.get(f"/trials/{query}")
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True)
    if "dementia" not in query:
        assert titles(client, query) == {
            "Diabetes app",
            "Diabetes at Dorchester",
            "Memory clinic",
            "Open to all",
        }


@pytest.mark.parametrize("query", ["?site=WFH", "?page=1", "?condition=nope", "?ics_outcome=x"])
def test_a_filter_left_out_or_not_on_the_list_shows_no_error(client, world, query):
    page = text_of(client.get(f"/trials/{query}"))
    assert "Not a valid choice" not in page and "Error" not in page


def test_the_filter_form_offers_active_conditions_and_the_ics_outcomes(client, session, world):
    condition(session, "stroke").is_active = False
    session.commit()
    response = client.get("/trials/?condition=dementia")
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert "Health condition" in page and "Dorset health goal" in page
    assert re.search(r'<option value="dementia" selected\s*>Dementia</option>', html)
    assert 'value="stroke"' not in html
    assert "Older people living well" in page and "Mental health" in page


def test_a_card_shows_the_ics_outcomes_the_trial_serves(client, trials):
    page = text_of(client.get("/trials/?condition=dementia"))
    assert "Dorset health goals Older people living well, Healthy life years" in page


def test_filters_are_kept_across_pages(app, client, session, world):
    app.config["PAGE_SIZE"] = 1
    for n in range(2):
        recruiting(session, world, f"Goal trial {n}", outcomes=("mental_health",))
    recruiting(session, world, "Other trial")
    first = client.get("/trials/?ics_outcome=mental_health")
    assert "2 trials looking for volunteers" in text_of(first)
    assert "ics_outcome=mental_health" in first.get_data(as_text=True).split("Next")[0][-400:]
    second = text_of(client.get("/trials/?ics_outcome=mental_health&page=2"))
    assert "Goal trial 0" in second and "Other trial" not in second


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_finder_uses_a_bounded_number_of_queries(
    client, session, world, login_as, count_queries, signed_in
):
    if signed_in:
        login_as(world.participant.user)
    diabetes = condition(session, "type_2_diabetes")
    sizes = []
    for trials in (1, 5):
        for n in range(trials):
            recruiting(
                session,
                world,
                f"Trial {n}",
                outcomes=("healthy_life_years", "mental_health"),
                required_conditions=[diabetes],
            )
        with count_queries() as statements:
            response = client.get(
                "/trials/?site=WFH&condition=type_2_diabetes&ics_outcome=mental_health"
            )
        assert response.status_code == 200
        assert text_of(response).count("Mental health, Healthy life years") == (
            1 if trials == 1 else 6
        )
        sizes.append(len(statements))
    assert sizes[0] == sizes[1] <= 9


# The trial's own page ------------------------------------------------------------------


def test_the_trial_page_says_who_can_take_part_and_the_outcomes_it_serves(client, session, world):
    trial = recruiting(
        session,
        world,
        "Diabetes app",
        outcomes=("healthy_life_years",),
        min_age=18,
        max_age=80,
        postcode_areas=["BH", "DT1"],
        needs_smartphone=True,
        required_conditions=[condition(session, "type_2_diabetes")],
        excluded_conditions=[condition(session, "dementia")],
    )
    page = text_of(client.get(f"/trials/{trial.id}"))
    assert (
        "Who can take part You need to be aged between 18 and 80 "
        "You need to live in one of these postcode areas: BH, DT1 "
        "You need to have a smartphone "
        "This trial is for people who live with type 2 diabetes "
        "This trial is not for people who live with dementia"
    ) in page
    assert "Add 100,000 healthy life years by 2033" in page
    assert "You meet this" not in page  # nobody is signed in: nothing is checked


def test_a_trial_without_criteria_is_open_to_anyone_in_the_registry(client, session, world):
    trial = recruiting(session, world, "Open to all")
    page = text_of(client.get(f"/trials/{trial.id}"))
    assert "Who can take part Anyone in the volunteer registry can take part." in page
    assert "How it fits Dorset's health plans" not in page


def test_a_participant_is_invited_to_check_if_they_can_take_part(client, session, world, login_as):
    trial = recruiting(session, world, "Open to all")
    login_as(world.participant.user)
    response = client.get(f"/trials/{trial.id}")
    html = response.get_data(as_text=True)
    assert "Check if you can take part" in text_of(response)
    assert f'href="/trials/{trial.id}/eligibility"' in html
    assert f'href="/trials/{trial.id}/consent"' not in html


def test_an_ineligible_participant_is_sent_from_the_consent_form_to_the_eligibility_page(
    client, session, world, login_as
):
    trial = recruiting(session, world, "Dorchester only", postcode_areas=["DT"])
    login_as(world.participant.user)
    response = client.get(f"/trials/{trial.id}/consent")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/trials/{trial.id}/eligibility"
    page = text_of(client.get(response.headers["Location"]))
    assert "You cannot take part in this trial. See which requirements you do not meet." in page
    assert "You do not meet this You need to live in a DT postcode" in page


def test_an_eligible_participant_can_open_the_consent_form(client, session, world, login_as):
    trial = recruiting(session, world, "Bournemouth", postcode_areas=["BH"])
    login_as(world.participant.user)
    response = client.get(f"/trials/{trial.id}/consent")
    assert response.status_code == 200
    assert "Consent form" in text_of(response)
