"""The participant's PDF copy of their signed consent."""

from __future__ import annotations

import pytest

from tests import factories
from trials.consent.copy import consent_copy_html
from trials.consent.models import Consent
from trials.states import TrialStatus


@pytest.fixture
def signed(session, world) -> Consent:
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    enrolment = factories.consent(session, trial, world.participant)
    session.commit()
    return session.query(Consent).filter_by(trial_id=enrolment.trial_id).one()


def test_the_participant_downloads_a_pdf_of_their_consent(client, world, login_as, signed):
    login_as(world.participant.user)
    page = client.get(f"/my-trials/consents/{signed.id}").get_data(as_text=True)
    assert f"/my-trials/consents/{signed.id}/copy.pdf" in page
    response = client.get(f"/my-trials/consents/{signed.id}/copy.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert f'filename="consent-{signed.reference}.pdf"' in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"


def test_the_pdf_holds_the_version_answers_name_and_time(app, session, world, signed):
    with app.test_request_context():
        html = consent_copy_html(
            consent=signed,
            trial=factories.reload_trial(session, signed.trial_id),
            enrolment=None,
            answers=[(s, True) for s in signed.consent_form.statements],
        )
    assert signed.reference in html
    assert "Jo Resident" in html
    assert "Consent form version</dt><dd>1" in html
    assert "I agree to take part in this trial." in html
    assert "UTC, server time" in html


def test_another_participant_cannot_download_the_copy(client, session, login_as, signed):
    other = factories.make_participant(session, full_name="Sam Other")
    session.commit()
    login_as(other.user)
    assert client.get(f"/my-trials/consents/{signed.id}/copy.pdf").status_code == 404


@pytest.mark.parametrize("who", ["company", "researcher_wfh", "evaluator", "admin"])
def test_staff_cannot_download_a_participants_copy(client, world, login_as, signed, who):
    login_as(getattr(world, who))
    assert client.get(f"/my-trials/consents/{signed.id}/copy.pdf").status_code == 403
