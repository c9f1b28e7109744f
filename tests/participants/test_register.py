"""Residents joining the volunteer registry, over HTTP."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.audit.models import AuditEvent
from livinglab.participants.models import Participant, Sex
from tests import factories
from tests.factories import count_rows as count
from tests.pages import text_of

TODAY = dt.datetime.now(dt.UTC).date()


def valid_data(**overrides: str) -> dict[str, str]:
    data = {
        "full_name": "Pat Example",
        "email": "Pat.Example@example.test",
        "password": "correct horse battery",
        "confirm_password": "correct horse battery",
        "date_of_birth-day": "15",
        "date_of_birth-month": "3",
        "date_of_birth-year": "1964",
        "sex": "female",
        "postcode": "bh8  8dl",
        "contact_method": "email",
        "registry_opt_in": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def signed_in(client) -> bool:
    return client.get("/my-trials/").status_code == 200


# The page ----------------------------------------------------------------------------


def test_the_form_is_shown_to_anyone(client, app):
    response = client.get("/register")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert html.count("<h1") == 1
    assert "<title>Join the volunteer registry – Dorset Living Lab</title>" in html
    for label in (
        "Full name",
        "Email address",
        "Create a password",
        "Type your password again",
        "Date of birth",
        "Sex",
        "Postcode",
        "Contact me about studies I might be able to join",
    ):
        assert label in page
    for sex in Sex:
        assert f'value="{sex.value}"' in html
        assert sex.label in page
    assert 'autocomplete="bday-day"' in html
    assert 'autocomplete="new-password"' in html
    assert "nhsuk-error-summary" not in html
    # Nothing is pre-ticked or pre-selected.
    assert "checked" not in html


def test_a_signed_in_user_is_sent_to_the_dashboard(client, world, login_as):
    login_as(world.participant.user)
    response = client.get("/register")
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


# Joining -----------------------------------------------------------------------------


def test_joining_creates_the_participant_signs_in_and_goes_to_the_trial_finder(client, session):
    users, events = count(session, User), count(session, AuditEvent)
    response = client.post("/register", data=valid_data())
    assert response.status_code == 302
    assert response.headers["Location"] == "/trials/"
    participant = session.scalars(select(Participant)).one()
    assert participant.user.email == "pat.example@example.test"
    assert participant.user.full_name == "Pat Example"
    assert participant.user.roles == {Role.PARTICIPANT}
    assert participant.date_of_birth == dt.date(1964, 3, 15)
    assert participant.sex is Sex.FEMALE
    assert participant.postcode == "BH8 8DL"
    assert participant.registry_opt_in is True
    assert count(session, User) == users + 1
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"account.created", "participant.registered"} <= actions
    assert count(session, AuditEvent) > events
    finder = client.get("/trials/")
    assert "You have joined the Dorset Living Lab volunteer registry." in text_of(finder)
    assert signed_in(client)


def test_the_registry_opt_in_is_a_free_choice(client, session):
    response = client.post("/register", data=valid_data(registry_opt_in=None))
    assert response.status_code == 302
    assert session.scalars(select(Participant)).one().registry_opt_in is False


# Bad input ---------------------------------------------------------------------------

UNDER_18 = TODAY.replace(year=TODAY.year - 17, month=1, day=1)
NEXT_YEAR = str(TODAY.year + 1)

BAD_INPUT = {
    "no name": ({"full_name": ""}, "Enter your full name", "#full_name"),
    "no email": ({"email": ""}, "Enter your email address", "#email"),
    "malformed email": (
        {"email": "pat.example.test"},
        "Enter an email address in the correct format, like name@example.com",
        "#email",
    ),
    "no password": (
        {"password": "", "confirm_password": ""},
        "Enter a password",
        "#password",
    ),
    "short password": (
        {"password": "short-pw-1", "confirm_password": "short-pw-1"},
        "Password must be 12 characters or more",
        "#password",
    ),
    "passwords differ": (
        {"confirm_password": "something else entirely"},
        "The passwords do not match",
        "#confirm_password",
    ),
    "no date of birth": (
        {"date_of_birth-day": "", "date_of_birth-month": "", "date_of_birth-year": ""},
        "Enter your date of birth",
        "#date_of_birth-day",
    ),
    "date of birth without a month": (
        {"date_of_birth-month": ""},
        "Date of birth must include a month",
        "#date_of_birth-month",
    ),
    "impossible date of birth": (
        {"date_of_birth-day": "31", "date_of_birth-month": "2"},
        "Date of birth must be a real date",
        "#date_of_birth-day",
    ),
    "date of birth in the future": (
        {"date_of_birth-year": NEXT_YEAR},
        "Date of birth must be in the past",
        "#date_of_birth-day",
    ),
    "under 18": (
        {
            "date_of_birth-day": str(UNDER_18.day),
            "date_of_birth-month": str(UNDER_18.month),
            "date_of_birth-year": str(UNDER_18.year),
        },
        "You must be 18 or older to join the registry",
        "#date_of_birth-day",
    ),
    "no sex": ({"sex": None}, "Select your sex, or prefer not to say", "#sex"),
    "unknown sex": ({"sex": "other"}, "Select your sex, or prefer not to say", "#sex"),
    "no postcode": ({"postcode": ""}, "Enter your postcode", "#postcode"),
    "not a postcode": ({"postcode": "BH"}, "Enter a real postcode, like BH8 8DL", "#postcode"),
    "postcode outside Dorset": (
        {"postcode": "SW1A 1AA"},
        "Enter a Dorset postcode: the registry is for people living in BH or DT postcodes",
        "#postcode",
    ),
}


@pytest.mark.parametrize(("overrides", "message", "href"), BAD_INPUT.values(), ids=BAD_INPUT)
def test_bad_input_is_refused_with_a_message_and_nothing_is_written(
    client, session, overrides, message, href
):
    before = (count(session, User), count(session, Participant), count(session, AuditEvent))
    response = client.post("/register", data=valid_data(**overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "nhsuk-error-summary" in html
    assert "<title>Error: Join the volunteer registry" in html
    # In the error summary (linked to the field) and next to the field.
    assert f'href="{href}"' in html
    assert text_of(response).count(message) == 2
    after = (count(session, User), count(session, Participant), count(session, AuditEvent))
    assert after == before
    assert not signed_in(client)


def test_everything_missing_lists_every_problem(client, session):
    response = client.post("/register", data={})
    assert response.status_code == 422
    page = text_of(response)
    for message in (
        "Enter your full name",
        "Enter your email address",
        "Enter a password",
        "Type your password again",
        "Enter your date of birth",
        "Select your sex, or prefer not to say",
        "Enter your postcode",
        "Select how you would like us to contact you",
    ):
        assert message in page
    assert count(session, Participant) == 0


def test_an_email_already_registered_is_refused(client, session, world):
    factories.make_user(session, Role.RESEARCHER, email="taken@example.test")
    session.commit()
    before = (count(session, User), count(session, Participant), count(session, AuditEvent))
    response = client.post("/register", data=valid_data(email="Taken@Example.test"))
    assert response.status_code == 422
    assert text_of(response).count("An account with this email address already exists") == 2
    assert 'href="#email"' in response.get_data(as_text=True)
    after = (count(session, User), count(session, Participant), count(session, AuditEvent))
    assert after == before
    assert not signed_in(client)


def test_what_was_typed_is_kept_escaped_and_passwords_are_not(client, session):
    response = client.post(
        "/register",
        data=valid_data(full_name='<script>alert("x")</script>', postcode="SW1A 1AA"),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    assert 'value="15"' in html and 'value="1964"' in html
    assert 'value="female" checked' in html or re.search(r'value="female"[^>]*checked', html)
    assert "correct horse battery" not in html


def test_a_sign_up_racing_another_with_the_same_email_is_refused(client, session, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from livinglab.participants import services

    def racing(*args, **kwargs):
        raise IntegrityError("INSERT INTO users", {}, Exception("duplicate key"))

    monkeypatch.setattr(services, "register_participant", racing)
    response = client.post("/register", data=valid_data())
    assert response.status_code == 422
    assert text_of(response).count("An account with this email address already exists") == 2
    assert count(session, Participant) == 0
    assert not signed_in(client)
