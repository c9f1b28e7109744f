"""Every trial state change emails the company's active members through the outbox."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.extensions import db
from livinglab.mail.models import OutboxMessage
from tests import factories
from trials.enrolment.models import Enrolment
from trials.lifecycle import transition
from trials.proposals.models import Trial
from trials.queries import trial_with_details
from trials.review.notifications import WORDS, proposal_link
from trials.review.services import close_recruitment
from trials.states import TrialStatus


def outbox(session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_every_state_has_plain_words():
    assert set(WORDS) == set(TrialStatus)


def test_only_the_proposing_organisations_active_company_users_are_emailed(session, world):
    colleague = factories.make_user(
        session, Role.COMPANY, organisation=world.org, email="colleague@example.test"
    )
    former = factories.make_user(
        session, Role.COMPANY, organisation=world.org, email="former@example.test"
    )
    former.is_active_account = False
    factories.make_trial(session, world, status=TrialStatus.SUBMITTED)
    session.commit()
    submitted = [m for m in outbox(session) if m.subject.startswith("Submitted for review")]
    assert sorted(m.to_address for m in submitted) == [colleague.email, world.company.email]
    assert not any(m.to_address == world.other_company.email for m in outbox(session))
    assert not any(m.to_address == world.researcher_wfh.email for m in outbox(session))


def test_changes_requested_email_gives_the_reason_and_a_link(client, world, login_as, session):
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW)
    session.commit()
    login_as(world.researcher_wfh)
    before = len(outbox(session))
    response = client.post(
        f"/review/trials/{trial.id}/return",
        data={"outcome": "changes_requested", "reason": "Widen the outcome range to 180 s."},
    )
    assert response.status_code == 302
    (email,) = outbox(session)[before:]
    assert email.to_address == world.company.email
    assert email.subject == "Changes requested: Steady feet trial"
    assert "asked for changes" in email.body_text
    assert "What needs to change:\nWiden the outcome range to 180 s." in email.body_text
    assert f"http://localhost/proposals/{trial.id}" in email.body_text


@pytest.mark.parametrize(
    ("status", "subject", "words"),
    [
        (TrialStatus.IN_REVIEW, "In review", "started to review"),
        (TrialStatus.APPROVED, "Approved", "Comments from the reviewers:\nFine."),
        (TrialStatus.RECRUITING, "Recruitment open", "residents can now find the trial"),
        (TrialStatus.FOLLOW_UP, "Recruitment closed", "now in follow-up"),
    ],
)
def test_each_step_of_the_review_is_emailed(session, world, status, subject, words):
    trial = factories.make_trial(session, world, status=status)
    session.commit()
    email = outbox(session)[-1]
    assert email.subject == f"{subject}: Steady feet trial"
    assert words in email.body_text
    assert f"/proposals/{trial.id}" in email.body_text


def test_a_refused_change_sends_nothing(client, world, login_as, session):
    trial = factories.make_trial(session, world, status=TrialStatus.APPROVED)
    session.commit()
    login_as(world.researcher_wfh)
    before = len(outbox(session))
    assert client.post(f"/review/trials/{trial.id}/open").status_code == 409  # no ethics yet
    assert len(outbox(session)) == before


def test_the_email_is_part_of_the_change_and_rolls_back_with_it(session, world):
    trial = factories.make_trial(session, world)
    session.commit()
    trial = factories.reload_trial(session, trial.id)
    transition(session, trial, TrialStatus.SUBMITTED, actor=world.company)
    assert outbox(session)
    session.rollback()
    assert outbox(session) == []


def test_no_participant_data_goes_into_the_emails(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    enrolment = factories.randomised(session, world, trial, world.participant)
    close_recruitment(session, trial, actor=world.researcher_wfh)
    session.commit()
    participant = world.participant
    codes = set(session.scalars(select(Enrolment.participant_code)))
    assert enrolment.participant_code in codes
    for email in outbox(session):
        text = email.subject + email.body_text
        assert participant.user.full_name not in text
        assert participant.user.email not in text
        assert participant.postcode not in text
        assert not any(code in text for code in codes)


def test_emails_are_written_outside_a_request_too(app, session, world):
    """The demo loader and CLI commands change trials without a request: the email still
    goes out, naming the page by its path."""
    trial = factories.make_trial(session, world)
    session.commit()
    trial_id, company_id, before = trial.id, world.company.id, len(outbox(session))
    session.commit()  # release SQLite's write lock for the other thread
    failures: list[BaseException] = []

    def submit() -> None:
        with app.app_context():
            try:
                company = db.session.get(User, company_id)
                loaded = db.session.scalars(trial_with_details().where(Trial.id == trial_id)).one()
                transition(db.session, loaded, TrialStatus.SUBMITTED, actor=company)
                db.session.commit()
            except BaseException as error:  # reported to the test thread below
                failures.append(error)
            finally:
                db.session.remove()

    thread = threading.Thread(target=submit)
    thread.start()
    thread.join()
    assert failures == []
    session.expire_all()
    (email,) = outbox(session)[before:]
    assert f"\n/proposals/{trial_id}\n" in email.body_text
    assert proposal_link(trial_id) == f"http://localhost/proposals/{trial_id}"
