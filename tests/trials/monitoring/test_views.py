"""The monitoring page: who may see it, what it shows, and a bounded number of queries."""

from __future__ import annotations

import pytest

from tests import factories
from tests.pages import text_of
from tests.trials.monitoring.helpers import Person, add_people
from trials.eligibility.rules import today_in_uk
from trials.states import TrialStatus


def _url(trial_id: int, **args) -> str:
    query = "".join(f"?{key}={value}" for key, value in args.items())
    return f"/monitoring/trials/{trial_id}{query}"


@pytest.mark.parametrize("who", ["researcher_wfh", "researcher_dor", "admin"])
def test_staff_running_or_evaluating_the_trial_see_the_figures(world, login_as, trial_id, who):
    response = login_as(getattr(world, who)).get(_url(trial_id))

    assert response.status_code == 200
    page = text_of(response)
    assert "Recruited against target" in page
    assert "0 of 40 randomised" in page
    assert "Nobody has been randomised yet." in page
    assert "Source of the Dorset figures: Adults aged 18 and over" in page


def test_evaluators_see_the_figures_once_the_trial_is_in_follow_up(session, world, login_as):
    trial = factories.make_trial(session, world, status=TrialStatus.FOLLOW_UP)
    session.commit()

    assert login_as(world.evaluator).get(_url(trial.id)).status_code == 200


def test_evaluators_do_not_see_a_trial_still_recruiting(world, login_as, trial_id):
    assert login_as(world.evaluator).get(_url(trial_id)).status_code == 404


@pytest.mark.parametrize("who", ["company", "other_company"])
def test_companies_are_refused(world, login_as, trial_id, who):
    assert login_as(getattr(world, who)).get(_url(trial_id)).status_code in (403, 404)


def test_a_participant_is_refused(world, login_as, trial_id):
    assert login_as(world.participant.user).get(_url(trial_id)).status_code == 403


def test_a_researcher_at_neither_site_is_refused(session, world, login_as):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING, sites=("WFH",))
    session.commit()

    assert login_as(world.researcher_dor).get(_url(trial.id)).status_code in (403, 404)


def test_a_trial_not_yet_recruiting_has_nothing_to_monitor(session, world, login_as):
    trial = factories.make_trial(session, world, status=TrialStatus.APPROVED)
    session.commit()

    assert login_as(world.researcher_wfh).get(_url(trial.id)).status_code in (403, 404)


def test_an_unknown_site_is_not_found(world, login_as, trial_id):
    assert login_as(world.researcher_wfh).get(_url(trial_id, site="XYZ")).status_code == 404


def test_the_chart_table_and_warnings_follow_the_participants(session, world, login_as, trial_id):
    people = [Person(age=40 + i % 40, quintile=3 + i % 3) for i in range(60)]
    add_people(session, trial_id, world.wfh.id, people, today=today_in_uk())
    session.commit()

    response = login_as(world.researcher_wfh).get(_url(trial_id))

    page = text_of(response)
    assert "60 of 40 randomised" in page
    assert 'src="data:image/svg+xml;base64,' in response.get_data(as_text=True)
    assert "Randomised by the end of each month" in page
    assert "1 (most deprived 20% of areas) under-represented" in page
    assert "This is a Core20PLUS5 group" in page


def test_a_site_filter_shows_that_site_only(session, world, login_as, trial_id):
    add_people(session, trial_id, world.wfh.id, [Person()] * 3)
    add_people(session, trial_id, world.dor.id, [Person()] * 2)
    session.commit()

    page = text_of(login_as(world.researcher_wfh).get(_url(trial_id, site="DOR")))

    assert "2 of 20 randomised" in page
    assert "2 participants who consented at this site" in page


def test_the_page_issues_the_same_number_of_queries_for_5_or_50_people(
    session, world, login_as, trial_id, count_queries
):
    client = login_as(world.researcher_wfh)
    add_people(session, trial_id, world.wfh.id, [Person()] * 5)
    session.commit()
    with count_queries() as few:
        assert client.get(_url(trial_id)).status_code == 200
    add_people(session, trial_id, world.dor.id, [Person(age=30 + i) for i in range(45)])
    session.commit()
    with count_queries() as many:
        assert client.get(_url(trial_id)).status_code == 200

    assert len(many) == len(few)
