"""The company's proposal pages over HTTP: draft, edit, submit, withdraw, follow."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from livinglab.audit.models import AuditEvent
from tests import factories
from tests.pages import text_of
from trials.proposals.models import Trial
from trials.review.services import request_changes
from trials.states import TrialStatus

valid = factories.proposal_form_data


def trials(session) -> int:
    return session.scalar(select(func.count()).select_from(Trial))


@pytest.fixture
def product(session, world):
    product = factories.make_product(session, world.company)
    session.commit()
    return product


def test_a_company_drafts_and_submits_a_proposal(client, world, login_as, session, product):
    login_as(world.company)
    trial = session.get(Trial, factories.propose(client, product.id))
    page = text_of(client.get(f"/proposals/{trial.id}"))
    assert "StepRight falls trial" in page
    assert "Status Draft" in page
    assert "Timed Up and Go (seconds), valid from 3 to 120" in page

    assert client.post(f"/proposals/{trial.id}/submit").status_code == 302
    trial = factories.reload_trial(session, trial.id)
    assert trial.status is TrialStatus.SUBMITTED
    assert [site.site_id for site in trial.trial_sites] == [world.wfh.id]
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.trial_id == trial.id).order_by(AuditEvent.id)
    ).all()
    assert "trial.drafted" in actions
    assert actions[-2:] == ["trial.submitted", "proposal.version_recorded"]


def test_submitting_twice_is_refused_as_an_illegal_move(client, world, login_as, session):
    trial = factories.make_trial(session, world, status=TrialStatus.SUBMITTED)
    session.commit()
    login_as(world.company)
    response = client.post(f"/proposals/{trial.id}/submit")
    assert response.status_code == 409
    assert "A trial can only be submitted from draft or changes requested" in text_of(response)


def test_a_proposal_sent_back_is_edited_and_resubmitted(client, world, login_as, session):
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW)
    request_changes(session, trial, actor=world.researcher_wfh, reason="Add a DOR target of 30.")
    session.commit()
    login_as(world.company)
    page = text_of(client.get(f"/proposals/{trial.id}"))
    assert "Add a DOR target of 30." in page
    steps = factories.proposal_steps(trial.product_id, title="Steady feet trial v2")
    steps["sites"] |= {"target_dor": "30"}
    for slug in ("about", "sites", "eligibility"):
        assert client.get(f"/proposals/{trial.id}/steps/{slug}").status_code == 200
        response = client.post(f"/proposals/{trial.id}/steps/{slug}", data=steps[slug])
        assert response.status_code == 302
    trial = factories.reload_trial(session, trial.id)
    assert trial.title == "Steady feet trial v2"
    assert {ts.site_id: ts.target for ts in trial.trial_sites} == {
        world.wfh.id: 40,
        world.dor.id: 30,
    }
    revised = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "trial.revised")
    ).first()
    assert revised.old_value["title"] == "Steady feet trial"
    assert revised.new_value["title"] == "Steady feet trial v2"
    assert client.post(f"/proposals/{trial.id}/submit").status_code == 302


def test_a_submitted_proposal_cannot_be_edited(client, world, login_as, session):
    trial = factories.make_trial(session, world, status=TrialStatus.SUBMITTED)
    session.commit()
    login_as(world.company)
    assert client.get(f"/proposals/{trial.id}/edit").status_code == 403
    response = client.post(f"/proposals/{trial.id}/steps/about", data=valid(trial.product_id))
    assert response.status_code == 403
    session.expire_all()
    assert trial.title == "Steady feet trial"


def test_withdrawing_needs_a_reason_and_records_it(client, world, login_as, session):
    trial = factories.make_trial(session, world, status=TrialStatus.SUBMITTED)
    session.commit()
    login_as(world.company)
    response = client.post(f"/proposals/{trial.id}/withdraw", data={"reason": " "})
    assert response.status_code == 422
    assert "Give the reason for withdrawing the proposal" in text_of(response)
    session.expire_all()
    assert trial.status is TrialStatus.SUBMITTED

    response = client.post(f"/proposals/{trial.id}/withdraw", data={"reason": "Funding ended."})
    assert response.status_code == 302
    session.expire_all()
    assert trial.status is TrialStatus.WITHDRAWN
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "trial.withdrawn")).one()
    assert event.reason == "Funding ended."


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"product_id": ""}, "Select the product the trial will test"),
        ({"product_id": "abc"}, "Select the product the trial will test"),
        ({"title": ""}, "Enter the trial's title"),
        ({"summary": " "}, "Enter a summary for residents"),
    ],
)
def test_bad_proposal_input_is_refused_and_nothing_is_saved(
    client, world, login_as, session, product, changes, message
):
    login_as(world.company)
    response = client.post("/proposals/new", data={**valid(product.id), **changes})
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert message in page
    assert trials(session) == 0


def test_a_company_cannot_propose_a_trial_of_another_organisations_product(
    client, world, login_as, session
):
    theirs = factories.make_product(session, world.other_company)
    session.commit()
    login_as(world.company)
    response = client.post("/proposals/new", data=valid(theirs.id))
    assert response.status_code == 422
    assert "Select one of your organisation's products" in text_of(response)
    assert trials(session) == 0


COMPANY_URLS = [
    ("get", "/proposals/{id}"),
    ("get", "/proposals/{id}/edit"),
    ("post", "/proposals/{id}/steps/about"),
    ("post", "/proposals/{id}/submit"),
    ("post", "/proposals/{id}/withdraw"),
]


@pytest.mark.parametrize(("method", "url"), COMPANY_URLS)
def test_another_organisation_cannot_reach_a_trial_by_id(
    client, world, login_as, session, method, url
):
    trial = factories.make_trial(session, world)
    session.commit()
    login_as(world.other_company)
    response = getattr(client, method)(
        url.format(id=trial.id), data={**valid(trial.product_id), "reason": "Mine now"}
    )
    assert response.status_code == 404
    session.expire_all()
    assert trial.status is TrialStatus.DRAFT
    assert trial.title == "Steady feet trial"


@pytest.mark.parametrize("who", ["participant", "researcher_wfh", "evaluator", "admin"])
@pytest.mark.parametrize(
    ("method", "url"), [("get", "/proposals/"), ("get", "/proposals/new"), *COMPANY_URLS]
)
def test_proposal_pages_are_only_for_company_users(
    client, world, login_as, session, who, method, url
):
    trial = factories.make_trial(session, world)
    session.commit()
    login_as(world.participant.user if who == "participant" else getattr(world, who))
    response = getattr(client, method)(url.format(id=trial.id), data={"reason": "x"})
    assert response.status_code == 403
    session.expire_all()
    assert trial.status is TrialStatus.DRAFT


def test_the_trial_list_shows_only_the_organisations_trials(client, world, login_as, session):
    factories.make_trial(session, world, title="Ours")
    factories.make_trial(session, world, company=world.other_company, title="Theirs")
    session.commit()
    login_as(world.company)
    page = text_of(client.get("/proposals/"))
    assert "Ours" in page
    assert "Theirs" not in page


def test_the_trial_list_runs_the_same_queries_for_one_trial_or_many(
    client, world, login_as, session, count_queries
):
    factories.make_trial(session, world)
    session.commit()
    login_as(world.company)
    session.expunge_all()  # the test shares the request's session: start both cold
    with count_queries() as few:
        client.get("/proposals/")
    for n in range(5):
        factories.make_trial(session, world, title=f"Trial {n}")
    session.commit()
    session.expunge_all()
    with count_queries() as many:
        client.get("/proposals/")
    selects = [[q for q in run if q.startswith("SELECT")] for run in (few, many)]
    assert len(selects[0]) == len(selects[1]) <= 7  # with the dashboard's sites and decisions
