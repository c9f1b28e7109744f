"""Reviewers prepare version 1 of the consent form while the proposal is in review."""

from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import login
from tests.trials.review.test_approval import SITES
from trials.consent.services import current_consent_form
from trials.consent.versions import draft_of
from trials.states import TrialStatus

SHEET = "Reviewed wording.\r\n\r\nYou will wear the sensor on your ankle for 12 weeks."


@pytest.fixture
def trial(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW)
    factories.rate_checklist_satisfied(session, trial, world.researcher_wfh)
    session.commit()
    return factories.reload_trial(session, trial.id)


def sheet_url(session, trial) -> str:
    draft = draft_of(session, trial.id)
    return f"/trials/{trial.id}/consent-forms/{draft.id}/information"


def test_a_reviewer_edits_version_1_and_approves_the_trial_with_it(client, session, world, trial):
    url = sheet_url(session, trial)
    login(client, world.researcher_wfh)
    assert client.post(url, data={"information_sheet": SHEET}).status_code == 302
    data = {**SITES, **factories.approval_form_data(session, trial.id)}
    assert client.post(f"/review/trials/{trial.id}/approve", data=data).status_code == 302

    session.expire_all()
    approved = current_consent_form(session, trial.id)
    assert approved.version == 1
    assert approved.information_sheet == SHEET.replace("\r\n", "\n")


def test_only_reviewers_at_the_requested_sites_may_edit_it(app, session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW, sites=("WFH",))
    session.commit()
    url = sheet_url(session, trial)
    for user, status in ((world.researcher_dor, 404), (world.company, 403)):
        client = app.test_client()
        login(client, user)
        response = client.post(url, data={"information_sheet": SHEET})
        assert response.status_code == status, user.email
    session.expire_all()
    assert "Reviewed wording" not in draft_of(session, trial.id).information_sheet


def test_before_the_review_starts_version_1_cannot_be_edited(client, session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.SUBMITTED)
    session.commit()
    login(client, world.researcher_wfh)
    response = client.post(sheet_url(session, trial), data={"information_sheet": SHEET})
    assert response.status_code == 403
    assert "Reviewed wording" not in draft_of(session, trial.id).information_sheet
