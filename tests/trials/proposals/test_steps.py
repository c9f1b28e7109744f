"""The proposal's steps over HTTP: each saves, refuses bad input by the box, and is guarded."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from tests import factories
from tests.pages import text_of
from trials.proposals.models import Arm, Measure, Trial, TrialDesign, TrialVisit, measure_visits
from trials.states import TrialStatus

steps = factories.proposal_steps


@pytest.fixture
def product(session, world):
    product = factories.make_product(session, world.company)
    session.commit()
    return product


@pytest.fixture
def draft_id(client, world, login_as, product) -> int:
    """A complete draft made through every step, with the company signed in."""
    login_as(world.company)
    return factories.propose(client, product.id)


#: The boxes a browser always sends for each row, even when empty.
ROW_BOXES = {
    "design": ("arms", 4, ("name", "description", "ratio")),
    "visits": ("visits", 8, ("name", "day_offset", "window_days")),
    "measures": ("measures", 6, ("name", "unit", "min_value", "max_value")),
}


def post_step(client, trial_id: int, slug: str, data: dict):
    """Post a step as a browser does: every row's text boxes are sent, empty or not."""
    if slug in ROW_BOXES:
        name, rows, boxes = ROW_BOXES[slug]
        blanks = {f"{name}-{i}-{box}": "" for i in range(rows) for box in boxes}
        data = {**blanks, **data}
    return client.post(f"/proposals/{trial_id}/steps/{slug}", data=data)


def arms_of(session, trial_id: int) -> list[tuple[str, int, bool]]:
    trial = factories.reload_trial(session, trial_id)
    return [(a.name, a.ratio, a.is_control) for a in trial.arms]


def test_every_step_saves_and_leads_to_the_next(client, world, login_as, session, product):
    login_as(world.company)
    data = steps(product.id)
    response = client.post("/proposals/new", data=data["about"])
    trial_id = session.scalars(select(Trial.id)).one()
    assert response.headers["Location"] == f"/proposals/{trial_id}/steps/design"
    following = ["sites", "eligibility", "visits", "measures", None]
    for slug, then in zip(factories.STEP_SLUGS[1:], following, strict=True):
        assert client.get(f"/proposals/{trial_id}/steps/{slug}").status_code == 200
        response = post_step(client, trial_id, slug, data[slug])
        assert response.status_code == 302, text_of(response)
        expected = f"/proposals/{trial_id}/steps/{then}" if then else f"/proposals/{trial_id}"
        assert response.headers["Location"] == expected
    page = text_of(client.get(f"/proposals/{trial_id}"))
    assert "Nothing is missing" in page
    assert page.count("Completed") == 6
    assert client.post(f"/proposals/{trial_id}/submit").status_code == 302
    revisions = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "trial.revised")
    ).all()
    assert len(revisions) == 5


def test_save_and_return_goes_back_to_the_proposal(client, draft_id):
    data = {**steps(1)["design"], "then": "return"}
    response = post_step(client, draft_id, "design", data)
    assert response.headers["Location"] == f"/proposals/{draft_id}"


def test_a_fresh_draft_shows_the_steps_not_started(client, world, login_as, session, product):
    login_as(world.company)
    client.post("/proposals/new", data=steps(product.id)["about"])
    trial_id = session.scalars(select(Trial.id)).one()
    page = text_of(client.get(f"/proposals/{trial_id}"))
    assert "About the trial Completed" in page
    for title in ("Design and arms", "Sites and recruitment", "Visit schedule"):
        assert f"{title} Not started" in page
    html = client.get(f"/proposals/{trial_id}").get_data(as_text=True)
    assert f'href="/proposals/{trial_id}/steps/measures"' in html


def test_the_old_edit_address_opens_the_first_step(client, draft_id):
    response = client.get(f"/proposals/{draft_id}/edit")
    assert response.headers["Location"] == f"/proposals/{draft_id}/steps/about"


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


def test_each_step_starts_from_the_saved_values(client, session, draft_id):
    design = client.get(f"/proposals/{draft_id}/steps/design").get_data(as_text=True)
    assert 'value="StepRight"' in design
    assert 'value="parallel_rct" checked' in design
    visits = client.get(f"/proposals/{draft_id}/steps/visits").get_data(as_text=True)
    assert 'value="Follow-up"' in visits and 'value="84"' in visits
    measures = client.get(f"/proposals/{draft_id}/steps/measures").get_data(as_text=True)
    assert 'value="Timed Up and Go"' in measures
    assert "Follow-up (day 84)" in measures


STEP_SLUGS = factories.STEP_SLUGS


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("slug", STEP_SLUGS)
def test_another_organisation_gets_not_found_on_every_step(
    client, world, login_as, session, method, slug
):
    trial = factories.make_trial(session, world)
    session.commit()
    login_as(world.other_company)
    data = steps(trial.product_id)[slug]
    response = getattr(client, method)(f"/proposals/{trial.id}/steps/{slug}", data=data)
    assert response.status_code == 404
    session.expire_all()
    assert trial.title == "Steady feet trial"
    assert arms_of(session, trial.id) == [("Usual care", 1, True), ("Product", 1, False)]


@pytest.mark.parametrize("who", ["participant", "researcher_wfh"])
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("slug", STEP_SLUGS)
def test_researchers_and_participants_cannot_use_the_steps(
    client, world, login_as, session, who, method, slug
):
    trial = factories.make_trial(session, world)
    session.commit()
    login_as(world.participant.user if who == "participant" else world.researcher_wfh)
    data = steps(trial.product_id)[slug]
    response = getattr(client, method)(f"/proposals/{trial.id}/steps/{slug}", data=data)
    assert response.status_code == 403


@pytest.mark.parametrize("slug", STEP_SLUGS)
def test_a_submitted_proposal_cannot_be_changed_by_any_step(client, world, login_as, session, slug):
    trial = factories.make_trial(session, world, status=TrialStatus.SUBMITTED)
    session.commit()
    login_as(world.company)
    url = f"/proposals/{trial.id}/steps/{slug}"
    assert client.get(url).status_code == 403
    data = {**steps(trial.product_id)[slug], "title": "Changed"}
    assert client.post(url, data=data).status_code == 403
    session.expire_all()
    assert trial.title == "Steady feet trial"
    assert factories.count_rows(session, Arm) == 2


def test_an_unknown_step_is_not_found(client, draft_id):
    assert client.get(f"/proposals/{draft_id}/steps/payment").status_code == 404


def _sized_trial(client, session, product_id: int, *, arms: int, measures: int) -> int:
    trial_id = factories.propose(client, product_id)
    design = {"design": "parallel_rct", "arms-0-is_control": "y"}
    design |= {f"arms-{i}-name": f"Arm {i}" for i in range(arms)}
    assert post_step(client, trial_id, "design", design).status_code == 302
    trial = factories.reload_trial(session, trial_id)
    ids = [str(v.id) for v in trial.visits]
    data = {}
    for i in range(measures):
        data |= {
            f"measures-{i}-name": f"Measure {i}",
            f"measures-{i}-unit": "points",
            f"measures-{i}-min_value": "0",
            f"measures-{i}-max_value": "10",
            f"measures-{i}-visit_ids": ids,
        }
    data["measures-0-is_primary"] = "y"
    assert post_step(client, trial_id, "measures", data).status_code == 302
    return trial_id


@pytest.mark.parametrize("slug", ["design", "measures"])
def test_a_step_page_runs_the_same_queries_however_big_the_trial(
    client, world, login_as, session, product, count_queries, slug
):
    login_as(world.company)
    small = _sized_trial(client, session, product.id, arms=2, measures=1)
    large = _sized_trial(client, session, product.id, arms=4, measures=6)
    urls = {n: f"/proposals/{n}/steps/{slug}" for n in (small, large)}
    counts = []
    for trial_id in (small, large):
        session.expunge_all()
        with count_queries() as statements:
            assert client.get(urls[trial_id]).status_code == 200
        counts.append(len([q for q in statements if q.startswith("SELECT")]))
    # The user (3), the trial with its details (12), the page's choices.
    assert counts[0] == counts[1] <= 16


def test_csrf_is_checked_on_the_steps(app, world, session):
    trial = factories.make_trial(session, world)
    session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    client.post("/login", data={"email": world.company.email, "password": factories.PASSWORD})
    response = post_step(client, trial.id, "design", steps(trial.product_id)["design"])
    assert response.status_code == 400
    assert arms_of(session, trial.id) == [("Usual care", 1, True), ("Product", 1, False)]
