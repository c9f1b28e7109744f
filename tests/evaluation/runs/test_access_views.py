"""Who may open the evaluation pages, and the evaluator's list of trials."""

from __future__ import annotations

import pytest

from evaluation.decisions.models import AdoptionDecision
from tests import factories
from tests.factories import count_rows as count
from tests.pages import text_of
from trials.proposals.models import Trial
from trials.states import TrialStatus

EVALUATOR_URLS = [
    ("get", "/evaluation/"),
    ("get", "/evaluation/trials/{id}"),
    ("post", "/evaluation/trials/{id}/lock"),
    ("post", "/evaluation/trials/{id}/run"),
    ("post", "/evaluation/trials/{id}/decision"),
]
RESULTS_URL = ("get", "/evaluation/trials/{id}/results")
TRIAL_URLS = [url for url in EVALUATOR_URLS if "{id}" in url[1]]


def call(client, method: str, url: str, trial: Trial, **kwargs):
    return getattr(client, method)(url.format(id=trial.id), **kwargs)


def user_for(world: factories.World, who: str):
    return world.participant.user if who == "participant" else getattr(world, who)


# Denials -----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url"), [*EVALUATOR_URLS, RESULTS_URL])
def test_anonymous_users_are_sent_to_sign_in(client, build_trial, method, url):
    trial = build_trial(n=8, status=TrialStatus.DECIDED)
    response = call(client, method, url, trial)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("who", ["participant", "researcher_wfh", "admin", "company"])
@pytest.mark.parametrize(("method", "url"), EVALUATOR_URLS)
def test_evaluator_pages_are_forbidden_to_other_roles(
    client, world, login_as, build_trial, session, method, url, who
):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    login_as(user_for(world, who))
    response = call(client, method, url, trial, data={"outcome": "adopt", "reasons": "x"})
    assert response.status_code == 403
    assert count(session, AdoptionDecision) == 0


@pytest.mark.parametrize(("method", "url"), TRIAL_URLS)
def test_evaluators_cannot_see_a_trial_still_in_review(
    client, world, login_as, session, method, url
):
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW)
    session.commit()
    login_as(world.evaluator)
    assert call(client, method, url, trial).status_code == 404


def test_unknown_trial_is_not_found(client, world, login_as):
    login_as(world.evaluator)
    assert client.get("/evaluation/trials/999999").status_code == 404


@pytest.mark.parametrize("who", ["participant", "researcher_wfh", "admin", "evaluator"])
def test_results_are_forbidden_to_other_roles(client, world, login_as, build_trial, who):
    trial = build_trial(n=8, status=TrialStatus.DECIDED)
    login_as(user_for(world, who))
    assert client.get(f"/evaluation/trials/{trial.id}/results").status_code == 403


def test_another_organisations_company_user_gets_not_found(client, world, login_as, build_trial):
    trial = build_trial(n=8, status=TrialStatus.DECIDED)
    login_as(world.other_company)
    assert client.get(f"/evaluation/trials/{trial.id}/results").status_code == 404


@pytest.mark.parametrize("status", [TrialStatus.FOLLOW_UP, TrialStatus.EVALUATED])
def test_results_are_not_found_before_the_decision(client, world, login_as, build_trial, status):
    trial = build_trial(n=8, status=status)
    login_as(world.company)
    assert client.get(f"/evaluation/trials/{trial.id}/results").status_code == 404


# The evaluator's list ----------------------------------------------------------------


def test_index_lists_trials_from_follow_up_on_with_the_next_step(
    client, world, login_as, session, build_trial
):
    follow_up = build_trial(n=8)
    decided = build_trial(n=8, status=TrialStatus.DECIDED)
    factories.make_trial(session, world, status=TrialStatus.RECRUITING, title="Still recruiting")
    session.commit()
    login_as(world.evaluator)
    response = client.get("/evaluation/")
    assert response.status_code == 200
    page = text_of(response)
    assert "<h1>Evaluation</h1>" in response.get_data(as_text=True)
    assert f'href="/evaluation/trials/{follow_up.id}"' in response.get_data(as_text=True)
    assert f'href="/evaluation/trials/{decided.id}"' in response.get_data(as_text=True)
    assert "Still recruiting" not in page
    assert "2 trials to evaluate" in page
    assert "Write and lock the analysis plan, then lock the trial data" in page
    assert "None: the decision is recorded" in page
    assert "Acme Devices" in page
    assert "nhsuk-table__caption" in response.get_data(as_text=True)
    # Trials still needing work come before decided ones.
    assert page.index("Follow up") < page.index("Decided")


def test_index_is_paginated(app, client, world, login_as, session):
    app.config["PAGE_SIZE"] = 2
    for n in range(3):
        factories.make_trial(session, world, status=TrialStatus.FOLLOW_UP, title=f"Trial {n}")
    session.commit()
    login_as(world.evaluator)
    first = text_of(client.get("/evaluation/"))
    second = text_of(client.get("/evaluation/?page=2"))
    assert "Trial 2" in first and "Trial 1" in first and "Trial 0" not in first
    assert "Trial 0" in second
    assert "Next" in first


def test_index_with_no_trials_says_so(client, world, login_as):
    login_as(world.evaluator)
    assert "No trial has reached follow-up yet." in text_of(client.get("/evaluation/"))


def test_index_uses_a_bounded_number_of_queries(client, world, login_as, session, count_queries):
    login_as(world.evaluator)
    counts = []
    for trials in (1, 4):
        for _ in range(trials):
            factories.make_trial(session, world, status=TrialStatus.FOLLOW_UP)
        session.commit()
        with count_queries() as statements:
            assert client.get("/evaluation/").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 8
