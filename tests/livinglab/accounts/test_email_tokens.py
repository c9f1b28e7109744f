"""Email verification and password reset: signed, single-use, expiring links via the outbox."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import select

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.accounts.tokens import (
    AccountToken,
    TokenError,
    TokenExpired,
    TokenPurpose,
    TokenSuperseded,
    TokenUsed,
    check_token,
    issue_token,
    request_password_reset,
    reset_password,
    send_verification_email,
    verify_email,
)
from livinglab.audit.models import AuditEvent
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition
from livinglab.mail.models import OutboxMessage
from livinglab.security import verify_password
from tests import factories
from tests.conftest import login

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def user(session) -> User:
    user = factories.make_user(session, Role.COMPANY, email="sam.smith@example.test")
    session.commit()
    return user


def link_path(message: OutboxMessage) -> str:
    """The path of the one absolute link in a message."""
    match = re.search(r"http://localhost(/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def token_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[1]


def outbox(session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def actions(session, user: User) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_id == user.id, AuditEvent.object_type == "user")
            .order_by(AuditEvent.id)
        )
    )


# Email verification


def test_verification_email_is_queued_with_an_absolute_link(session, user):
    message = send_verification_email(session, user)
    session.commit()
    assert message.to_address == user.email
    assert "Confirm your email address" in message.subject
    assert message.body_text.startswith("Dear Test User,")
    assert "7 days" in message.body_text
    assert link_path(message).startswith("/verify-email/")
    assert message.sent_at is None


def test_verify_link_works_once(client, session, user):
    path = link_path(send_verification_email(session, user))
    session.commit()

    response = client.get(path)
    assert response.status_code == 200
    assert "Email address confirmed" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    session.expire_all()
    verified_at = user.email_verified_at
    assert verified_at is not None
    assert actions(session, user).count("account.email_verified") == 1

    again = client.get(path)
    assert again.status_code == 400
    assert "This link has already been used" in again.get_data(as_text=True)
    session.expire_all()
    assert user.email_verified_at == verified_at
    assert actions(session, user).count("account.email_verified") == 1


def test_verify_link_expires_after_seven_days(session, user):
    issued = utcnow() - dt.timedelta(days=30)
    signed = issue_token(session, user, TokenPurpose.VERIFY_EMAIL, now=issued)
    with pytest.raises(TokenExpired):
        verify_email(session, signed, now=issued + dt.timedelta(days=7, seconds=1))
    assert verify_email(session, signed, now=issued + dt.timedelta(days=7)) is user


def test_expired_verify_link_page_explains_and_offers_a_new_link(client, session, user):
    signed = issue_token(
        session, user, TokenPurpose.VERIFY_EMAIL, now=utcnow() - dt.timedelta(days=8)
    )
    session.commit()
    login(client, user)
    response = client.get(f"/verify-email/{signed}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This link has expired" in page
    assert 'action="/verify-email/resend"' in page
    assert "Send a new link" in page
    session.expire_all()
    assert user.email_verified_at is None


def test_problem_page_asks_a_signed_out_user_to_sign_in(client, session, user):
    response = client.get("/verify-email/not-a-token")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This link does not work" in page
    assert "Sign in to ask for a new link" in page
    assert "/verify-email/resend" not in page


def test_tampered_link_is_refused(client, session, user):
    signed = issue_token(session, user, TokenPurpose.VERIFY_EMAIL)
    session.commit()
    tampered = signed[:-2] + ("AA" if not signed.endswith("AA") else "BB")
    with pytest.raises(TokenError) as caught:
        verify_email(session, tampered)
    assert caught.value.reason == "invalid"
    assert client.get(f"/verify-email/{tampered}").status_code == 400
    session.expire_all()
    assert user.email_verified_at is None


def test_link_signed_with_another_key_is_refused(app, session, user):
    signed = issue_token(session, user, TokenPurpose.VERIFY_EMAIL)
    app.config["SECRET_KEY"] = "a-different-secret"
    with pytest.raises(TokenError):
        verify_email(session, signed)


def test_link_for_one_purpose_is_refused_for_the_other(client, session, user):
    reset = issue_token(session, user, TokenPurpose.RESET_PASSWORD)
    verify = issue_token(session, user, TokenPurpose.VERIFY_EMAIL)
    session.commit()
    with pytest.raises(TokenError):
        verify_email(session, reset)
    with pytest.raises(TokenError):
        reset_password(session, verify, NEW_PASSWORD)
    assert client.get(f"/verify-email/{reset}").status_code == 400
    assert client.get(f"/reset-password/{verify}").status_code == 400
    session.expire_all()
    assert user.email_verified_at is None
    assert verify_password(user.password_hash, factories.PASSWORD)


def test_a_newer_link_supersedes_older_ones(session, user):
    older = issue_token(session, user, TokenPurpose.VERIFY_EMAIL)
    newer = issue_token(session, user, TokenPurpose.VERIFY_EMAIL)
    with pytest.raises(TokenSuperseded):
        verify_email(session, older)
    verify_email(session, newer)


def test_a_link_for_another_users_nonce_is_refused(app, session, user):
    other = factories.make_user(session, Role.COMPANY)
    issue_token(session, other, TokenPurpose.VERIFY_EMAIL)
    nonce = session.scalars(
        select(AccountToken.nonce).where(AccountToken.user_id == other.id)
    ).one()
    from livinglab.accounts.tokens import _serializer

    forged = _serializer(TokenPurpose.VERIFY_EMAIL).dumps(
        {"u": user.id, "p": "verify_email", "n": nonce}
    )
    with pytest.raises(TokenError):
        verify_email(session, forged)


def test_links_for_closed_accounts_are_refused(session, user):
    signed = issue_token(session, user, TokenPurpose.RESET_PASSWORD)
    user.is_active_account = False
    with pytest.raises(TokenError):
        check_token(session, signed, TokenPurpose.RESET_PASSWORD)


def test_already_confirmed_address_gets_no_new_link(session, user):
    user.email_verified_at = utcnow()
    with pytest.raises(IllegalTransition):
        send_verification_email(session, user)
    assert outbox(session) == []


def test_signed_in_user_can_ask_for_a_new_verification_link(client, session, user):
    first = link_path(send_verification_email(session, user))
    session.commit()
    login(client, user)
    response = client.post("/verify-email/resend")
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    messages = outbox(session)
    assert len(messages) == 2
    assert client.get(first).status_code == 400  # superseded
    assert client.get(link_path(messages[-1])).status_code == 200


def test_resend_when_already_confirmed_queues_nothing(client, session, user):
    user.email_verified_at = utcnow()
    session.commit()
    login(client, user)
    response = client.post("/verify-email/resend", follow_redirects=True)
    assert "already confirmed" in response.get_data(as_text=True)
    assert outbox(session) == []


def test_resend_needs_sign_in_and_post(client, session, user):
    assert client.post("/verify-email/resend").status_code == 302
    assert client.get("/verify-email/resend").status_code == 400  # read as a (bad) link
    assert outbox(session) == []


# Password reset


def test_login_page_links_to_forgot_password(client):
    assert 'href="/forgot-password"' in client.get("/login").get_data(as_text=True)


def test_reset_changes_the_password_and_signs_out_other_sessions(app: Flask, session, user):
    elsewhere = app.test_client()
    login(elsewhere, user)
    assert elsewhere.get("/dashboard").status_code == 200

    browser = app.test_client()
    sent = browser.post("/forgot-password", data={"email": "  Sam.Smith@Example.test "})
    assert sent.status_code == 302
    assert sent.headers["Location"] == "/forgot-password/sent"
    (message,) = outbox(session)
    assert message.to_address == user.email
    assert "1 hour" in message.body_text
    path = link_path(message)

    form = browser.get(path)
    assert form.status_code == 200
    assert "Choose a new password" in form.get_data(as_text=True)
    done = browser.post(path, data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert done.status_code == 302
    assert done.headers["Location"] == "/login"
    assert "Your password has been changed" in browser.get("/login").get_data(as_text=True)

    assert elsewhere.get("/dashboard").status_code == 302  # signed out
    bad = browser.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert bad.status_code == 401
    login(browser, user, NEW_PASSWORD)

    assert browser.get(path).status_code == 400  # single use
    session.expire_all()
    assert actions(session, user)[-3:] == [
        "account.password_reset_requested",
        "account.password_reset",
        "account.signed_in",
    ]
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.password_reset")
    ).one()
    assert event.actor_id == user.id
    assert event.old_value is None and event.new_value is None
    assert NEW_PASSWORD not in str(event.reason)


def test_reset_link_expires_after_an_hour(client, session, user):
    issued = utcnow() - dt.timedelta(hours=2)
    signed = issue_token(session, user, TokenPurpose.RESET_PASSWORD, now=issued)
    session.commit()
    with pytest.raises(TokenExpired):
        reset_password(session, signed, NEW_PASSWORD, now=issued + dt.timedelta(minutes=61))
    response = client.post(
        f"/reset-password/{signed}",
        data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This link has expired" in page
    assert 'href="/forgot-password"' in page
    session.expire_all()
    assert verify_password(user.password_hash, factories.PASSWORD)


def test_used_reset_link_is_refused_by_the_service(session, user):
    signed = issue_token(session, user, TokenPurpose.RESET_PASSWORD)
    reset_password(session, signed, NEW_PASSWORD)
    with pytest.raises(TokenUsed):
        reset_password(session, signed, "yet another passphrase")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password": "", "confirm_password": ""}, "Enter a new password"),
        ({"password": "too short", "confirm_password": "too short"}, "12 characters or more"),
        ({"password": "x" * 201, "confirm_password": "x" * 201}, "200 characters or fewer"),
        ({"password": NEW_PASSWORD, "confirm_password": "different"}, "The passwords do not match"),
    ],
)
def test_bad_new_password_changes_nothing(client, session, user, data, message):
    signed = issue_token(session, user, TokenPurpose.RESET_PASSWORD)
    session.commit()
    response = client.post(f"/reset-password/{signed}", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert page.count(message) >= 2  # in the summary and next to the field
    assert "Error: Choose a new password" in page
    session.expire_all()
    assert verify_password(user.password_hash, factories.PASSWORD)
    assert check_token(session, signed, TokenPurpose.RESET_PASSWORD).used_at is None


def test_service_refuses_a_short_password(session, user):
    signed = issue_token(session, user, TokenPurpose.RESET_PASSWORD)
    from livinglab.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        reset_password(session, signed, "short")
    assert caught.value.field == "password"


def test_forgot_password_does_not_reveal_whether_the_account_exists(client, session, user):
    known = client.post("/forgot-password", data={"email": user.email})
    unknown = client.post("/forgot-password", data={"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    page = client.get(unknown.headers["Location"])
    assert "If an account exists for that email address" in page.get_data(as_text=True)
    assert [m.to_address for m in outbox(session)] == [user.email]


def test_unknown_email_queues_nothing(client, session, user):
    client.post("/forgot-password", data={"email": "nobody@example.test"})
    assert outbox(session) == []
    assert session.scalars(select(AccountToken)).all() == []


def test_accounts_that_cannot_sign_in_get_no_reset_link(session, user):
    closed = factories.make_user(session, Role.COMPANY, email="closed@example.test")
    closed.is_active_account = False
    record_only = factories.make_user(session, Role.PARTICIPANT, email="record@example.test")
    record_only.password_hash = None
    assert request_password_reset(session, "closed@example.test") is None
    assert request_password_reset(session, "record@example.test") is None
    assert outbox(session) == []


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your email address"),
        ("not-an-email", "Enter an email address in the correct format"),
        ("a" * 250 + "@example.test", "254 characters or fewer"),
    ],
)
def test_forgot_password_bad_email_shows_field_errors(client, session, user, email, message):
    response = client.post("/forgot-password", data={"email": email})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert page.count(message) >= 2
    assert outbox(session) == []


def test_forgot_password_page_renders(client):
    response = client.get("/forgot-password")
    assert response.status_code == 200
    assert "Reset your password" in response.get_data(as_text=True)


# Rate limits


@pytest.fixture
def limited_app(rate_limited_app):
    return rate_limited_app(PASSWORD_RESET_REQUEST_LIMIT="2 per hour")


def test_reset_requests_are_rate_limited(limited_app):
    client = limited_app.test_client()
    for _ in range(2):
        assert client.post("/forgot-password", data={"email": "a@example.test"}).status_code == 302
    blocked = client.post("/forgot-password", data={"email": "a@example.test"})
    assert blocked.status_code == 429
    assert "Too many requests" in blocked.get_data(as_text=True)
    assert client.get("/forgot-password").status_code == 200  # reading the form is not limited


def test_reset_requests_are_limited_per_address_across_clients(limited_app):
    client = limited_app.test_client()
    for n in range(3):
        response = client.post(
            "/forgot-password",
            data={"email": "Target@example.test"},
            environ_base={"REMOTE_ADDR": f"192.0.2.{n}"},
        )
    assert response.status_code == 429
    other = client.post(
        "/forgot-password",
        data={"email": "else@example.test"},
        environ_base={"REMOTE_ADDR": "192.0.2.99"},
    )
    assert other.status_code == 302
