"""The company's results page over HTTP, and how estimates and p-values are shown."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from evaluation.runs.models import AnalysisRun
from evaluation.runs.queries import format_estimate, format_p_value
from tests.evaluation.runs.helpers import arm_table
from tests.pages import text_of
from trials.enrolment.models import Enrolment
from trials.proposals.models import Trial
from trials.states import TrialStatus

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
    effect = run.result["primary"]["effects"]["Product"]
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
        data={
            "outcome": "adopt",
            "reasons": "<script>alert('reasons')</script>",
            "nice_tier": "tier_c",
            "certainty": "moderate",
            "public_summary": "Summary.",
        },
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
