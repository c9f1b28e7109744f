"""The visits and measures steps over HTTP: saving visits in order, measures, refused input."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from tests import factories
from tests.pages import text_of
from tests.trials.proposals.helpers import post_step, steps
from trials.proposals.models import Measure, TrialVisit, measure_visits


def test_visits_save_in_order_and_keep_their_ids(client, session, draft_id):
    follow_up = session.scalars(select(TrialVisit).where(TrialVisit.code == "follow_up")).one()
    data = {
        **steps(1)["visits"],
        "visits-1-name": "Follow-up",
        "visits-1-day_offset": "168",
        "visits-2-name": "Week 6",
        "visits-2-day_offset": "",
        "visits-3-name": "",
    }
    data |= {"visits-1-name": "Week 6", "visits-1-day_offset": "42", "visits-1-window_days": "3"}
    data |= {"visits-2-name": "Follow-up", "visits-2-day_offset": "84", "visits-2-window_days": "7"}
    assert post_step(client, draft_id, "visits", data).status_code == 302
    trial = factories.reload_trial(session, draft_id)
    assert [(v.code, v.day_offset, v.window_days) for v in trial.visits] == [
        ("baseline", 0, 0),
        ("week_6", 42, 3),
        ("follow_up", 84, 7),
    ]
    assert next(v for v in trial.visits if v.code == "follow_up").id == follow_up.id
    assert "Week 6: day 42, ± 3 days" in text_of(client.get(f"/proposals/{draft_id}"))


BAD_VISITS = [
    ({"visits-1-name": "baseline"}, "Each visit needs a different name"),
    ({"visits-0-day_offset": "3"}, "The first visit is the baseline: its day is 0"),
    ({"visits-1-window_days": "61"}, "Window (± days) must be from 0 to 60"),
    ({"visits-1-day_offset": "0"}, "List visits in day order"),
    ({"visits-1-window_days": "7", "visits-0-window_days": "80"}, "must be from 0 to 60"),
    (
        {"visits-1-day_offset": "10", "visits-0-window_days": "3", "visits-1-window_days": "7"},
        "The window of Follow-up must not overlap the window of Baseline",
    ),
    ({"visits-1-name": "", "visits-1-window_days": "4"}, "Enter a name for visit 2"),
    ({"visits-1-day_offset": "a week"}, "Day must be a whole number, like 84"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_VISITS)
def test_bad_visits_are_refused_and_change_nothing(client, session, draft_id, changes, message):
    events = factories.count_rows(session, AuditEvent)
    response = post_step(client, draft_id, "visits", {**steps(1)["visits"], **changes})
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count(message) == 2
    trial = factories.reload_trial(session, draft_id)
    assert [(v.name, v.day_offset) for v in trial.visits] == [("Baseline", 0), ("Follow-up", 84)]
    assert factories.count_rows(session, AuditEvent) == events


def test_measures_save_with_their_visits_and_a_questionnaire_fills_the_range(
    client, session, draft_id
):
    trial = factories.reload_trial(session, draft_id)
    baseline, follow_up = trial.visits
    data = {
        **steps(1)["measures"],
        "measures-0-visit_ids": [str(baseline.id), str(follow_up.id)],
        "measures-2-name": "Wellbeing",
        "measures-2-instrument": "wemwbs",
        "measures-2-visit_ids": str(follow_up.id),
    }
    response = post_step(client, draft_id, "measures", data)
    assert response.status_code == 302, text_of(response)[600:1200]
    trial = factories.reload_trial(session, draft_id)
    wellbeing = next(m for m in trial.measures if m.name == "Wellbeing")
    assert (wellbeing.unit, wellbeing.min_value, wellbeing.max_value) == ("points", 14, 70)
    assert wellbeing.instrument == "wemwbs"
    assert [v.name for v in wellbeing.visits] == ["Follow-up"]
    assert [v.name for v in trial.primary_measure.visits] == ["Baseline", "Follow-up"]
    page = text_of(client.get(f"/proposals/{draft_id}"))
    assert "Wellbeing (points): continuous, valid from 14 to 70; taken at Follow-up" in page

    # Ticking none again means every visit: the links go.
    response = post_step(client, draft_id, "measures", steps(1)["measures"])
    assert response.status_code == 302, text_of(response)[600:1000]
    assert factories.count_rows(session, measure_visits) == 0
    assert [m.name for m in factories.reload_trial(session, draft_id).measures] == [
        "Timed Up and Go"
    ]


BAD_MEASURES = [
    ({"measures-0-max_value": "3"}, "The highest valid value must be above the lowest"),
    (
        {"measures-1-name": "Falls", "measures-1-unit": "falls", "measures-1-min_value": "0"}
        | {"measures-1-max_value": "50", "measures-1-is_primary": "y"},
        "Only one measure can be the primary outcome",
    ),
    ({"measures-0-is_primary": ""}, "Mark one measure as the primary outcome"),
    ({"measures-0-minimal_important_difference": "0"}, "must be more than 0"),
    ({"measures-0-minimal_important_difference": "-2"}, "must be more than 0"),
    ({"measures-0-unit": ""}, "Enter the unit of Timed Up and Go"),
    ({"measures-0-min_value": "three"}, "Lowest valid value must be a number, like 12.5"),
    ({"measures-0-type": "colour"}, "Select the type of measure"),
    ({"measures-0-instrument": "horoscope"}, "Select a questionnaire from the list"),
    ({"measures-0-visit_ids": "99999"}, "Select visits from this trial's schedule"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_MEASURES)
def test_bad_measures_are_refused_and_change_nothing(client, session, draft_id, changes, message):
    events = factories.count_rows(session, AuditEvent)
    response = post_step(client, draft_id, "measures", {**steps(1)["measures"], **changes})
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count(message) == 2
    assert factories.count_rows(session, Measure) == 1
    assert factories.count_rows(session, AuditEvent) == events


def test_a_visit_of_another_trial_is_refused(client, world, session, draft_id):
    other = factories.make_trial(session, world, company=world.other_company)
    session.commit()
    other = factories.reload_trial(session, other.id)
    theirs = next(v for v in other.visits if not v.is_baseline).id
    data = {**steps(1)["measures"], "measures-0-visit_ids": str(theirs)}
    response = post_step(client, draft_id, "measures", data)
    assert response.status_code == 422
    assert "Select visits from this trial's schedule" in text_of(response)
    assert factories.count_rows(session, measure_visits) == 0
