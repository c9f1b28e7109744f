"""The organisation page: details, members, invitations; only for the organisation's members."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from livinglab.accounts.roles import Role
from livinglab.audit.models import AuditEvent
from livinglab.organisations.models import Organisation, OrganisationInvitation
from tests import factories
from tests.factories import count_rows
from tests.pages import text_of

CONTACT = {
    "address": "2 Harbour Road\nPoole\nBH15 1AA",
    "contact_name": "Jo Contact",
    "contact_email": "jo@acme.example",
    "contact_phone": "07700 900982",
}


def test_members_see_their_organisation(client, world, login_as, session):
    colleague = factories.make_user(
        session, Role.COMPANY, organisation=world.org, full_name="Chris Colleague"
    )
    factories.make_user(session, Role.COMPANY, organisation=world.other_org, full_name="Rival Ray")
    session.commit()
    login_as(world.company)
    response = client.get("/organisation/")
    assert response.status_code == 200
    page = text_of(response)
    assert "Acme Devices" in page
    assert colleague.full_name in page
    assert "Rival" not in page
    assert "No invitations are waiting" in page
    assert "Invite a colleague" in page


def test_the_navigation_and_dashboard_link_to_it(client, world, login_as):
    login_as(world.company)
    page = client.get("/dashboard").get_data(as_text=True)
    assert page.count('href="/organisation/"') == 2


def test_members_change_the_contact_details_and_it_is_audited(client, world, login_as, session):
    login_as(world.company)
    form = client.get("/organisation/details")
    assert form.status_code == 200
    response = client.post("/organisation/details", data=CONTACT)
    assert response.status_code == 302
    organisation = session.get(Organisation, world.org.id)
    session.refresh(organisation)
    assert organisation.address == "2 Harbour Road\nPoole\nBH15 1AA"
    assert organisation.contact_phone == "07700900982"
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "organisation.details_changed")
    ).one()
    assert event.actor_id == world.company.id
    assert event.old_value["contact_name"] == ""
    assert event.new_value["contact_name"] == "Jo Contact"
    assert "07700900982" in text_of(client.get("/organisation/"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("address", "", "Enter your organisation's address"),
        ("contact_name", "", "Enter the name of the person to contact"),
        ("contact_email", "jo", "Enter an email address in the correct format"),
        ("contact_phone", "0800", "Enter a UK phone number"),
    ],
)
def test_bad_contact_details_are_refused(client, world, login_as, session, field, value, message):
    login_as(world.company)
    events = count_rows(session, AuditEvent)
    response = client.post("/organisation/details", data={**CONTACT, field: value})
    assert response.status_code == 422
    assert message in text_of(response)
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert count_rows(session, AuditEvent) == events
    session.expire_all()
    assert session.get(Organisation, world.org.id).contact_name == ""


def test_the_member_list_takes_a_bounded_number_of_queries(
    client, world, login_as, session, count_queries
):
    login_as(world.company)
    for n in range(3):
        factories.make_user(session, Role.COMPANY, organisation=world.org)
        client.post("/organisation/invitations", data={"email": f"new{n}@acme.example"})
    session.commit()
    with count_queries() as few:
        client.get("/organisation/")
    for n in range(8):
        factories.make_user(session, Role.COMPANY, organisation=world.org)
        client.post("/organisation/invitations", data={"email": f"more{n}@acme.example"})
    session.commit()
    with count_queries() as many:
        response = client.get("/organisation/")
    assert text_of(response).count("@acme.example") >= 11
    assert len(many) == len(few)


@pytest.mark.parametrize("who", ["participant", "researcher_wfh", "evaluator", "admin"])
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/organisation/"),
        ("get", "/organisation/details"),
        ("post", "/organisation/details"),
        ("post", "/organisation/invitations"),
    ],
)
def test_organisation_pages_are_only_for_company_users(
    client, world, login_as, session, who, method, url
):
    user = world.participant.user if who == "participant" else getattr(world, who)
    login_as(user)
    events = count_rows(session, AuditEvent)
    response = getattr(client, method)(url, data={**CONTACT, "email": "x@example.test"})
    assert response.status_code == 403
    assert count_rows(session, AuditEvent) == events
    assert count_rows(session, OrganisationInvitation) == 0


def test_a_company_user_without_an_organisation_gets_not_found(client, world, login_as, session):
    loner = factories.make_user(session, Role.COMPANY)
    session.commit()
    login_as(loner)
    assert client.get("/organisation/").status_code == 404
    assert (
        client.post("/organisation/invitations", data={"email": "a@b.example"}).status_code == 404
    )


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get("/organisation/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def csrf_token(response) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.text)
    assert match, response.text
    return match.group(1)


def test_csrf_is_checked_on_the_details_form(app, world, session):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    token = csrf_token(client.get("/login"))
    signed_in = client.post(
        "/login",
        data={"email": world.company.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert signed_in.status_code == 302
    response = client.post("/organisation/details", data=CONTACT)
    assert response.status_code == 400
    assert "Your form has expired" in text_of(response)
    session.expire_all()
    assert session.get(Organisation, world.org.id).contact_name == ""
    token = csrf_token(client.get("/organisation/details"))
    response = client.post("/organisation/details", data={**CONTACT, "csrf_token": token})
    assert response.status_code == 302
