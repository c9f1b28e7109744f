"""The participant's pages after a new version: My trials notices, re-consent and decline."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from tests import factories
from tests.factories import count_rows as count
from tests.pages import text_of
from tests.trials.consent.version_helpers import (
    MAJOR,
    MINOR,
    NEW_RISK,
    new_version,
    running_trial,
)
from trials.consent.models import Consent, ConsentKind, WithdrawalScope
from trials.consent.services import latest_consent
from trials.enrolment.models import Enrolment, EnrolmentStatus


def counts(session) -> tuple[int, int, int]:
    return count(session, Consent), count(session, Enrolment), count(session, AuditEvent)


@pytest.fixture
def trial(session, world):
    return running_trial(session, world)


@pytest.fixture
def enrolment(session, world, trial) -> Enrolment:
    enrolment = factories.consent(session, trial, world.participant)
    session.commit()
    return enrolment


@pytest.fixture
def major(session, world, trial, enrolment):
    return new_version(session, world, trial, MAJOR, NEW_RISK)


@pytest.fixture
def jo(client, world, login_as):
    return login_as(world.participant.user)


def sign_data(session, trial, **overrides: str | None) -> dict[str, str]:
    """A complete, confirmed re-consent from "check your answers" (no site: it is kept)."""
    data = factories.consent_form_data(session, trial.id, 0, "Jo Resident", **overrides)
    data.pop("site_id")
    return data


def url(trial, path: str = "reconsent") -> str:
    return f"/my-trials/{trial.id}/{path}"


# My trials -------------------------------------------------------------------------------


def test_my_trials_tells_of_a_minor_change_with_a_link_to_read_it(
    client, session, world, trial, enrolment, jo
):
    new_version(session, world, trial, MINOR, "We corrected the phone number.")
    response = client.get("/my-trials/")
    page = text_of(response)
    assert (
        "The information about this trial was updated (version 2): We corrected the phone number."
        in page
    )
    assert "agree again" not in page
    assert f'href="{url(trial, "information")}"' in response.get_data(as_text=True)
    information = text_of(client.get(url(trial, "information")))
    assert "We corrected the phone number." in information
    assert "There is nothing you need to do." in information


def test_my_trials_asks_for_re_consent_after_a_major_change(client, trial, major, jo):
    response = client.get("/my-trials/")
    assert "You need to read the new information and agree again" in text_of(response)
    assert f'href="{url(trial)}"' in response.get_data(as_text=True)


def test_my_trials_says_nothing_when_nothing_changed(client, enrolment, jo):
    page = text_of(client.get("/my-trials/"))
    assert "agree again" not in page and "was updated" not in page


def test_my_trials_uses_a_bounded_number_of_queries(client, session, world, jo, count_queries):
    sizes = []
    for trials in (1, 3):
        for _ in range(trials):
            trial = running_trial(session, world)
            factories.consent(session, trial, world.participant)
            session.commit()
            new_version(session, world, trial, MAJOR)
        with count_queries() as statements:
            assert client.get("/my-trials/").status_code == 200
        sizes.append(len(statements))
    assert sizes[0] == sizes[1] <= 12


# Re-consenting ---------------------------------------------------------------------------


def test_the_re_consent_page_shows_what_changed_and_the_new_form(client, trial, major, jo):
    response = client.get(url(trial))
    assert response.status_code == 200
    page = text_of(response)
    html = response.get_data(as_text=True)
    assert "What has changed" in page and NEW_RISK in page
    assert "Consent form version 2" in page
    assert "I agree to take part in this trial." in page
    assert "checked" not in html.split("Do you agree?")[1].split("Sign the new consent form")[0]
    assert "Where would you like to take part?" not in page  # the site is kept
    assert f'href="{url(trial, "reconsent/decline")}"' in html


def test_re_consenting_checks_answers_then_shows_the_copy(
    client, session, world, trial, enrolment, major, jo
):
    check = client.post(url(trial), data=sign_data(session, trial, confirmed=None))
    assert check.status_code == 200
    assert "Check your answers before you sign" in text_of(check)
    assert count(session, Consent) == 1
    back = client.post(url(trial), data=sign_data(session, trial, confirmed=None, change="yes"))
    assert "Read the new information and agree again" in text_of(back)
    response = client.post(url(trial), data=sign_data(session, trial))
    assert response.status_code == 302
    consent = latest_consent(session, world.participant.id, trial.id)
    assert consent.kind is ConsentKind.CONSENT and consent.consent_form_id == major.id
    assert response.headers["Location"] == f"/my-trials/consents/{consent.id}"
    copy = text_of(client.get(response.headers["Location"]))
    assert "You have agreed to version 2" in copy and consent.reference in copy
    assert count(session, Enrolment) == 1
    assert session.get(Enrolment, enrolment.id).status is EnrolmentStatus.CONSENTED
    assert "agree again" not in text_of(client.get("/my-trials/"))
    # Nothing left to agree to.
    again = client.get(url(trial))
    assert again.status_code == 302 and again.headers["Location"] == "/my-trials/"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("statement", "You must agree to this statement to take part"),
        ("question", "That is not right."),
        ("no_answer", "Select an answer"),
        ("typed_name", "Type your full name exactly as it appears on your account"),
        ("no_name", "Type your full name to sign the consent form"),
    ],
)
def test_a_bad_re_consent_is_refused_by_the_field_and_nothing_is_written(
    client, session, world, trial, major, jo, change, message
):
    data = sign_data(session, trial)
    statement = major.statements[0]
    question = major.questions[1]
    if change == "statement":
        data.pop(f"statement_{statement.id}")
    elif change == "question":
        data[f"question_{question.id}"] = "0"
    elif change == "no_answer":
        data.pop(f"question_{question.id}")
    elif change == "typed_name":
        data["typed_name"] = "Somebody Else"
    else:
        data["typed_name"] = ""
    before = counts(session)
    response = client.post(url(trial), data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count(message) >= 2  # the error summary and the field
    assert counts(session) == before


def test_nothing_to_agree_to_after_a_minor_change(client, session, world, trial, enrolment, jo):
    new_version(session, world, trial, MINOR, "Typo.")
    before = counts(session)
    for method in ("get", "post"):
        response = getattr(client, method)(url(trial), data=sign_data(session, trial))
        assert response.status_code == 302 and response.headers["Location"] == "/my-trials/"
    assert "You do not need to agree to this trial" in text_of(client.get("/my-trials/"))
    assert counts(session) == before


# Declining -------------------------------------------------------------------------------


def test_declining_explains_what_happens_then_stops_taking_part(
    client, session, world, trial, enrolment, major, jo
):
    page = text_of(client.get(url(trial, "reconsent/decline")))
    assert "Are you sure you do not want to carry on?" in page
    assert "information already collected is kept" in page
    assert "left out of the trial results" in page
    response = client.post(url(trial, "reconsent/decline"), data={"reason": ""})
    assert response.status_code == 302 and response.headers["Location"] == "/my-trials/"
    withdrawal = latest_consent(session, world.participant.id, trial.id)
    assert withdrawal.kind is ConsentKind.WITHDRAWAL
    assert withdrawal.withdrawal_scope is WithdrawalScope.STOP_TAKING_PART
    assert withdrawal.consent_form_id == major.id
    assert session.get(Enrolment, enrolment.id).status is EnrolmentStatus.WITHDRAWN
    assert session.scalar(
        select(AuditEvent).where(AuditEvent.action == "consent.reconsent_declined")
    )
    my_trials = text_of(client.get("/my-trials/"))
    assert "You have stopped taking part in Steady feet trial" in my_trials
    assert "agree again" not in my_trials
    assert client.get(url(trial)).status_code == 302


def test_a_too_long_reason_is_refused(client, session, trial, major, jo):
    before = counts(session)
    response = client.post(url(trial, "reconsent/decline"), data={"reason": "x" * 1001})
    assert response.status_code == 422
    assert text_of(response).count("Reason must be 1,000 characters or fewer") == 2
    assert counts(session) == before


# Who may open these pages ----------------------------------------------------------------

PATHS = [
    ("get", "reconsent"),
    ("post", "reconsent"),
    ("get", "reconsent/decline"),
    ("post", "reconsent/decline"),
    ("get", "information"),
]


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_another_participant_finds_nothing(
    client, session, world, login_as, trial, major, method, path
):
    other = factories.make_participant(session, full_name="Sam Other")
    session.commit()
    login_as(other.user)
    before = counts(session)
    response = getattr(client, method)(url(trial, path), data=sign_data(session, trial))
    assert response.status_code == 404
    assert counts(session) == before


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_an_unknown_trial_is_not_found(client, world, jo, method, path):
    assert getattr(client, method)(f"/my-trials/999999/{path}").status_code == 404


@pytest.mark.parametrize("who", ["researcher_wfh", "company", "admin"])
@pytest.mark.parametrize(("method", "path"), PATHS)
def test_staff_and_companies_are_forbidden(
    client, session, world, login_as, trial, major, who, method, path
):
    login_as(getattr(world, who))
    before = counts(session)
    assert getattr(client, method)(url(trial, path), data={}).status_code == 403
    assert counts(session) == before


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_anonymous_users_are_sent_to_sign_in(client, trial, major, method, path):
    response = getattr(client, method)(url(trial, path))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
