"""The sample-size page: calculate, then use the answer as the per-site targets."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from tests import factories
from tests.pages import text_of
from trials.proposals.models import TrialSite
from trials.proposals.sample_size import for_means, for_proportions, split_evenly
from trials.states import TrialStatus

#: 1.5 seconds against a standard deviation of 4, 80% power, 5% level, 10% drop-out.
MEANS = {
    "outcome_type": "means",
    "mid": "1.5",
    "sd": "4",
    "ratio": "1",
    "dropout": "10",
    "alpha": "0.05",
    "power": "0.8",
}
PROPORTIONS = {
    **MEANS,
    "outcome_type": "proportions",
    "mid": "",
    "sd": "",
    "control_percent": "50",
    "intervention_percent": "35",
    "dropout": "0",
}


def targets(session, trial_id: int) -> dict[int, int]:
    rows = session.execute(
        select(TrialSite.site_id, TrialSite.target).where(TrialSite.trial_id == trial_id)
    )
    return dict(rows.all())


@pytest.fixture
def trial(session, world):
    trial = factories.make_trial(session, world)  # asks for 20 at WFH and 20 at DOR
    session.commit()
    return trial


def test_the_calculator_starts_from_the_primary_outcomes_mid(client, world, login_as, trial):
    login_as(world.company)
    response = client.get(f"/proposals/{trial.id}/sample-size")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="mid" type="text" value="1.5"' in html or 'value="1.5"' in html
    assert "How many participants you need" in text_of(response)
    assert "Use this as the target" not in text_of(response)


def test_a_calculation_shows_the_answer_and_how_it_would_be_shared(
    client, world, login_as, session, trial
):
    login_as(world.company)
    response = client.post(f"/proposals/{trial.id}/sample-size", data=MEANS)
    assert response.status_code == 200
    expected = for_means(1.5, 4, dropout=0.1, unit="seconds")
    page = text_of(response)
    assert expected.explanation in page
    assert f"Total to recruit {expected.total}" in page
    first, second = split_evenly(expected.total, 2)
    assert f"Wessex Fields hub: {first} (now 20)" in page
    assert f"Dorchester satellite: {second} (now 20)" in page
    assert "the first site takes the participants left over" in page
    assert targets(session, trial.id) == {world.wfh.id: 20, world.dor.id: 20}


def test_using_the_answer_sets_the_targets_and_audits_the_calculation(
    client, world, login_as, session, trial
):
    login_as(world.company)
    response = client.post(f"/proposals/{trial.id}/sample-size/use", data=PROPORTIONS)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/proposals/{trial.id}"
    total = for_proportions(0.5, 0.35).total  # 170 per arm
    assert total == 340
    assert targets(session, trial.id) == {world.wfh.id: 170, world.dor.id: 170}
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "trial.revised")).one()
    assert event.old_value == {"site_targets": {str(world.wfh.id): 20, str(world.dor.id): 20}}
    assert event.new_value["site_targets"] == {str(world.wfh.id): 170, str(world.dor.id): 170}
    assert event.new_value["sample_size"]["total"] == 340
    assert event.new_value["sample_size"]["method"] == "Two-sample test of proportions"
    page = text_of(client.get(f"/proposals/{trial.id}"))
    assert "Participant targets set from the sample size: 340 in total" in page


def test_an_odd_total_gives_the_extra_participant_to_the_first_site(
    client, world, login_as, session, trial
):
    data = {**MEANS, "ratio": "1.5", "dropout": "0"}
    answer = for_means(1.5, 4, ratio=1.5)
    assert answer.total % 2 == 1
    login_as(world.company)
    assert client.post(f"/proposals/{trial.id}/sample-size/use", data=data).status_code == 302
    first, second = split_evenly(answer.total, 2)
    assert first == second + 1
    assert targets(session, trial.id) == {world.wfh.id: first, world.dor.id: second}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sd": ""}, "Enter the standard deviation"),
        ({"mid": ""}, "Enter the difference the trial should detect"),
        ({"sd": "0"}, "The standard deviation must be more than 0"),
        ({"sd": "four"}, "Standard deviation must be a number, like 4"),
        ({"mid": "0.01"}, "The difference is too small for a trial here"),
        ({"ratio": "5"}, "The allocation ratio must be between 0.25 and 4"),
        ({"dropout": "60"}, "Expected drop-out must be between 0% and 50%"),
        ({"dropout": ""}, "Enter the expected drop-out, or 0"),
        ({"alpha": "0.1"}, "Select the significance level"),
        ({"power": ""}, "Select the power"),
        ({"outcome_type": "vibes"}, "Select what kind of primary outcome it is"),
        ({**PROPORTIONS, "control_percent": ""}, "Enter the percentage expected in the control"),
        ({**PROPORTIONS, "control_percent": "abc"}, "must be a number, like 50"),
        ({**PROPORTIONS, "intervention_percent": "50"}, "The two percentages must be different"),
        ({**PROPORTIONS, "control_percent": "100"}, "Each percentage must be between 1% and 99%"),
    ],
)
@pytest.mark.parametrize("action", ["", "/use"])
def test_bad_calculator_input_is_refused_by_the_field_and_nothing_changes(
    client, world, login_as, session, trial, changes, message, action
):
    login_as(world.company)
    events = factories.count_rows(session, AuditEvent)
    response = client.post(f"/proposals/{trial.id}/sample-size{action}", data={**MEANS, **changes})
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count(message) == 2
    assert "Use this as the target" not in page
    assert targets(session, trial.id) == {world.wfh.id: 20, world.dor.id: 20}
    assert factories.count_rows(session, AuditEvent) == events


def test_a_total_too_big_for_the_sites_is_refused(client, world, login_as, session, trial):
    login_as(world.company)
    data = {**MEANS, "mid": "0.25", "sd": "4"}  # d = 0.0625: about 4,000 per arm
    response = client.post(f"/proposals/{trial.id}/sample-size/use", data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert page.count("That is more than 2000 participants at a site") == 2
    assert targets(session, trial.id) == {world.wfh.id: 20, world.dor.id: 20}


def test_csrf_is_checked_when_using_the_answer(app, world, session, trial):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    client.post("/login", data={"email": world.company.email, "password": factories.PASSWORD})
    response = client.post(f"/proposals/{trial.id}/sample-size/use", data=MEANS)
    assert response.status_code == 400
    assert "Your form has expired" in text_of(response)
    assert targets(session, trial.id) == {world.wfh.id: 20, world.dor.id: 20}


URLS = [
    ("get", "/proposals/{id}/sample-size"),
    ("post", "/proposals/{id}/sample-size"),
    ("post", "/proposals/{id}/sample-size/use"),
]


@pytest.mark.parametrize(("method", "url"), URLS)
def test_another_organisation_gets_not_found(client, world, login_as, session, trial, method, url):
    login_as(world.other_company)
    response = getattr(client, method)(url.format(id=trial.id), data=MEANS)
    assert response.status_code == 404
    assert targets(session, trial.id) == {world.wfh.id: 20, world.dor.id: 20}


@pytest.mark.parametrize("who", ["participant", "researcher_wfh", "evaluator", "admin"])
@pytest.mark.parametrize(("method", "url"), URLS)
def test_the_calculator_is_only_for_company_users(
    client, world, login_as, session, trial, who, method, url
):
    login_as(world.participant.user if who == "participant" else getattr(world, who))
    response = getattr(client, method)(url.format(id=trial.id), data=MEANS)
    assert response.status_code == 403
    assert targets(session, trial.id) == {world.wfh.id: 20, world.dor.id: 20}


@pytest.mark.parametrize(("method", "url"), URLS)
def test_a_submitted_proposal_cannot_use_the_calculator(
    client, world, login_as, session, method, url
):
    trial = factories.make_trial(session, world, status=TrialStatus.SUBMITTED)
    session.commit()
    login_as(world.company)
    response = getattr(client, method)(url.format(id=trial.id), data=MEANS)
    assert response.status_code == 403
    assert targets(session, trial.id) == {world.wfh.id: 20, world.dor.id: 20}
