"""The evaluator's pages and the company's results page, over HTTP."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from evaluation.decisions.models import AdoptionDecision, DecisionOutcome
from evaluation.runs.models import AnalysisRun
from evaluation.runs.queries import format_estimate, format_p_value
from livinglab.audit.models import AuditEvent
from tests import factories
from tests.factories import count_rows as count
from tests.pages import text_of
from trials.enrolment.models import Enrolment
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


def arm_table(trial: Trial, run: AnalysisRun) -> str:
    """The text of the 'Participants per arm' table: randomised and analysed, control first."""
    rows = " ".join(
        f"{arm.name}{' (control)' if arm.is_control else ''} "
        f"{run.result['n_randomised_by_arm'][arm.name]} {run.result['n_by_arm'][arm.name]}"
        for arm in trial.arms
    )
    return f"Participants per arm Arm Randomised Analysed {rows}"


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
    assert "Lock the trial data" in page
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


# The evaluator's trial page ----------------------------------------------------------


def test_trial_page_in_follow_up_shows_counts_and_the_lock_form(
    client, world, login_as, session, build_trial
):
    trial = build_trial(n=8)
    login_as(world.evaluator)
    response = client.get(f"/evaluation/trials/{trial.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert html.count("<h1") == 1
    assert f"<title>Evaluate: {trial.title} – Dorset Living Lab</title>" in html
    randomised = dict(
        session.execute(
            select(Enrolment.arm_id, func.count())
            .where(Enrolment.trial_id == trial.id)
            .group_by(Enrolment.arm_id)
        ).all()
    )
    rows = " ".join(
        f"{arm.name}{' (control)' if arm.is_control else ''} {randomised[arm.id]}"
        for arm in trial.arms
    )
    assert f"Participants randomised per arm Arm Randomised {rows}" in page
    assert "Participants randomised per arm" in page
    assert f'action="/evaluation/trials/{trial.id}/lock"' in html
    assert "Lock trial data" in page
    assert f'action="/evaluation/trials/{trial.id}/run"' not in html
    assert "Lock the trial data before running the primary analysis." in page
    assert "1.50 seconds" in page and "A lower value is better" in page
    assert "Resident Number" not in page


def test_evaluator_locks_the_trial(client, world, login_as, session, build_trial):
    trial = build_trial(n=8)
    login_as(world.evaluator)
    response = client.post(
        f"/evaluation/trials/{trial.id}/lock", data={"reason": "Last follow-up visit done."}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/evaluation/trials/{trial.id}"
    session.expire_all()
    assert session.get(Trial, trial.id).status is TrialStatus.LOCKED
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "trial.locked")).one()
    assert event.reason == "Last follow-up visit done."
    page = text_of(client.get(response.headers["Location"]))
    assert "Trial data locked." in page
    assert "Run primary analysis" in page


def test_lock_with_an_overlong_note_is_refused(client, world, login_as, session, build_trial):
    trial = build_trial(n=8)
    login_as(world.evaluator)
    response = client.post(f"/evaluation/trials/{trial.id}/lock", data={"reason": "x" * 2001})
    assert response.status_code == 422
    assert "Note must be 2000 characters or fewer" in text_of(response)
    assert "There is a problem" in text_of(response)
    session.expire_all()
    assert session.get(Trial, trial.id).status is TrialStatus.FOLLOW_UP


def test_locking_twice_shows_the_conflict_page(client, world, login_as, build_trial):
    trial = build_trial(n=8, status=TrialStatus.LOCKED)
    login_as(world.evaluator)
    response = client.post(f"/evaluation/trials/{trial.id}/lock")
    assert response.status_code == 409
    assert "only be locked once the trial is in follow-up" in text_of(response)


def test_run_before_lock_shows_the_conflict_page(client, world, login_as, session, build_trial):
    trial = build_trial(n=8)
    login_as(world.evaluator)
    response = client.post(f"/evaluation/trials/{trial.id}/run")
    assert response.status_code == 409
    assert "Lock the trial&#39;s data before running the analysis." in response.get_data(
        as_text=True
    )
    assert count(session, AnalysisRun) == 0


def test_evaluator_runs_the_analysis_and_sees_the_result(
    client, world, login_as, session, build_trial
):
    trial = build_trial(n=16, status=TrialStatus.LOCKED)
    login_as(world.evaluator)
    response = client.post(f"/evaluation/trials/{trial.id}/run")
    assert response.status_code == 302
    session.expire_all()
    run = session.scalars(select(AnalysisRun)).one()
    assert session.get(Trial, trial.id).status is TrialStatus.EVALUATED

    page_response = client.get(response.headers["Location"])
    html = page_response.get_data(as_text=True)
    page = text_of(page_response)
    effect = run.result["effects"]["Product"]
    assert "Primary analysis run." in page
    assert "follow-up value adjusted for baseline value and site" in page
    assert "Product vs Usual care" in page
    assert f"{effect['estimate']:.2f}" in page
    assert f"{effect['ci_low']:.2f} to {effect['ci_high']:.2f}" in page
    assert format_p_value(effect["p"]) in page
    assert arm_table(trial, run) in page
    assert "95% CI excludes zero" in page
    assert "95% CI crosses the minimal important difference" in page
    assert "1.50 seconds (a difference of -1.50 or less matters)" in page
    assert "A lower value is better" in page
    assert run.data_fingerprint in page
    assert f"statsmodels {run.versions['statsmodels']}" in page
    assert f"pandas {run.versions['pandas']}" in page
    assert 'class="nhsuk-table__header nhsuk-table__header--numeric dll-numeric"' in html
    assert "nhsuk-table__caption" in html
    # The decision form is offered now, with every outcome.
    assert f'action="/evaluation/trials/{trial.id}/decision"' in html
    for outcome in DecisionOutcome:
        assert f'value="{outcome.value}"' in html
        assert outcome.label in page
    assert "Resident Number" not in page


def test_warnings_from_the_analysis_are_shown(client, world, login_as, session, build_trial):
    trial = build_trial(n=14, missing_follow_up=2, status=TrialStatus.EVALUATED)
    login_as(world.evaluator)
    page = text_of(client.get(f"/evaluation/trials/{trial.id}"))
    assert "Warnings from the analysis" in page
    assert "2 participant(s) with missing values excluded (complete case)." in page


def test_trial_page_uses_a_bounded_number_of_queries(
    client, world, login_as, session, build_trial, count_queries
):
    small = build_trial(n=6, status=TrialStatus.DECIDED).id
    large = build_trial(n=18, status=TrialStatus.DECIDED).id
    login_as(world.evaluator)
    counts = []
    for trial_id in (small, large):
        session.expunge_all()  # the test shares the request's session: start both cold
        with count_queries() as statements:
            assert client.get(f"/evaluation/trials/{trial_id}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 14


# The decision ------------------------------------------------------------------------


def test_evaluator_records_the_decision(client, world, login_as, session, build_trial):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    login_as(world.evaluator)
    response = client.post(
        f"/evaluation/trials/{trial.id}/decision",
        data={"outcome": "adopt_with_conditions", "reasons": "Effective; review in a year."},
    )
    assert response.status_code == 302
    session.expire_all()
    decision = session.scalars(select(AdoptionDecision)).one()
    assert decision.outcome is DecisionOutcome.ADOPT_WITH_CONDITIONS
    assert decision.reasons == "Effective; review in a year."
    assert session.get(Trial, trial.id).status is TrialStatus.DECIDED
    page = text_of(client.get(response.headers["Location"]))
    assert "Adoption decision recorded." in page
    assert "Adopt with conditions" in page
    assert "Effective; review in a year." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "adopt", "reasons": ""}, "Give the reasons for the decision"),
        ({"outcome": "adopt", "reasons": "   "}, "Give the reasons for the decision"),
        ({"outcome": "rubber_stamp", "reasons": "Because."}, "Select a decision from the list"),
        ({"reasons": "Because."}, "Select the adoption decision"),
    ],
)
def test_bad_decision_input_is_refused_and_nothing_is_written(
    client, world, login_as, session, build_trial, data, message
):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    decisions, events = count(session, AdoptionDecision), count(session, AuditEvent)
    login_as(world.evaluator)
    events_after_login = count(session, AuditEvent)
    response = client.post(f"/evaluation/trials/{trial.id}/decision", data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert message in page
    assert "<title>Error: Evaluate:" in response.get_data(as_text=True)
    session.expire_all()
    assert count(session, AdoptionDecision) == decisions == 0
    assert count(session, AuditEvent) == events_after_login >= events
    assert session.get(Trial, trial.id).status is TrialStatus.EVALUATED


def test_decision_on_a_locked_trial_shows_the_conflict_page(
    client, world, login_as, session, build_trial
):
    trial = build_trial(n=8, status=TrialStatus.LOCKED)
    login_as(world.evaluator)
    response = client.post(
        f"/evaluation/trials/{trial.id}/decision", data={"outcome": "adopt", "reasons": "Good."}
    )
    assert response.status_code == 409
    assert count(session, AdoptionDecision) == 0


# The company's results page ----------------------------------------------------------


def test_company_reads_the_aggregate_result_and_decision(
    client, world, login_as, session, build_trial
):
    trial = build_trial(n=16, status=TrialStatus.DECIDED)
    run = session.scalars(select(AnalysisRun)).one()
    login_as(world.company)
    response = client.get(f"/evaluation/trials/{trial.id}/results")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert html.count("<h1") == 1
    assert f"<title>Results: {trial.title} – Dorset Living Lab</title>" in html
    effect = run.result["effects"]["Product"]
    assert f"{effect['estimate']:.2f}" in page
    assert f"{effect['ci_low']:.2f} to {effect['ci_high']:.2f}" in page
    assert format_p_value(effect["p"]) in page
    assert "Adopt" in page
    assert "Faster Timed Up and Go, beyond the minimal important difference." in page
    assert arm_table(trial, run) in page
    assert "1.50 seconds (a difference of -1.50 or less matters)" in page


def test_results_page_never_shows_participants(client, world, login_as, session, build_trial):
    trial = build_trial(n=8, status=TrialStatus.DECIDED)
    login_as(world.company)
    html = client.get(f"/evaluation/trials/{trial.id}/results").get_data(as_text=True)
    enrolments = session.scalars(select(Enrolment).where(Enrolment.trial_id == trial.id)).all()
    assert enrolments
    for enrolment in enrolments:
        assert enrolment.participant_code not in html
    assert "Resident Number" not in html
    assert "example.test" not in html.replace(world.company.email, "")
    assert not re.search(r"(WFH|DOR)-[0-9A-F]{6}", html)


def test_text_entered_by_users_is_escaped(client, world, login_as, session, build_trial):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    session.get(Trial, trial.id).title = "<script>alert('title')</script>"
    session.commit()
    login_as(world.evaluator)
    client.post(
        f"/evaluation/trials/{trial.id}/decision",
        data={"outcome": "adopt", "reasons": "<script>alert('reasons')</script>"},
    )
    pages = [client.get("/evaluation/"), client.get(f"/evaluation/trials/{trial.id}")]
    client.post("/logout")
    login_as(world.company)
    pages.append(client.get(f"/evaluation/trials/{trial.id}/results"))
    for response in pages:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "<script>alert(" not in html
        assert "&lt;script&gt;alert(" in html


# Formatting --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.0, "1.00"), (-2.126, "-2.13"), (8.660128, "8.66"), (0.0, "0.00"), (None, "not available")],
)
def test_estimates_have_two_decimal_places(value, text):
    assert format_estimate(value) == text


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0001, "< 0.001"),
        (0.000999, "< 0.001"),
        (0.001, "0.001"),
        (0.0339993, "0.034"),
        (0.5, "0.500"),
        (float("nan"), "not available"),
    ],
)
def test_p_values_below_0_001_are_shown_as_a_bound(p, text):
    assert format_p_value(p) == text
