"""Account use cases: authenticate, sign out, create users."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User, UserRole, new_session_token
from livinglab.accounts.roles import Role
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import InvalidInput
from livinglab.security import hash_password, needs_rehash, verify_password
from livinglab.sites.models import Site

logger = logging.getLogger(__name__)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(session: Session, email: str, password: str) -> User:
    """Return the active user with these credentials.

    Raises:
        InvalidInput: on ``email`` with one message whatever was wrong, so the page does
            not reveal which emails have accounts.
    """
    user = get_user_by_email(session, email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active_account:
        logger.info("Failed sign-in attempt")
        raise InvalidInput("email", "Enter a correct email address and password")
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    record(session, actor=user, action="account.signed_in", object_type="user", object_id=user.id)
    return user


def sign_out(session: Session, user: User) -> None:
    """Rotate the session token so any copied session or remember cookie stops working."""
    user.session_token = new_session_token()
    record(session, actor=user, action="account.signed_out", object_type="user", object_id=user.id)
    session.flush()


def create_user(
    session: Session,
    *,
    email: str,
    full_name: str,
    password: str | None,
    roles: set[Role],
    actor: User | None = None,
    organisation_id: int | None = None,
    sites: list[Site] | None = None,
) -> User:
    """Create an account with the given roles.

    Raises:
        InvalidInput: on ``email`` when an account with that email already exists.
    """
    if get_user_by_email(session, email) is not None:
        raise InvalidInput("email", "An account with this email address already exists")
    user = User(
        email=normalise_email(email),
        full_name=full_name.strip(),
        password_hash=hash_password(password) if password else None,
        organisation_id=organisation_id,
        role_rows=[UserRole(role=role) for role in sorted(roles)],
        sites=list(sites or []),
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        action="account.created",
        object_type="user",
        object_id=user.id,
        new={
            "roles": sorted(roles),
            "organisation_id": organisation_id,
            "site_ids": sorted(s.id for s in user.sites),
        },
    )
    return user
