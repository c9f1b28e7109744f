"""The company's dashboard: its trials, recruitment by site (small counts hidden), decisions."""

from __future__ import annotations

import random
import re

import pytest

from evaluation.decisions.models import DecisionOutcome
from evaluation.decisions.services import record_decision
from evaluation.plans.services import lock_usual_plan
from evaluation.runs.services import lock_trial_data, run_primary_analysis
from tests import factories
from tests.pages import text_of
from trials.observations.services import record_observation
from trials.review.services import close_recruitment
from trials.states import TrialStatus


def recruiting_with(session, world, *, wfh: int, dor: int, consented_dor: int = 0, **kw):
    """A recruiting trial with ``wfh`` and ``dor`` randomised residents (and some consented
    at DOR but not yet randomised)."""
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING, **kw)
    for code, n in (("WFH", wfh), ("DOR", dor)):
        for i in range(n):
            resident = factories.make_participant(session, full_name=f"Resident {code}{i}")
            factories.randomised(session, world, trial, resident, code)
    for i in range(consented_dor):
        resident = factories.make_participant(session, full_name=f"Waiting Person{i}")
        factories.consent(session, trial, resident, "DOR")
    return trial


def decided(session, world, title: str = "Decided trial"):
    """A trial driven through follow-up, analysis and an "adopt with conditions" decision."""
    rng = random.Random(3)
    trial = recruiting_with(session, world, wfh=8, dor=8, title=title)
    trial = factories.reload_trial(session, trial.id)
    from sqlalchemy import select

    from trials.enrolment.models import Enrolment

    for enrolment in session.scalars(select(Enrolment).where(Enrolment.trial_id == trial.id)):
        staff = world.researcher_wfh if enrolment.site_id == world.wfh.id else world.researcher_dor
        baseline = round(rng.uniform(10, 20), 1)
        shift = -2.0 if enrolment.arm.name == "Product" else 0.0
        for visit, value in (("baseline", baseline), ("follow_up", baseline + shift)):
            record_observation(
                session,
                enrolment,
                trial=trial,
                visit=next(v for v in trial.visits if v.code == visit),
                measure=trial.primary_measure,
                value=round(value + rng.gauss(0, 1), 1),
                actor=staff,
            )
    close_recruitment(session, trial, actor=world.researcher_wfh)
    lock_usual_plan(session, trial, actor=world.evaluator)
    lock_trial_data(session, trial, actor=world.evaluator)
    run_primary_analysis(session, trial, actor=world.evaluator)
    record_decision(
        session,
        trial,
        actor=world.evaluator,
        outcome=DecisionOutcome.ADOPT_WITH_CONDITIONS,
        reasons="Worked, with training for staff.",
        conditions="Staff are trained first.",
    )
    return trial


def site_cell(page: str, title: str) -> str:
    """The dashboard text from the trial's title to the end of its row."""
    return page[page.index(title) :]


def test_recruitment_is_shown_by_site_with_small_counts_hidden(client, world, login_as, session):
    trial = recruiting_with(session, world, wfh=3, dor=5, consented_dor=1, title="Steady feet")
    session.commit()
    login_as(world.company)
    response = client.get("/proposals/")
    assert response.status_code == 200
    page = text_of(response)
    row = site_cell(page, "Steady feet")
    assert "Recruiting" in row
    assert "Wessex Fields hub: fewer than 5 of 20" in row
    assert "Dorchester satellite: 6 of 20" in row  # 5 randomised and 1 consented
    assert not re.search(r"\b3 of 20\b", page)
    assert trial.product.name in page
    assert "Not decided yet" in row


def test_before_approval_the_sites_show_what_was_asked_for(client, world, login_as, session):
    factories.make_trial(session, world, status=TrialStatus.SUBMITTED, title="Just sent")
    session.commit()
    login_as(world.company)
    row = site_cell(text_of(client.get("/proposals/")), "Just sent")
    assert "Submitted" in row
    assert "Wessex Fields hub: 20 asked for" in row


def test_a_decided_trial_shows_the_decision_and_links_to_its_results(
    client, world, login_as, session
):
    trial = decided(session, world)
    session.commit()
    login_as(world.company)
    response = client.get("/proposals/")
    row = site_cell(text_of(response), "Decided trial")
    assert "Adopt with conditions" in row
    link = f'href="/evaluation/trials/{trial.id}/results"'
    assert link in response.get_data(as_text=True)
    assert client.get(f"/evaluation/trials/{trial.id}/results").status_code == 200


def test_only_the_organisations_own_trials_appear(client, world, login_as, session):
    factories.make_trial(session, world, title="Ours to see")
    recruiting_with(session, world, wfh=6, dor=0, company=world.other_company, title="Rival")
    session.commit()
    login_as(world.company)
    page = text_of(client.get("/proposals/"))
    assert "Ours to see" in page
    assert "Rival" not in page
    assert "6 of 20" not in page


def test_with_no_trials_the_company_is_invited_to_propose_one(client, world, login_as):
    login_as(world.company)
    response = client.get("/proposals/")
    page = text_of(response)
    assert "Your organisation has not proposed any trials yet." in page
    assert 'href="/proposals/new"' in response.get_data(as_text=True)
    assert "Propose a trial" in page


@pytest.mark.parametrize("who", ["researcher_wfh", "evaluator", "admin"])
def test_the_dashboard_is_for_company_users_only(client, world, login_as, who):
    login_as(getattr(world, who))
    assert client.get("/proposals/").status_code == 403


def test_the_dashboard_is_paginated(app, client, world, login_as, session):
    app.config["PAGE_SIZE"] = 2
    for n in range(3):
        factories.make_trial(session, world, title=f"Paged trial {n}")
    session.commit()
    login_as(world.company)
    first, second = (text_of(client.get(f"/proposals/?page={n}")) for n in (1, 2))
    assert "Paged trial 2" in first and "Paged trial 1" in first
    assert "Paged trial 0" in second and "Paged trial 2" not in second


def test_the_dashboard_runs_the_same_queries_for_one_trial_or_eight(
    client, world, login_as, session, count_queries
):
    recruiting_with(session, world, wfh=1, dor=0)
    session.commit()
    login_as(world.company)
    url = "/proposals/"
    session.expire_all()  # the test shares the request's session: start both cold
    with count_queries() as one:
        assert client.get(url).status_code == 200
    for n in range(6):
        factories.make_trial(session, world, status=TrialStatus.SUBMITTED, title=f"Trial {n}")
    recruiting_with(session, world, wfh=2, dor=6, title="Busy trial")
    session.commit()
    session.expire_all()
    with count_queries() as eight:
        page = client.get(url)
    assert "Busy trial" in text_of(page)
    selects = [[q for q in run if q.startswith("SELECT")] for run in (one, eight)]
    # 3 load the signed-in user; then the page and its count, the sites, the decisions.
    assert len(selects[0]) == len(selects[1]) <= 7
