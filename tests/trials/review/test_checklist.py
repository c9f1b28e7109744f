"""The review checklist: rated by site staff during review, and required before approval."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.accounts.roles import Role
from livinglab.audit.models import AuditEvent
from livinglab.errors import IllegalTransition, InvalidInput
from tests import factories
from tests.pages import text_of
from trials.randomisation.models import AllocationSlot
from trials.review.checklist import CHECKLIST, Rating, rate_checklist
from trials.review.comments import add_comment
from trials.review.models import ChecklistRating, ReviewAssessment
from trials.review.services import approve_trial
from trials.states import TrialStatus

APPROVE = {"approve_wfh": "y", "target_wfh": "20", "approve_dor": "y", "target_dor": "10"}


def rated_events(session) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "review.checklist_rated")
            .order_by(AuditEvent.id)
        )
    )


def in_review(session, world, **kwargs):
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW, **kwargs)
    session.commit()
    return factories.reload_trial(session, trial.id)


def test_a_researcher_rates_the_checklist_and_each_change_is_audited(
    client, world, login_as, session
):
    trial = in_review(session, world)
    login_as(world.researcher_wfh)
    page = text_of(client.get(f"/review/trials/{trial.id}/checklist"))
    assert all(item.label in page for item in CHECKLIST)

    response = client.post(
        f"/review/trials/{trial.id}/checklist", data=factories.checklist_form_data()
    )
    assert response.status_code == 302
    assert factories.count_rows(session, ReviewAssessment) == 6
    events = rated_events(session)
    assert len(events) == 6
    assert events[0].old_value is None
    assert events[0].new_value == {"item": "scientific_value", "rating": "satisfied", "note": ""}

    response = client.post(
        f"/review/trials/{trial.id}/checklist",
        data=factories.checklist_form_data(
            participant_burden_rating="concerns",
            participant_burden_note="Four visits in twelve weeks is a lot for people over 80.",
        ),
    )
    assert response.status_code == 302
    events = rated_events(session)
    assert len(events) == 7  # only the changed item
    assert events[-1].old_value["rating"] == "satisfied"
    assert events[-1].new_value["rating"] == "concerns"
    detail = text_of(client.get(f"/review/trials/{trial.id}"))
    assert "Participant burden Some concerns Four visits in twelve weeks" in detail


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"scientific_value_rating": "concerns", "scientific_value_note": ""},
            "Say what the concern about scientific value is",
        ),
        (
            {"data_protection_rating": "", "data_protection_note": "Check the DPIA"},
            "Select a rating for data protection to save its note",
        ),
        ({"ics_fit_rating": "excellent"}, "Not a valid choice"),
        (
            {"site_feasibility_note": "x" * 2001},
            "The note on feasibility at the site must be 2000 characters or fewer",
        ),
    ],
)
def test_bad_checklist_input_is_refused_and_nothing_is_saved(
    client, world, login_as, session, changes, message
):
    trial = in_review(session, world)
    login_as(world.researcher_wfh)
    response = client.post(
        f"/review/trials/{trial.id}/checklist", data=factories.checklist_form_data(**changes)
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count(message) == 2  # in the summary and by the field
    assert factories.count_rows(session, ReviewAssessment) == 0
    assert rated_events(session) == []


def test_approval_is_refused_until_every_item_is_rated(client, world, login_as, session):
    trial = in_review(session, world)
    login_as(world.researcher_wfh)
    client.post(
        f"/review/trials/{trial.id}/checklist",
        data={"scientific_value_rating": "satisfied", "ics_fit_rating": "satisfied"},
    )
    response = client.post(
        f"/review/trials/{trial.id}/approve",
        data={**APPROVE, **factories.approval_form_data(session, trial.id)},
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert "Rate every item on the review checklist" in page
    assert "Not rated yet: Feasibility at the site, Participant burden" in page
    assert factories.reload_trial(session, trial.id).status is TrialStatus.IN_REVIEW
    assert factories.count_rows(session, AllocationSlot) == 0


def test_approval_is_refused_while_an_item_is_not_met(client, world, login_as, session):
    trial = in_review(session, world)
    login_as(world.researcher_wfh)
    client.post(
        f"/review/trials/{trial.id}/checklist",
        data=factories.checklist_form_data(
            data_protection_rating="not_met", data_protection_note="No lawful basis given."
        ),
    )
    response = client.post(
        f"/review/trials/{trial.id}/approve",
        data={**APPROVE, **factories.approval_form_data(session, trial.id)},
    )
    assert response.status_code == 422
    assert "Rated not met: Data protection." in text_of(response)
    assert factories.reload_trial(session, trial.id).status is TrialStatus.IN_REVIEW


def test_concerns_do_not_stop_approval(client, world, login_as, session):
    trial = in_review(session, world)
    login_as(world.researcher_wfh)
    client.post(
        f"/review/trials/{trial.id}/checklist",
        data=factories.checklist_form_data(
            ics_fit_rating="concerns", ics_fit_note="Outcome 4 only loosely."
        ),
    )
    assert (
        client.post(
            f"/review/trials/{trial.id}/approve",
            data={**APPROVE, **factories.approval_form_data(session, trial.id)},
        ).status_code
        == 302
    )
    assert factories.reload_trial(session, trial.id).status is TrialStatus.APPROVED


def test_the_service_refuses_approval_with_the_checklist_field(session, world):
    trial = in_review(session, world)
    with pytest.raises(InvalidInput) as refused:
        approve_trial(
            session, trial, actor=world.researcher_wfh, site_targets={world.wfh.id: 5}, comments=""
        )
    assert refused.value.field == "checklist"


def test_the_checklist_is_read_only_once_the_proposal_is_decided(client, world, login_as, session):
    trial = factories.make_trial(session, world, status=TrialStatus.APPROVED)
    session.commit()
    login_as(world.researcher_wfh)
    page = text_of(client.get(f"/review/trials/{trial.id}/checklist"))
    assert "can be changed only while the proposal is submitted or in review" in page
    assert "Scientific value Satisfied" in page
    response = client.post(
        f"/review/trials/{trial.id}/checklist",
        data=factories.checklist_form_data("concerns"),
    )
    assert response.status_code == 409
    assert {a.rating for a in session.scalars(select(ReviewAssessment))} == {
        ChecklistRating.SATISFIED
    }


def test_the_service_refuses_ratings_outside_review(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    with pytest.raises(IllegalTransition):
        rate_checklist(
            session,
            trial,
            actor=world.researcher_wfh,
            ratings={"ics_fit": Rating(ChecklistRating.NOT_MET, "No.")},
        )


CHECKLIST_URLS = [
    ("get", "/review/trials/{id}/checklist"),
    ("post", "/review/trials/{id}/checklist"),
]


@pytest.mark.parametrize("who", ["company", "participant", "evaluator", "admin"])
@pytest.mark.parametrize(("method", "url"), CHECKLIST_URLS)
def test_the_checklist_is_for_research_staff_only(
    client, world, login_as, session, who, method, url
):
    trial = in_review(session, world)
    login_as(world.participant.user if who == "participant" else getattr(world, who))
    response = getattr(client, method)(
        url.format(id=trial.id), data=factories.checklist_form_data()
    )
    assert response.status_code == 403
    assert factories.count_rows(session, ReviewAssessment) == 0


@pytest.mark.parametrize(("method", "url"), CHECKLIST_URLS)
def test_staff_at_another_site_cannot_rate(client, world, login_as, session, method, url):
    trial = in_review(session, world, sites=("WFH",))
    login_as(world.researcher_dor)
    response = getattr(client, method)(
        url.format(id=trial.id), data=factories.checklist_form_data()
    )
    assert response.status_code == 404
    assert factories.count_rows(session, ReviewAssessment) == 0


def test_the_review_page_makes_the_same_queries_however_much_is_recorded(
    client, world, login_as, session, count_queries
):
    trial = in_review(session, world)
    login_as(world.researcher_wfh)
    trial = factories.reload_trial(session, trial.id)
    other = factories.make_user(session, Role.RESEARCHER, sites=[world.wfh])

    def comment(n: int, author) -> None:
        add_comment(session, trial, actor=author, body=f"Note {n}", is_internal=n % 2 == 0)

    def queries() -> int:
        session.commit()  # the same starting point each time: every loaded row expired
        with count_queries() as statements:
            assert client.get(f"/review/trials/{trial.id}").status_code == 200
        # Reads only: SQLite's BEGIN IMMEDIATE depends on the test's own transaction.
        return sum(s.lstrip().upper().startswith("SELECT") for s in statements)

    rate_checklist(
        session,
        trial,
        actor=world.researcher_wfh,
        ratings={"ics_fit": Rating(ChecklistRating.SATISFIED)},
    )
    comment(0, world.researcher_wfh)
    session.commit()
    before = queries()
    trial = factories.reload_trial(session, trial.id)
    rate_checklist(
        session,
        trial,
        actor=other,
        ratings={item.code: Rating(ChecklistRating.SATISFIED, "Fine.") for item in CHECKLIST},
    )
    for n in range(1, 9):
        comment(n, other if n % 3 else world.researcher_wfh)
    session.commit()
    assert queries() == before
