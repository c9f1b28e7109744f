"""Going through the proposal's steps over HTTP, and who may use them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from tests import factories
from tests.pages import text_of
from tests.trials.proposals.helpers import arms_of, post_step, steps
from trials.proposals.models import Arm, Trial
from trials.states import TrialStatus


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
