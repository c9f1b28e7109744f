"""Inviting colleagues: signed, single-use, expiring links through the outbox."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.audit.models import AuditEvent
from livinglab.db import utcnow
from livinglab.mail.models import OutboxMessage
from livinglab.organisations import invitations
from livinglab.organisations.models import OrganisationInvitation
from tests import factories
from tests.factories import count_rows
from tests.pages import text_of

NEW_PASSWORD = "a long new passphrase"
ACCEPT = {"full_name": "Nia Newcomer", "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}


def invite(client, email: str = "nia@acme.example"):
    return client.post("/organisation/invitations", data={"email": email})


def link_of(message: OutboxMessage) -> str:
    match = re.search(r"http://localhost(/organisations/invitations/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def last_link(session) -> str:
    message = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    return link_of(message)


def invited(session, world, email: str = "nia@acme.example", **kw) -> str:
    """An invitation made through the service (``now`` may be in the past); its link path."""
    invitations.invite_colleague(session, world.org, actor=world.company, email=email, **kw)
    session.commit()
    return last_link(session)


# Sending ------------------------------------------------------------------------------


def test_a_member_invites_a_colleague_by_email(client, world, login_as, session):
    login_as(world.company)
    response = invite(client, "  Nia@Acme.Example ")
    assert response.status_code == 302
    invitation = session.scalars(select(OrganisationInvitation)).one()
    assert invitation.email == "nia@acme.example"
    assert invitation.organisation_id == world.org.id
    assert invitation.invited_by_id == world.company.id
    message = session.scalars(select(OutboxMessage)).one()
    assert message.to_address == "nia@acme.example"
    assert "Join Acme Devices" in message.subject
    assert "Test User has invited you to join Acme Devices" in message.body_text
    assert "7 days" in message.body_text
    assert invitation.nonce not in message.body_text.replace(link_of(message), "")
    assert session.scalar(
        select(AuditEvent).where(AuditEvent.action == "organisation.colleague_invited")
    )
    page = text_of(client.get("/organisation/"))
    assert "Invitation sent to nia@acme.example" in page
    assert "nia@acme.example" in page
    assert "Cancel invitation" in page


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your colleague's email address"),
        ("nia-at-acme", "Enter an email address in the correct format"),
        ("company@example.test", "This person is already a member of your organisation"),
        ("other.company@example.test", "An account with this email address already exists"),
        ("researcher.wfh@example.test", "An account with this email address already exists"),
        ("NIA@acme.example", "You have already invited this person"),
    ],
)
def test_invitations_that_cannot_be_sent_are_refused_by_the_field(
    client, world, login_as, session, email, message
):
    invited(session, world)
    login_as(world.company)
    before = count_rows(session, OrganisationInvitation), count_rows(session, OutboxMessage)
    response = invite(client, email)
    assert response.status_code == 422
    assert message in text_of(response)
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert (count_rows(session, OrganisationInvitation), count_rows(session, OutboxMessage)) == (
        before
    )


def test_a_person_can_be_invited_again_once_the_old_invitation_is_revoked_or_expired(
    client, world, login_as, session
):
    invited(session, world, "old@acme.example", now=utcnow() - dt.timedelta(days=8))
    invited(session, world, "revoked@acme.example")
    login_as(world.company)
    revoked = session.scalars(
        select(OrganisationInvitation).where(OrganisationInvitation.email == "revoked@acme.example")
    ).one()
    assert client.post(f"/organisation/invitations/{revoked.id}/revoke").status_code == 302
    assert invite(client, "old@acme.example").status_code == 302
    assert invite(client, "revoked@acme.example").status_code == 302


def test_two_organisations_may_invite_the_same_person(client, world, login_as, session):
    invited(session, world)
    login_as(world.other_company)
    assert invite(client).status_code == 302


# Accepting ----------------------------------------------------------------------------


def test_the_invited_colleague_joins_and_is_signed_in(client, world, session):
    link = invited(session, world)
    page = client.get(link)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "Join Acme Devices" in text_of(page)
    assert "nia@acme.example" in text_of(page)

    response = client.post(link, data=ACCEPT)
    assert response.status_code == 302
    assert response.headers["Location"] == "/organisation/"
    user = session.scalars(select(User).where(User.email == "nia@acme.example")).one()
    assert user.full_name == "Nia Newcomer"
    assert user.organisation_id == world.org.id
    assert user.roles == {Role.COMPANY}
    assert user.email_verified_at is not None
    invitation = session.scalars(select(OrganisationInvitation)).one()
    assert invitation.accepted_at is not None
    assert invitation.accepted_by_id == user.id
    assert session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "organisation.invitation_accepted", AuditEvent.actor_id == user.id
        )
    )
    organisation_page = text_of(client.get("/organisation/"))
    assert "Welcome to Acme Devices" in organisation_page
    assert "Nia Newcomer (you)" in organisation_page
    assert "No invitations are waiting" in organisation_page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("full_name", "", "Enter your full name"),
        ("password", "short", "Password must be 12 characters or more"),
        ("confirm_password", "not the same at all", "The passwords do not match"),
    ],
)
def test_bad_answers_on_the_accept_page_are_refused(client, world, session, field, value, message):
    link = invited(session, world)
    users = count_rows(session, User)
    response = client.post(link, data={**ACCEPT, field: value})
    assert response.status_code == 422
    assert message in text_of(response)
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert count_rows(session, User) == users
    assert session.scalars(select(OrganisationInvitation)).one().accepted_at is None


def test_an_expired_link_gets_a_clear_page(client, world, session):
    link = invited(session, world, now=utcnow() - dt.timedelta(days=7, minutes=1))
    for response in (client.get(link), client.post(link, data=ACCEPT)):
        assert response.status_code == 400
        assert "This invitation has expired" in text_of(response)
        assert "7 days" in text_of(response)
    assert session.scalar(select(User).where(User.email == "nia@acme.example")) is None


def test_the_lifetime_is_a_setting(client, app, world, session):
    app.config["ORGANISATION_INVITATION_MAX_AGE"] = dt.timedelta(days=2)
    link = invited(session, world, now=utcnow() - dt.timedelta(days=3))
    assert "This invitation has expired" in text_of(client.get(link))
    assert "2 days" in text_of(client.get(link))


def test_a_used_link_gets_a_clear_page(client, app, world, session):
    link = invited(session, world)
    assert client.post(link, data=ACCEPT).status_code == 302
    someone_else = app.test_client()
    response = someone_else.post(link, data={**ACCEPT, "full_name": "Someone Else"})
    assert response.status_code == 400
    assert "This invitation has already been accepted" in text_of(response)
    user = session.scalars(select(User).where(User.email == "nia@acme.example")).one()
    assert user.full_name == "Nia Newcomer"


def test_a_revoked_link_gets_a_clear_page(client, world, login_as, session):
    link = invited(session, world)
    invitation = session.scalars(select(OrganisationInvitation)).one()
    login_as(world.company)
    response = client.post(f"/organisation/invitations/{invitation.id}/revoke")
    assert response.status_code == 302
    assert "Invitation to nia@acme.example cancelled" in text_of(client.get("/organisation/"))
    assert session.scalar(
        select(AuditEvent).where(AuditEvent.action == "organisation.invitation_revoked")
    )
    client.post("/logout")
    response = client.post(link, data=ACCEPT)
    assert response.status_code == 400
    assert "This invitation has been cancelled" in text_of(response)
    assert session.scalar(select(User).where(User.email == "nia@acme.example")) is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda link: link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"),
        lambda link: link.rsplit("/", 1)[0] + "/not-a-token",
        lambda link: link.rsplit(".", 2)[0] + ".AAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_a_tampered_link_gets_a_clear_page(client, world, session, tamper):
    link = invited(session, world)
    response = client.post(tamper(link), data=ACCEPT)
    assert response.status_code == 400
    assert "This link does not work" in text_of(response)
    assert session.scalar(select(User).where(User.email == "nia@acme.example")) is None


def test_a_link_signed_for_another_purpose_does_not_work(client, app, world, session):
    from itsdangerous import URLSafeTimedSerializer

    invited(session, world)
    nonce = session.scalars(select(OrganisationInvitation.nonce)).one()
    forged = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="livinglab.account-token.verify_email"
    ).dumps({"o": world.org.id, "n": nonce})
    response = client.get(f"/organisations/invitations/{forged}")
    assert response.status_code == 400
    assert "This link does not work" in text_of(response)


def test_a_link_naming_another_organisation_does_not_work(client, app, world, session):
    invited(session, world)
    nonce = session.scalars(select(OrganisationInvitation.nonce)).one()
    with app.test_request_context():
        forged = invitations._serializer().dumps({"o": world.other_org.id, "n": nonce})
    assert client.get(f"/organisations/invitations/{forged}").status_code == 400


def test_a_signed_in_user_of_another_organisation_cannot_accept(client, world, login_as, session):
    link = invited(session, world)
    login_as(world.other_company)
    response = client.post(link, data=ACCEPT)
    assert response.status_code == 409
    assert "Sign out to accept this invitation" in text_of(response)
    assert session.scalar(select(User).where(User.email == "nia@acme.example")) is None
    session.expire_all()
    assert session.get(User, world.other_company.id).organisation_id == world.other_org.id


def test_someone_who_got_an_account_meanwhile_is_told_so(client, world, session):
    link = invited(session, world)
    factories.make_user(session, Role.PARTICIPANT, email="nia@acme.example")
    session.commit()
    response = client.get(link)
    assert response.status_code == 400
    assert "You already have an account" in text_of(response)


# Revoking -----------------------------------------------------------------------------


def test_another_organisations_invitation_is_not_found(client, world, login_as, session):
    invited(session, world)
    invitation = session.scalars(select(OrganisationInvitation)).one()
    login_as(world.other_company)
    response = client.post(f"/organisation/invitations/{invitation.id}/revoke")
    assert response.status_code == 404
    assert "nia@acme.example" not in text_of(client.get("/organisation/"))
    session.expire_all()
    assert session.get(OrganisationInvitation, invitation.id).revoked_at is None


@pytest.mark.parametrize("who", ["participant", "researcher_wfh", "evaluator", "admin"])
def test_only_company_users_can_revoke(client, world, login_as, session, who):
    invited(session, world)
    invitation = session.scalars(select(OrganisationInvitation)).one()
    login_as(world.participant.user if who == "participant" else getattr(world, who))
    assert client.post(f"/organisation/invitations/{invitation.id}/revoke").status_code == 403


def test_an_accepted_invitation_cannot_be_revoked(client, world, login_as, session):
    link = invited(session, world)
    client.post(link, data=ACCEPT)
    client.post("/logout")
    invitation = session.scalars(select(OrganisationInvitation)).one()
    login_as(world.company)
    response = client.post(f"/organisation/invitations/{invitation.id}/revoke")
    assert response.status_code == 409
    assert "Only an invitation still waiting for an answer can be revoked" in text_of(response)
