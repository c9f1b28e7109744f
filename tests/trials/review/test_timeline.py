"""Trial timelines from the audit trail: everything for site staff, a safe list for the company."""

from __future__ import annotations

import pytest
from flask import render_template
from sqlalchemy import select

from livinglab.accounts.roles import Role
from livinglab.audit.models import AuditEvent
from tests import factories
from tests.pages import text_of
from trials.enrolment.models import Enrolment
from trials.proposals.services import submit_proposal
from trials.review.comments import add_comment
from trials.review.services import approve_trial, open_recruitment, request_changes, start_review
from trials.review.timeline import company_timeline
from trials.states import TrialStatus

NOTE = "Internal: check the sponsor's insurance certificate."
COMMENT = "Thank you: the revised schedule works for us."


@pytest.fixture
def history(session, world):
    """A trial sent back once, then approved and recruiting, with one randomised participant."""
    reviewer = factories.make_user(
        session, Role.RESEARCHER, sites=[world.wfh], full_name="Robin Reviewer"
    )
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW)
    request_changes(session, trial, actor=reviewer, reason="Add a 12-month follow-up visit.")
    submit_proposal(session, trial, actor=world.company)
    start_review(session, trial, actor=reviewer)
    factories.rate_checklist_satisfied(session, trial, reviewer)
    add_comment(session, trial, actor=reviewer, body=NOTE, is_internal=True)
    add_comment(session, trial, actor=reviewer, body=COMMENT, is_internal=False)
    approve_trial(
        session,
        trial,
        actor=reviewer,
        site_targets={world.wfh.id: 20},
        comments="Go ahead.",
        seed=1,
    )
    factories.record_ethics_approval(session, trial, reviewer)
    open_recruitment(session, trial, actor=reviewer)
    factories.randomised(session, world, trial, world.participant)
    session.commit()
    return trial


def test_staff_see_every_event_with_who_did_it(client, world, login_as, session, history):
    login_as(world.researcher_wfh)
    response = client.get(f"/review/trials/{history.id}/timeline")
    assert response.status_code == 200
    page = text_of(response)
    for text in (
        "Robin Reviewer Status changed to changes requested Add a 12-month follow-up visit.",
        "Checklist: Scientific value rated satisfied (was not rated)",
        f"Internal note added (staff only) {NOTE}",
        "Concealed allocation list generated",
        "Ethics references recorded: IRAS ID 1234567, REC reference 24/SC/0123, approved on "
        "1 March 2024",
        "A participant A participant gave consent",
        "A participant was randomised",
        "Test User Proposal drafted",
    ):
        assert text in page
    assert world.participant.user.full_name not in page
    events = session.scalars(select(AuditEvent).where(AuditEvent.trial_id == history.id)).all()
    assert f"{len(events)} events" in page


def test_the_staff_timeline_is_paginated(app, client, world, login_as, session, history):
    app.config["PAGE_SIZE"] = 5
    login_as(world.researcher_wfh)
    response = client.get(f"/review/trials/{history.id}/timeline")
    first = text_of(response)
    second = text_of(client.get(f"/review/trials/{history.id}/timeline?page=2"))
    assert "A participant was randomised" in first
    assert "A participant was randomised" not in second
    assert f'href="/review/trials/{history.id}/timeline?page=2"' in response.get_data(as_text=True)


def test_the_staff_timeline_makes_the_same_queries_however_long_it_is(
    client, world, login_as, session, count_queries, history
):
    login_as(world.researcher_wfh)
    trial = factories.reload_trial(session, history.id)

    def queries() -> int:
        session.commit()  # the same starting point each time: every loaded row expired
        with count_queries() as statements:
            assert client.get(f"/review/trials/{trial.id}/timeline").status_code == 200
        # Reads only: SQLite's BEGIN IMMEDIATE depends on the test's own transaction.
        return sum(s.lstrip().upper().startswith("SELECT") for s in statements)

    before = queries()
    trial = factories.reload_trial(session, history.id)
    for n in range(6):
        participant = factories.make_participant(session, full_name=f"Resident {n}")
        factories.randomised(session, world, trial, participant)
    session.commit()
    assert queries() == before


def test_the_company_timeline_holds_state_changes_and_comments_only(session, world, history):
    entries = company_timeline(session, history.id)
    titles = [entry.title for entry in entries]
    assert titles == [
        "Proposal drafted",
        "Submitted for review",
        "In review",
        "Changes requested",
        "Submitted for review",
        "In review",
        "Comment from research staff",
        "Approved",
        "Recruitment open",
    ]
    texts = {entry.title: entry.text for entry in entries}
    assert texts["Changes requested"] == "Add a 12-month follow-up visit."
    assert texts["Comment from research staff"] == COMMENT
    assert texts["Approved"] == "Go ahead."
    everything = " ".join(entry.title + " " + entry.text for entry in entries)
    code = session.scalar(select(Enrolment.participant_code))
    for hidden in (NOTE, "consent", "randomised", "allocation", "Checklist", "IRAS", code):
        assert hidden not in everything


def test_the_company_timeline_partial_renders_it(session, world, history):
    html = render_template(
        "review/_company_timeline.html", company_timeline=company_timeline(session, history.id)
    )
    assert "Changes requested" in html
    assert "Add a 12-month follow-up visit." in html
    assert NOTE not in html


@pytest.mark.parametrize("who", ["company", "participant", "evaluator"])
def test_the_staff_timeline_is_for_research_staff_only(
    client, world, login_as, session, history, who
):
    login_as(world.participant.user if who == "participant" else getattr(world, who))
    assert client.get(f"/review/trials/{history.id}/timeline").status_code == 403


def test_staff_at_another_site_cannot_read_the_timeline(client, world, login_as, session):
    trial = factories.make_trial(session, world, status=TrialStatus.SUBMITTED, sites=("WFH",))
    session.commit()
    login_as(world.researcher_dor)
    assert client.get(f"/review/trials/{trial.id}/timeline").status_code == 404
