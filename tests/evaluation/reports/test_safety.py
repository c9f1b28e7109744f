"""Adverse events per arm: participants, events, serious, severity, relatedness, deaths."""

from __future__ import annotations

import json

import pytest

from evaluation.reports.safety import safety_by_arm
from tests.evaluation.reports import adverse_event, build_scenario
from trials.safety.models import Outcome, Relatedness, SeriousCriterion, Severity


@pytest.fixture
def scenario(session, world):
    scenario = build_scenario(session, world)
    first, second, third = scenario.randomised[3:6]
    trial = scenario.trial
    adverse_event(session, world, trial, first)
    adverse_event(
        session,
        world,
        trial,
        first,
        severity=Severity.SEVERE,
        relatedness=Relatedness.POSSIBLE,
        serious=SeriousCriterion.HOSPITALISATION,
        outcome=Outcome.RECOVERING,
    )
    adverse_event(session, world, trial, second, relatedness=Relatedness.PROBABLE)
    adverse_event(
        session,
        world,
        trial,
        third,
        severity=Severity.SEVERE,
        serious=SeriousCriterion.DEATH,
        outcome=Outcome.FATAL,
    )
    # The participant who stopped data use still counts for safety.
    adverse_event(session, world, trial, scenario.data_withdrawn, severity=Severity.MODERATE)
    session.flush()
    return scenario


def test_totals_count_participants_events_and_kinds(session, scenario):
    summary = safety_by_arm(session, scenario.trial)
    total = summary.total
    assert total.randomised == 10
    assert (total.participants_with_event, total.events) == (4, 5)
    assert (total.participants_with_serious, total.serious_events) == (2, 2)
    assert (total.participants_with_related, total.related_events) == (2, 2)
    assert total.deaths == 1
    assert total.by_severity == {"mild": 2, "moderate": 1, "severe": 2}
    assert total.by_relatedness == {
        "not_related": 3,
        "unlikely": 0,
        "possible": 1,
        "probable": 1,
        "definite": 0,
    }
    assert total.percent_with_event == pytest.approx(40.0)
    assert summary.events_before_randomisation == 0


def test_arms_add_up_to_the_total_and_follow_the_participant(session, scenario):
    summary = safety_by_arm(session, scenario.trial)
    assert [a.arm for a in summary.arms] == [arm.name for arm in scenario.trial.arms]
    for key in ("randomised", "participants_with_event", "events", "serious_events", "deaths"):
        assert sum(getattr(arm, key) for arm in summary.arms) == getattr(summary.total, key)
    died = scenario.randomised[5].arm.name
    assert next(a for a in summary.arms if a.arm == died).deaths == 1
    first_arm = next(a for a in summary.arms if a.arm == scenario.randomised[3].arm.name)
    assert first_arm.serious_events >= 1
    data = json.loads(json.dumps(summary.to_dict()))
    assert data["total"]["percent_with_serious"] == pytest.approx(20.0)


def test_events_before_randomisation_are_counted_apart(session, world):
    from tests import factories

    scenario = build_scenario(session, world, n=4)
    waiting = factories.consent(
        session, scenario.trial, factories.make_participant(session, full_name="Waits")
    )
    adverse_event(session, world, scenario.trial, waiting)
    summary = safety_by_arm(session, scenario.trial)
    assert summary.events_before_randomisation == 1
    assert summary.total.events == 0


def test_summary_takes_two_queries_whatever_the_size(session, world, count_queries):
    small = build_scenario(session, world, n=4)
    adverse_event(session, world, small.trial, small.randomised[0])
    with count_queries() as few:
        safety_by_arm(session, small.trial)
    large = build_scenario(session, world, n=10)
    for enrolment in large.randomised:
        adverse_event(session, world, large.trial, enrolment)
    with count_queries() as many:
        safety_by_arm(session, large.trial)
    assert len(few) == len(many) == 2


def test_partial_shows_the_counts(app, session, scenario):
    from flask import render_template_string

    summary = safety_by_arm(session, scenario.trial)
    with app.test_request_context():
        html = render_template_string(
            '{% include "evaluation/reports/_safety.html" %}', safety=summary
        )
    assert "Total (n=10)" in html
    assert "4 (40.0%)" in html
    assert "Hospitalisation" not in html  # criteria are not listed, only counts
    assert "Possible" in html
