"""The design step over HTTP: arms, ratios, designs, and refused input."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from tests import factories
from tests.pages import text_of
from tests.trials.proposals.helpers import arms_of, post_step, steps
from trials.proposals.models import TrialDesign


def test_a_three_arm_two_to_one_to_one_design_saves_and_keeps_arm_ids(client, session, draft_id):
    before = {a.name: a.id for a in factories.reload_trial(session, draft_id).arms}
    data = {
        **steps(1)["design"],
        "arms-0-ratio": "2",
        "arms-2-name": "StepRight with coaching",
        "arms-2-ratio": "1",
    }
    assert post_step(client, draft_id, "design", data).status_code == 302
    trial = factories.reload_trial(session, draft_id)
    assert [(a.name, a.ratio, a.is_control) for a in trial.arms] == [
        ("Usual care", 2, True),
        ("StepRight", 1, False),
        ("StepRight with coaching", 1, False),
    ]
    assert {a.name: a.id for a in trial.arms if a.name in before} == before
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "trial.revised"
    assert event.old_value["arms"][0]["ratio"] == 1
    assert event.new_value["arms"][0]["ratio"] == 2


def test_a_single_arm_design_saves(client, session, draft_id):
    data = {"design": "single_arm", "arms-0-name": "StepRight", "arms-0-ratio": "1"}
    assert post_step(client, draft_id, "design", data).status_code == 302
    trial = factories.reload_trial(session, draft_id)
    assert trial.design is TrialDesign.SINGLE_ARM
    assert arms_of(session, draft_id) == [("StepRight", 1, False)]
    assert "Nothing is missing" in text_of(client.get(f"/proposals/{draft_id}"))


def test_a_crossover_design_saves_its_washout(client, session, draft_id):
    data = {**steps(1)["design"], "design": "crossover", "washout_days": "14"}
    assert post_step(client, draft_id, "design", data).status_code == 302
    trial = factories.reload_trial(session, draft_id)
    assert (trial.design, trial.washout_days) == (TrialDesign.CROSSOVER, 14)
    assert "Washout 14 days" in text_of(client.get(f"/proposals/{draft_id}"))


BAD_DESIGNS = [
    ({"arms-1-name": ""}, "A parallel trial needs 2 to 4 arms"),
    ({"arms-1-is_control": "y"}, "Only one arm can be the control arm"),
    ({"arms-0-is_control": ""}, "Mark one arm as the control arm"),
    ({"arms-1-ratio": "0"}, "Allocation ratio must be from 1 to 5"),
    ({"arms-1-ratio": "6"}, "Allocation ratio must be from 1 to 5"),
    ({"arms-1-name": "usual care"}, "Each arm needs a different name"),
    ({"design": "crossover"}, "Enter a washout of 1 day or more between the two periods"),
    ({"design": "crossover", "washout_days": "0"}, "must be from 1 to 730"),
    ({"design": "single_arm"}, "A single-arm trial has exactly one arm"),
    ({"design": ""}, "Select the trial's design"),
    ({"arms-1-name": "", "arms-1-description": "Insoles"}, "Enter a name for arm 2"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_DESIGNS)
def test_bad_designs_are_refused_by_the_box_and_change_nothing(
    client, session, draft_id, changes, message
):
    events = factories.count_rows(session, AuditEvent)
    before = arms_of(session, draft_id)
    data = {**steps(1)["design"], **changes}
    response = post_step(client, draft_id, "design", data)
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count(message) == 2  # in the error summary and by the box
    assert arms_of(session, draft_id) == before
    assert factories.count_rows(session, AuditEvent) == events


def test_a_design_error_links_to_the_box_on_the_page(client, draft_id):
    data = {**steps(1)["design"], "arms-0-name": "", "arms-0-is_control": ""}
    data |= {"arms-2-name": "A", "arms-3-name": "B"}
    data |= {"arms-2-is_control": "y", "arms-3-is_control": "y", "arms-0-ratio": ""}
    response = post_step(client, draft_id, "design", data)
    # The blank first row is ignored, so the second control is on the page's fourth row.
    assert 'href="#arms-3-is_control"' in response.get_data(as_text=True)
