"""Companies registering their organisation and first user, over HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.audit.models import AuditEvent
from livinglab.mail.models import OutboxMessage
from livinglab.organisations.models import Organisation
from tests import factories
from tests.factories import count_rows
from tests.pages import text_of


def valid_data(**overrides: str | None) -> dict[str, str]:
    data: dict[str, str | None] = {
        "name": "Jurassic Coast Diagnostics Ltd",
        "companies_house_number": "sc 123456",
        "address": "Unit 4, Wessex Fields\nBournemouth\nBH7 7DU",
        "contact_name": "Alex Rivers",
        "contact_email": "Contact@JCDiagnostics.example",
        "contact_phone": "+44 (0)1202 123 456",
        "full_name": "Sam Founder",
        "email": "Sam.Founder@JCDiagnostics.example",
        "password": "three random words",
        "confirm_password": "three random words",
        **overrides,
    }
    return {key: value for key, value in data.items() if value is not None}


def counts(session) -> tuple[int, int, int, int]:
    return (
        count_rows(session, Organisation),
        count_rows(session, User),
        count_rows(session, OutboxMessage),
        count_rows(session, AuditEvent),
    )


def test_the_form_is_shown_to_anyone(client, app):
    response = client.get("/organisations/register")
    assert response.status_code == 200
    page = text_of(response)
    for label in (
        "Organisation name",
        "Companies House number (optional)",
        "Address",
        "Contact name",
        "Contact email address",
        "Contact phone number",
        "Your full name",
        "Email address",
        "Create a password",
        "Type your password again",
    ):
        assert label in page
    assert "nhsuk-error-summary" not in response.get_data(as_text=True)


def test_the_home_page_links_to_it(client, app):
    assert 'href="/organisations/register"' in client.get("/").get_data(as_text=True)


def test_a_company_registers_and_its_first_user_is_signed_in(client, app, session):
    response = client.post("/organisations/register", data=valid_data())
    assert response.status_code == 302
    assert response.headers["Location"] == "/organisation/"

    organisation = session.scalars(select(Organisation)).one()
    assert organisation.name == "Jurassic Coast Diagnostics Ltd"
    assert organisation.companies_house_number == "SC123456"
    assert organisation.address == "Unit 4, Wessex Fields\nBournemouth\nBH7 7DU"
    assert organisation.contact_email == "contact@jcdiagnostics.example"
    assert organisation.contact_phone == "01202123456"
    user = session.scalars(select(User)).one()
    assert user.email == "sam.founder@jcdiagnostics.example"
    assert user.organisation_id == organisation.id
    assert user.roles == {Role.COMPANY}
    assert user.password_hash and user.password_hash.startswith("$argon2id$")
    assert user.email_verified_at is None
    assert session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "organisation.registered",
            AuditEvent.object_id == organisation.id,
        )
    )
    message = session.scalars(select(OutboxMessage)).one()
    assert message.to_address == user.email
    assert "Confirm your email address" in message.subject

    page = client.get("/organisation/")
    assert page.status_code == 200
    assert "Jurassic Coast Diagnostics Ltd is registered" in text_of(page)
    assert "Sam Founder (you)" in text_of(page)


def test_no_companies_house_number_is_fine(client, app, session):
    response = client.post("/organisations/register", data=valid_data(companies_house_number=""))
    assert response.status_code == 302
    assert session.scalars(select(Organisation)).one().companies_house_number is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter your organisation's name"),
        ("name", "n" * 201, "Organisation name must be 200 characters or fewer"),
        ("companies_house_number", "1234", "Enter a Companies House number in the correct"),
        ("companies_house_number", "XX123456", "Enter a Companies House number in the correct"),
        ("address", "  ", "Enter your organisation's address"),
        ("address", "a" * 1001, "Address must be 1000 characters or fewer"),
        ("contact_name", "", "Enter the name of the person to contact"),
        ("contact_email", "", "Enter the contact email address"),
        ("contact_email", "not-an-email", "Enter an email address in the correct format"),
        ("contact_phone", "", "Enter the contact phone number"),
        ("contact_phone", "12345", "Enter a UK phone number"),
        ("contact_phone", "+33 1 23 45 67 89", "Enter a UK phone number"),
        ("full_name", "", "Enter your full name"),
        ("email", "", "Enter your email address"),
        ("email", "sam@", "Enter an email address in the correct format"),
        ("password", "short", "Password must be 12 characters or more"),
        ("confirm_password", "something else entirely", "The passwords do not match"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_written(
    client, app, session, field, value, message
):
    before = counts(session)
    response = client.post("/organisations/register", data=valid_data(**{field: value}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert "There is a problem" in page
    assert f'href="#{field}"' in html  # the summary links to the field
    assert f'id="{field}-error"' in html  # the message sits by the field
    assert message in page
    assert "<title>Error: " in html
    assert counts(session) == before


def test_a_taken_name_is_refused_whatever_its_case(client, world, session):
    before = counts(session)
    response = client.post("/organisations/register", data=valid_data(name="  acme DEVICES "))
    assert response.status_code == 422
    assert "An organisation with this name is already registered" in text_of(response)
    assert 'id="name-error"' in response.get_data(as_text=True)
    assert counts(session) == before


def test_a_taken_email_is_refused(client, world, session):
    before = counts(session)
    response = client.post("/organisations/register", data=valid_data(email="Company@Example.test"))
    assert response.status_code == 422
    assert "An account with this email address already exists" in text_of(response)
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert counts(session) == before


def test_a_signed_in_user_is_sent_to_the_dashboard(client, world, login_as, session):
    login_as(world.company)
    response = client.post("/organisations/register", data=valid_data())
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    assert count_rows(session, Organisation) == 2


def test_the_service_refuses_a_bad_phone_even_without_the_form(app, session):
    from livinglab.errors import InvalidInput
    from livinglab.organisations.services import (
        FirstUser,
        OrganisationContact,
        register_organisation,
    )

    with pytest.raises(InvalidInput) as error:
        register_organisation(
            session,
            name="Phone-less Ltd",
            companies_house_number=None,
            contact=OrganisationContact("1 Road", "Al", "al@example.test", "999"),
            first_user=FirstUser("Al", "al@example.test", factories.PASSWORD),
        )
    assert error.value.field == "contact_phone"
    session.rollback()
    assert count_rows(session, Organisation) == 0
