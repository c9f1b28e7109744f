"""What is missing before submission: listed on the proposal page, enforced on submit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.participants.models import Condition
from tests import factories
from tests.conftest import login
from tests.pages import text_of
from trials.proposals.checklist import missing_for_submission
from trials.proposals.models import IcsOutcome
from trials.proposals.services import ProposalIncomplete, submit_proposal
from trials.states import TrialStatus

valid = factories.proposal_form_data

EVERYTHING = [
    "Write the trial's aims",
    "Describe the population the trial is for",
    "Say how the trial is funded",
    "Choose at least one ICS outcome",
    "Give the recruitment window: the start and end dates",
    "Set the eligibility criteria, including the youngest and oldest age",
]


def date_parts(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}-{p}": str(getattr(day, p)) for p in ("day", "month", "year")}


@pytest.fixture
def product(session, world):
    product = factories.make_product(session, world.company)
    session.commit()
    return product


def submitted_events(session) -> int:
    return len(
        session.scalars(select(AuditEvent).where(AuditEvent.action == "trial.submitted")).all()
    )


def test_a_bare_draft_lists_everything_missing_and_submit_is_refused(
    client, world, login_as, session
):
    trial = factories.make_trial(session, world)
    session.commit()
    login_as(world.company)
    page = text_of(client.get(f"/proposals/{trial.id}"))
    assert "Before you can submit" in page
    for item in EVERYTHING:
        assert item in page
    assert "Submit for review" not in page
    assert f'href="/proposals/{trial.id}/steps/about#ics_outcomes"' in client.get(
        f"/proposals/{trial.id}"
    ).get_data(as_text=True)

    response = client.post(f"/proposals/{trial.id}/submit")
    assert response.status_code == 409
    refused = text_of(response)
    assert "You cannot submit the proposal yet" in refused
    for item in EVERYTHING:
        assert refused.count(item) == 2  # in the error summary and in the checklist
    session.expire_all()
    assert trial.status is TrialStatus.DRAFT
    assert trial.submitted_at is None
    assert submitted_events(session) == 0


def test_only_the_missing_part_is_listed(client, world, login_as, session, product):
    login_as(world.company)
    trial_id = factories.propose(client, product.id, funding="", ics_outcomes=[])
    page = text_of(client.get(f"/proposals/{trial_id}"))
    assert "Say how the trial is funded" in page
    assert "Choose at least one ICS outcome" in page
    assert "Write the trial's aims" not in page
    assert "Set the eligibility criteria" not in page
    assert client.post(f"/proposals/{trial_id}/submit").status_code == 409


def test_a_recruitment_start_in_the_past_can_be_saved_but_not_submitted(
    client, world, login_as, session, product
):
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    login_as(world.company)
    trial_id = factories.propose(client, product.id, **date_parts("recruitment_start", yesterday))
    page = text_of(client.get(f"/proposals/{trial_id}"))
    assert "Move the recruitment start date to today or later: it has passed" in page
    response = client.post(f"/proposals/{trial_id}/submit")
    assert response.status_code == 409
    assert "Move the recruitment start date to today or later" in text_of(response)
    assert submitted_events(session) == 0


def test_the_checklist_is_empty_for_a_complete_proposal_and_depends_on_the_day(
    client, world, login_as, session, product
):
    login_as(world.company)
    trial = factories.reload_trial(session, factories.propose(client, product.id))
    start = trial.recruitment_start
    assert missing_for_submission(trial, start) == []
    assert missing_for_submission(trial, start + dt.timedelta(days=1)) == [
        "Move the recruitment start date to today or later: it has passed"
    ]


def test_the_submit_service_refuses_an_incomplete_proposal_with_reasons(session, world):
    trial = factories.make_trial(session, world)
    with pytest.raises(ProposalIncomplete) as refused:
        submit_proposal(session, trial, actor=world.company, require_complete=True)
    assert refused.value.reasons == EVERYTHING
    assert refused.value.status_code == 409
    assert trial.status is TrialStatus.DRAFT


def test_a_submitted_proposal_shows_no_checklist(client, world, login_as, session):
    trial = factories.make_trial(session, world, status=TrialStatus.SUBMITTED)
    session.commit()
    login_as(world.company)
    page = text_of(client.get(f"/proposals/{trial.id}"))
    assert "Before you can submit" not in page
    assert "Aims Not given" in page


def _criteria_of_every_size(client, product, session, *, conditions: int) -> int:
    codes = session.scalars(select(Condition.code).order_by(Condition.code)).all()
    outcomes = session.scalars(select(IcsOutcome.code)).all()
    return factories.propose(
        client,
        product.id,
        required_conditions=codes[:conditions],
        excluded_conditions=codes[conditions : 2 * conditions],
        ics_outcomes=outcomes[:conditions],
        sexes=["female", "male", "intersex"][:conditions],
    )


def test_proposal_and_review_pages_run_the_same_queries_however_many_criteria(
    app, client, world, login_as, session, product, count_queries
):
    login_as(world.company)
    small = _criteria_of_every_size(client, product, session, conditions=1)
    large = _criteria_of_every_size(client, product, session, conditions=5)
    for trial_id in (small, large):
        assert client.post(f"/proposals/{trial_id}/submit").status_code == 302
    staff = app.test_client()
    login(staff, world.researcher_wfh)
    counts = {}
    for trial_id in (small, large):
        session.expunge_all()
        with count_queries() as company_page:
            assert client.get(f"/proposals/{trial_id}").status_code == 200
        session.expunge_all()
        with count_queries() as review_page:
            assert staff.get(f"/review/trials/{trial_id}").status_code == 200
        counts[trial_id] = (len(company_page), len(review_page))
    assert counts[small] == counts[large]
    # The trial with its details (12), review history, recruitment, comments, timeline...
    assert counts[small][0] <= 20
