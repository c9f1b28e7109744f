"""Research staff review proposals over HTTP: queue, review, approve, send back, recruitment."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from livinglab.audit.models import AuditEvent
from tests import factories
from tests.pages import text_of
from trials.randomisation.models import AllocationSlot
from trials.review.models import ReviewDecision
from trials.states import TrialStatus

APPROVE_BOTH = {
    "approve_wfh": "y",
    "target_wfh": "20",
    "approve_dor": "y",
    "target_dor": "10",
    "comments": "Good protocol.",
}


def slots(session, trial) -> int:
    return session.scalar(
        select(func.count()).select_from(AllocationSlot).where(AllocationSlot.trial_id == trial.id)
    )


def status_of(session, trial) -> TrialStatus:
    return factories.reload_trial(session, trial.id).status


def test_the_queue_lists_proposals_at_the_researchers_sites_only(client, world, login_as, session):
    factories.make_trial(session, world, status=TrialStatus.SUBMITTED, title="Both sites")
    factories.make_trial(
        session, world, status=TrialStatus.SUBMITTED, sites=("DOR",), title="Dorchester only"
    )
    factories.make_trial(session, world, title="Still a draft")
    session.commit()
    login_as(world.researcher_wfh)
    page = text_of(client.get("/review/"))
    assert "Both sites" in page
    assert "Dorchester only" not in page
    assert "Still a draft" not in page
    assert "Take into review" in page


def test_a_researcher_reviews_and_approves_for_both_sites(client, world, login_as, session):
    trial = factories.make_trial(session, world, status=TrialStatus.SUBMITTED)
    session.commit()
    login_as(world.researcher_wfh)
    assert client.post(f"/review/trials/{trial.id}/start").status_code == 302
    page = text_of(client.get(f"/review/trials/{trial.id}"))
    assert "Approve trial" in page
    assert "The company asked for 20." in page

    checklist = client.post(
        f"/review/trials/{trial.id}/checklist", data=factories.checklist_form_data()
    )
    assert checklist.status_code == 302
    response = client.post(
        f"/review/trials/{trial.id}/approve",
        data={**APPROVE_BOTH, **factories.approval_form_data(session, trial.id)},
    )
    assert response.status_code == 302
    trial = factories.reload_trial(session, trial.id)
    assert trial.status is TrialStatus.APPROVED
    assert {ts.site.code: ts.approved_target for ts in trial.trial_sites} == {
        "WFH": 20,
        "DOR": 10,
    }
    assert trial.allocation_seed is not None
    assert slots(session, trial) > 0
    assert session.scalar(
        select(AuditEvent).where(
            AuditEvent.trial_id == trial.id, AuditEvent.action == "trial.approved"
        )
    )

    ethics = client.post(f"/review/trials/{trial.id}/ethics", data=factories.ETHICS_FORM_DATA)
    assert ethics.status_code == 302
    assert client.post(f"/review/trials/{trial.id}/open").status_code == 302
    assert status_of(session, trial) is TrialStatus.RECRUITING
    assert client.post(f"/review/trials/{trial.id}/close").status_code == 302
    assert status_of(session, trial) is TrialStatus.FOLLOW_UP


def test_approving_for_one_site_leaves_the_other_unapproved(client, world, login_as, session):
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW)
    factories.rate_checklist_satisfied(session, trial, world.researcher_wfh)
    session.commit()
    login_as(world.researcher_wfh)
    response = client.post(
        f"/review/trials/{trial.id}/approve",
        data={
            "approve_wfh": "y",
            "target_wfh": "15",
            "target_dor": "20",
            **factories.approval_form_data(session, trial.id),
        },
    )
    assert response.status_code == 302
    trial = factories.reload_trial(session, trial.id)
    assert [ts.site.code for ts in trial.approved_sites] == ["WFH"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target_wfh": "20"}, "Select at least one site to approve the trial for"),
        ({"approve_wfh": "y", "target_wfh": ""}, "Enter the approved target at wessex fields hub"),
        ({"approve_wfh": "y", "target_wfh": "0"}, "must be between 1 and 2000"),
        ({"approve_wfh": "y", "target_wfh": "ten"}, "must be a whole number, like 60"),
        ({**APPROVE_BOTH, "comments": "x" * 5001}, "Comments must be 5000 characters or fewer"),
    ],
)
def test_bad_approval_input_is_refused_and_nothing_changes(
    client, world, login_as, session, data, message
):
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW)
    session.commit()
    login_as(world.researcher_wfh)
    response = client.post(f"/review/trials/{trial.id}/approve", data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert message in page
    assert status_of(session, trial) is TrialStatus.IN_REVIEW
    assert slots(session, trial) == 0


@pytest.mark.parametrize(
    ("outcome", "status"),
    [("changes_requested", TrialStatus.CHANGES_REQUESTED), ("rejected", TrialStatus.REJECTED)],
)
def test_sending_back_or_rejecting_records_the_reason(
    client, world, login_as, session, outcome, status
):
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW)
    session.commit()
    login_as(world.researcher_wfh)
    response = client.post(
        f"/review/trials/{trial.id}/return",
        data={"outcome": outcome, "reason": "The outcome range is too narrow."},
    )
    assert response.status_code == 302
    assert status_of(session, trial) is status
    decision = session.scalars(select(ReviewDecision)).one()
    assert decision.comments == "The outcome range is too narrow."
    client.post("/logout")
    login_as(world.company)
    assert "The outcome range is too narrow." in text_of(client.get(f"/proposals/{trial.id}"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "changes_requested", "reason": " "}, "Give the reason"),
        ({"reason": "Unclear"}, "Select whether to send the proposal back or reject it"),
        ({"outcome": "approved", "reason": "Sneaky"}, "Not a valid choice"),
    ],
)
def test_sending_back_without_a_reason_or_outcome_is_refused(
    client, world, login_as, session, data, message
):
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW)
    session.commit()
    login_as(world.researcher_wfh)
    response = client.post(f"/review/trials/{trial.id}/return", data=data)
    assert response.status_code == 422
    assert message in text_of(response)
    assert status_of(session, trial) is TrialStatus.IN_REVIEW
    assert session.scalar(select(func.count()).select_from(ReviewDecision)) == 0


@pytest.mark.parametrize(
    ("status", "action", "data"),
    [
        (TrialStatus.SUBMITTED, "approve", APPROVE_BOTH),
        (TrialStatus.IN_REVIEW, "start", {}),
        (TrialStatus.IN_REVIEW, "open", {}),
        (TrialStatus.APPROVED, "close", {}),
        (TrialStatus.RECRUITING, "return", {"outcome": "rejected", "reason": "Too late"}),
    ],
)
def test_the_state_machine_refuses_illegal_moves(
    client, world, login_as, session, status, action, data
):
    trial = factories.make_trial(session, world, status=status)
    session.commit()
    if action == "approve":
        data = {**data, **factories.approval_form_data(session, trial.id)}
    login_as(world.researcher_wfh)
    response = client.post(f"/review/trials/{trial.id}/{action}", data=data)
    assert response.status_code == 409
    assert status_of(session, trial) is status


REVIEW_URLS = [
    ("get", "/review/trials/{id}"),
    ("post", "/review/trials/{id}/start"),
    ("post", "/review/trials/{id}/approve"),
    ("post", "/review/trials/{id}/return"),
    ("post", "/review/trials/{id}/open"),
    ("post", "/review/trials/{id}/close"),
]


@pytest.mark.parametrize("who", ["participant", "company", "evaluator", "admin"])
@pytest.mark.parametrize(("method", "url"), [("get", "/review/"), *REVIEW_URLS])
def test_review_pages_are_only_for_research_staff(
    client, world, login_as, session, who, method, url
):
    trial = factories.make_trial(session, world, status=TrialStatus.SUBMITTED)
    session.commit()
    login_as(world.participant.user if who == "participant" else getattr(world, who))
    response = getattr(client, method)(url.format(id=trial.id), data=APPROVE_BOTH)
    assert response.status_code == 403
    assert status_of(session, trial) is TrialStatus.SUBMITTED


@pytest.mark.parametrize(("method", "url"), REVIEW_URLS)
def test_staff_at_another_site_cannot_reach_the_proposal(
    client, world, login_as, session, method, url
):
    trial = factories.make_trial(session, world, status=TrialStatus.SUBMITTED, sites=("WFH",))
    session.commit()
    login_as(world.researcher_dor)
    response = getattr(client, method)(url.format(id=trial.id), data=APPROVE_BOTH)
    assert response.status_code == 404
    assert status_of(session, trial) is TrialStatus.SUBMITTED


def test_anonymous_visitors_are_sent_to_sign_in(client, world, session):
    trial = factories.make_trial(session, world, status=TrialStatus.SUBMITTED)
    session.commit()
    response = client.post(f"/review/trials/{trial.id}/start")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert status_of(session, trial) is TrialStatus.SUBMITTED
