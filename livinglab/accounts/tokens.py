"""Signed, single-use, expiring links for email verification and password reset.

The link carries ``URLSafeTimedSerializer``-signed ``{user id, purpose, nonce}``; the
nonce names an :class:`AccountToken` row, which makes the link single-use (``used_at``)
and lets a newer link for the same purpose supersede older ones. The row's
``created_at`` decides expiry, so tests pass ``now`` instead of sleeping.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import secrets
from typing import Any

from flask import current_app, render_template, url_for
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from livinglab.accounts.forms import MIN_PASSWORD_LENGTH
from livinglab.accounts.models import User, new_session_token
from livinglab.accounts.services import get_user_by_email
from livinglab.audit.services import record
from livinglab.db import enum_column, utcnow
from livinglab.errors import DomainError, IllegalTransition, InvalidInput
from livinglab.extensions import db
from livinglab.mail.models import OutboxMessage
from livinglab.mail.services import queue_message
from livinglab.security import hash_password

logger = logging.getLogger(__name__)


class TokenPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose, not a password


#: The config setting holding each purpose's lifetime (a ``timedelta``).
MAX_AGE_SETTING = {
    TokenPurpose.VERIFY_EMAIL: "EMAIL_VERIFICATION_MAX_AGE",
    TokenPurpose.RESET_PASSWORD: "PASSWORD_RESET_MAX_AGE",
}


class AccountToken(db.Model):
    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose, 20))
    #: The random value in the signed link that names this row.
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Set when the link is followed; a used link is refused.
    used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class TokenError(DomainError):
    """The link cannot be used; ``reason`` says why, for a page that explains it."""

    reason = "invalid"
    title = "This link does not work"

    def __init__(self, message: str = "This link is not valid.") -> None:
        super().__init__(message)


class TokenExpired(TokenError):
    reason = "expired"


class TokenUsed(TokenError):
    reason = "used"


class TokenSuperseded(TokenError):
    reason = "superseded"


def _serializer(purpose: TokenPurpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=f"livinglab.account-token.{purpose.value}"
    )


def issue_token(
    session: Session, user: User, purpose: TokenPurpose, *, now: dt.datetime | None = None
) -> str:
    """Store a new token row for ``user`` and return the signed text for the link."""
    token = AccountToken(
        user_id=user.id,
        purpose=purpose,
        nonce=secrets.token_urlsafe(24),
        created_at=now or utcnow(),
    )
    session.add(token)
    session.flush()
    return _serializer(purpose).dumps({"u": user.id, "p": purpose.value, "n": token.nonce})


def _load(signed: str, purpose: TokenPurpose) -> tuple[int, str]:
    try:
        payload: Any = _serializer(purpose).loads(signed)
    except BadData:
        raise TokenError() from None
    if not (
        isinstance(payload, dict)
        and payload.get("p") == purpose.value
        and isinstance(payload.get("u"), int)
        and isinstance(payload.get("n"), str)
    ):
        raise TokenError()
    return payload["u"], payload["n"]


def check_token(
    session: Session, signed: str, purpose: TokenPurpose, *, now: dt.datetime | None = None
) -> AccountToken:
    """The token row behind a link, locked, if the link may still be used.

    Raises:
        TokenError: the link was tampered with, is for another purpose or account, or the
            account is closed. Subclasses: ``TokenUsed``, ``TokenSuperseded``, ``TokenExpired``.
    """
    user_id, nonce = _load(signed, purpose)
    token = session.scalar(
        select(AccountToken).where(AccountToken.nonce == nonce).with_for_update(of=AccountToken)
    )
    if token is None or token.user_id != user_id or token.purpose != purpose:
        raise TokenError()
    if not token.user.is_active_account:
        raise TokenError()
    if token.used_at is not None:
        raise TokenUsed("This link has already been used.")
    newer = session.scalar(
        select(AccountToken.id).where(
            AccountToken.user_id == token.user_id,
            AccountToken.purpose == purpose,
            AccountToken.id > token.id,
        )
    )
    if newer is not None:
        raise TokenSuperseded("A newer link has been sent. Use the link in the most recent email.")
    max_age: dt.timedelta = current_app.config[MAX_AGE_SETTING[purpose]]
    if (now or utcnow()) - token.created_at > max_age:
        raise TokenExpired("This link has expired.")
    return token


def _link(endpoint: str, signed: str) -> str:
    return url_for(endpoint, token=signed, _external=True)


def lifetime(purpose: TokenPurpose) -> str:
    """How long a link lasts, in words: "7 days", "1 hour", "30 minutes"."""
    seconds = int(current_app.config[MAX_AGE_SETTING[purpose]].total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


def send_verification_email(
    session: Session, user: User, *, now: dt.datetime | None = None
) -> OutboxMessage:
    """Queue an email with a link that confirms ``user``'s address (supersedes older links).

    Needs a request context (or ``SERVER_NAME``) to build the absolute link.

    Raises:
        IllegalTransition: when the address is already confirmed.
    """
    if user.email_verified_at is not None:
        raise IllegalTransition("Your email address is already confirmed.")
    signed = issue_token(session, user, TokenPurpose.VERIFY_EMAIL, now=now)
    body = render_template(
        "mail/messages/verify_email.txt",
        user=user,
        link=_link("account_email.verify_email", signed),
        lifetime=lifetime(TokenPurpose.VERIFY_EMAIL),
    )
    return queue_message(
        session, to=user.email, subject="Confirm your email address – Dorset Living Lab", body=body
    )


def verify_email(session: Session, signed: str, *, now: dt.datetime | None = None) -> User:
    """Mark the address confirmed and the link used; audited.

    Raises:
        TokenError: (or a subclass) when the link cannot be used.
    """
    now = now or utcnow()
    token = check_token(session, signed, TokenPurpose.VERIFY_EMAIL, now=now)
    token.used_at = now
    user = token.user
    if user.email_verified_at is None:
        user.email_verified_at = now
    record(
        session, actor=user, action="account.email_verified", object_type="user", object_id=user.id
    )
    return user


def request_password_reset(
    session: Session, email: str, *, now: dt.datetime | None = None
) -> OutboxMessage | None:
    """Queue a reset link if ``email`` belongs to an account that can sign in.

    Returns the message, or ``None`` when there is no such account; the caller must show
    the same page either way. Accounts without a password (records that cannot sign in)
    get no link, so a reset cannot turn them into sign-in accounts.
    """
    user = get_user_by_email(session, email)
    if user is None or not user.is_active_account or user.password_hash is None:
        logger.info("Password reset requested for no account that can sign in")
        return None
    signed = issue_token(session, user, TokenPurpose.RESET_PASSWORD, now=now)
    body = render_template(
        "mail/messages/reset_password.txt",
        user=user,
        link=_link("account_email.reset_password", signed),
        lifetime=lifetime(TokenPurpose.RESET_PASSWORD),
    )
    record(
        session,
        actor=None,
        action="account.password_reset_requested",
        object_type="user",
        object_id=user.id,
    )
    return queue_message(
        session, to=user.email, subject="Reset your password – Dorset Living Lab", body=body
    )


def reset_password(
    session: Session, signed: str, new_password: str, *, now: dt.datetime | None = None
) -> User:
    """Set a new password, sign out every session and use up the link; audited.

    Raises:
        TokenError: (or a subclass) when the link cannot be used.
        InvalidInput: on ``password`` when it is too short.
    """
    now = now or utcnow()
    token = check_token(session, signed, TokenPurpose.RESET_PASSWORD, now=now)
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password", f"Password must be {MIN_PASSWORD_LENGTH} characters or more")
    token.used_at = now
    user = token.user
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    record(
        session, actor=user, action="account.password_reset", object_type="user", object_id=user.id
    )
    return user
