"""The CONSORT flow adds up, per arm and overall, from records made by the real services."""

from __future__ import annotations

import base64
import json

from evaluation.reports.charts import consort_alt_text
from evaluation.reports.consort import EnrolmentCount, assemble_flow, consort_flow, consort_svg
from tests.evaluation.reports import build_scenario
from trials.enrolment.models import EnrolmentStatus


def _reasons(flow) -> dict[str, int]:
    return {r.label: r.count for group in flow.exclusions for r in group.reasons}


def test_flow_counts_every_path_and_adds_up(session, world):
    scenario = build_scenario(session, world)
    arms = {arm.name: arm for arm in scenario.trial.arms}
    by_arm = {
        name: [e for e in scenario.randomised if e.arm_id == arm.id] for name, arm in arms.items()
    }
    analysed = {name: len(people) - 1 for name, people in by_arm.items()}

    flow = consort_flow(session, scenario.trial, analysed_by_arm=analysed)

    # 10 randomised + 2 interested + 1 waiting + 1 withdrew early + 3 invited, never enrolled.
    assert flow.assessed == 17
    assert flow.randomised == 10
    assert flow.excluded == 7
    groups = {g.key: g.count for g in flow.exclusions}
    assert groups == {"not_eligible": 0, "declined": 4, "other": 3}
    assert _reasons(flow) == {
        "Registered interest but did not consent": 2,
        "Consented, then withdrew before randomisation": 1,
        "Declined the invitation": 1,
        "Consented but not randomised before recruitment closed": 1,
        "Did not answer the invitation": 2,
    }
    assert flow.assessed == flow.excluded + flow.randomised
    assert sum(arm.allocated for arm in flow.arms) == flow.randomised
    assert flow.problems == ()
    for arm in flow.arms:
        people = by_arm[arm.arm]
        assert arm.allocated == len(people)
        assert arm.analysed == len(people) - 1
        assert arm.excluded_from_analysis == 1
        assert arm.received_allocated is None
    totals = {
        key: sum(getattr(arm, key) for arm in flow.arms)
        for key in (
            "lost_to_follow_up",
            "discontinued",
            "discontinued_kept_data",
            "discontinued_data_withdrawn",
        )
    }
    assert totals == {
        "lost_to_follow_up": 1,
        "discontinued": 2,
        "discontinued_kept_data": 1,
        "discontinued_data_withdrawn": 1,
    }
    withdrawn_arm = next(a for a in flow.arms if a.arm == scenario.data_withdrawn.arm.name)
    assert withdrawn_arm.discontinued_data_withdrawn == 1
    assert json.loads(json.dumps(flow.to_dict()))["randomised"] == 10


def test_flow_takes_a_bounded_number_of_queries(session, world, count_queries):
    small = build_scenario(session, world, n=4)
    with count_queries() as few:
        consort_flow(session, small.trial, analysed_by_arm={})
    large = build_scenario(session, world, n=10)
    with count_queries() as many:
        consort_flow(session, large.trial, analysed_by_arm={})
    assert len(few) == len(many) <= 3


def test_sums_that_do_not_add_up_are_listed():
    rows = [EnrolmentCount(EnrolmentStatus.ACTIVE, 1, None, 5)]
    flow = assemble_flow(rows, {}, [(1, "Product", False)], {"Product": 6, "Placebo": 2})
    assert flow.problems == (
        "Product: 6 analysed but only 5 allocated.",
        "Placebo: analysed participants were given for an arm this trial does not have.",
    )
    assert not flow.is_consistent


def test_randomised_arm_missing_from_the_trial_is_a_problem():
    rows = [
        EnrolmentCount(EnrolmentStatus.ACTIVE, 1, None, 5),
        EnrolmentCount(EnrolmentStatus.ACTIVE, 99, None, 2),
    ]
    flow = assemble_flow(rows, {}, [(1, "Product", False)], {"Product": 5})
    assert flow.problems == ("Randomised (7) is not the sum allocated to the arms (5).",)


def test_diagram_is_an_svg_naming_the_counts_and_is_the_same_every_time():
    rows = [
        EnrolmentCount(EnrolmentStatus.COMPLETED, 1, None, 8),
        EnrolmentCount(EnrolmentStatus.COMPLETED, 2, None, 7),
        EnrolmentCount(EnrolmentStatus.INTERESTED, None, None, 3),
    ]
    flow = assemble_flow(
        rows, {}, [(1, "Usual care", True), (2, "Product", False)], {"Usual care": 8, "Product": 7}
    )
    uri = consort_svg(flow)
    assert uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    assert "Assessed for eligibility (n=18)" in svg
    assert "Allocated to Product (n=7)" in svg
    assert consort_svg(flow) == uri
    assert "18 assessed for eligibility, 3 excluded, 15 randomised" in consort_alt_text(flow)


def test_partial_renders_the_flow_as_text_with_the_image(app):
    from flask import render_template_string

    rows = [
        EnrolmentCount(EnrolmentStatus.COMPLETED, 1, None, 4),
        EnrolmentCount(EnrolmentStatus.SCREENED, None, None, 1),
    ]
    flow = assemble_flow(rows, {}, [(1, "Product", False)], {"Product": 4})
    with app.test_request_context():
        html = render_template_string(
            '{% include "evaluation/reports/_consort.html" %}',
            consort=flow.to_dict(),
            consort_image="data:image/svg+xml;base64,AA==",
            consort_alt=consort_alt_text(flow),
        )
    assert "Assessed for eligibility: <strong>5</strong>" in html
    assert "Registered interest but did not consent: 1" in html
    assert 'alt="CONSORT flow diagram. 5 assessed' in html
    assert "do not add up" not in html
