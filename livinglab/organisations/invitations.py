"""Inviting a colleague to join an organisation: signed, single-use, expiring links.

The emailed link carries ``URLSafeTimedSerializer``-signed ``{organisation id, nonce}``;
the nonce names an :class:`OrganisationInvitation` row, whose ``created_at`` decides
expiry (so tests pass ``now``), ``accepted_at`` makes it single-use and ``revoked_at``
lets a member take it back.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from flask import current_app, render_template, url_for
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.accounts.services import create_user, get_user_by_email, normalise_email
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import DomainError, IllegalTransition, InvalidInput
from livinglab.mail.services import queue_message
from livinglab.organisations.models import Organisation, OrganisationInvitation
from livinglab.organisations.services import require_member

#: A member cannot have more invitations than this waiting at once.
MAX_PENDING = 50
MAX_AGE_SETTING = "ORGANISATION_INVITATION_MAX_AGE"


class InvitationProblem(DomainError):
    """The link cannot be used; ``reason`` says why, for a page that explains it."""

    status_code = 400
    reason = "invalid"
    title = "This link does not work"

    def __init__(self, message: str = "This invitation link is not valid.") -> None:
        super().__init__(message)


class InvitationExpired(InvitationProblem):
    reason = "expired"


class InvitationUsed(InvitationProblem):
    reason = "used"


class InvitationRevoked(InvitationProblem):
    reason = "revoked"


class InvitationAccountExists(InvitationProblem):
    reason = "account_exists"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="livinglab.organisation-invitation"
    )


def max_age() -> dt.timedelta:
    return current_app.config[MAX_AGE_SETTING]


def lifetime() -> str:
    """How long an invitation link lasts, in words: "7 days", "1 hour"."""
    seconds = int(max_age().total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


def expires_at(invitation: OrganisationInvitation) -> dt.datetime:
    return invitation.created_at + max_age()


def is_pending(invitation: OrganisationInvitation, now: dt.datetime | None = None) -> bool:
    """Neither accepted, revoked nor expired."""
    return (
        invitation.accepted_at is None
        and invitation.revoked_at is None
        and (now or utcnow()) <= expires_at(invitation)
    )


def query_pending(organisation_id: int, now: dt.datetime | None = None) -> Any:
    """The organisation's invitations still waiting for an answer, newest first."""
    oldest = (now or utcnow()) - max_age()
    return (
        select(OrganisationInvitation)
        .where(
            OrganisationInvitation.organisation_id == organisation_id,
            OrganisationInvitation.accepted_at.is_(None),
            OrganisationInvitation.revoked_at.is_(None),
            OrganisationInvitation.created_at >= oldest,
        )
        .order_by(OrganisationInvitation.created_at.desc(), OrganisationInvitation.id.desc())
    )


def _check_invitee(
    session: Session, organisation: Organisation, email: str, now: dt.datetime
) -> None:
    existing = get_user_by_email(session, email)
    if existing is not None and existing.organisation_id == organisation.id:
        raise InvalidInput("email", "This person is already a member of your organisation")
    if existing is not None:
        raise InvalidInput(
            "email",
            "An account with this email address already exists, so it cannot join your "
            "organisation. Ask your colleague for their work email address",
        )
    pending = query_pending(organisation.id, now).subquery()
    count = session.scalar(select(func.count()).select_from(pending))
    already = session.scalar(select(pending.c.id).where(pending.c.email == email).limit(1))
    if already is not None:
        raise InvalidInput(
            "email",
            "You have already invited this person. Revoke that invitation to send a new one",
        )
    if count >= MAX_PENDING:
        raise InvalidInput(
            "email",
            f"Your organisation has {MAX_PENDING} invitations waiting. Revoke some before "
            "sending more",
        )


def invite_colleague(
    session: Session,
    organisation: Organisation,
    *,
    actor: User,
    email: str,
    now: dt.datetime | None = None,
) -> OrganisationInvitation:
    """Store an invitation and queue its email; audited. Needs a request context for the link.

    Raises:
        NotPermitted: the actor is not a member of the organisation.
        InvalidInput: on ``email`` when the person already has an account, is already
            invited, or too many invitations are waiting.
    """
    require_member(actor, organisation)
    now = now or utcnow()
    email = normalise_email(email)
    _check_invitee(session, organisation, email, now)
    invitation = OrganisationInvitation(
        organisation_id=organisation.id,
        email=email,
        nonce=secrets.token_urlsafe(24),
        invited_by_id=actor.id,
        created_at=now,
    )
    session.add(invitation)
    session.flush()
    signed = _serializer().dumps({"o": organisation.id, "n": invitation.nonce})
    body = render_template(
        "mail/messages/organisation_invitation.txt",
        organisation=organisation,
        inviter=actor,
        link=url_for("organisation_invitations.accept", token=signed, _external=True),
        lifetime=lifetime(),
    )
    queue_message(
        session,
        to=email,
        subject=f"Join {organisation.name} on the Dorset Living Lab".replace("\n", " ")[:200],
        body=body,
    )
    record(
        session,
        actor=actor,
        action="organisation.colleague_invited",
        object_type="organisation_invitation",
        object_id=invitation.id,
        new={"organisation_id": organisation.id, "email": email},
    )
    return invitation


def revoke_invitation(
    session: Session,
    invitation: OrganisationInvitation,
    *,
    actor: User,
    organisation: Organisation,
    now: dt.datetime | None = None,
) -> OrganisationInvitation:
    """Take back an invitation that is still waiting; its link stops working. Audited.

    Raises:
        NotPermitted: the actor is not a member of the invitation's organisation.
        IllegalTransition: it was already accepted, revoked, or has expired.
    """
    require_member(actor, organisation)
    if invitation.organisation_id != organisation.id:
        raise IllegalTransition("This invitation belongs to another organisation.")
    now = now or utcnow()
    if not is_pending(invitation, now):
        raise IllegalTransition("Only an invitation still waiting for an answer can be revoked.")
    invitation.revoked_at = now
    session.flush()
    record(
        session,
        actor=actor,
        action="organisation.invitation_revoked",
        object_type="organisation_invitation",
        object_id=invitation.id,
        new={"email": invitation.email},
    )
    return invitation


def _load(signed: str) -> tuple[int, str]:
    try:
        payload: Any = _serializer().loads(signed)
    except BadData:
        raise InvitationProblem() from None
    if not (
        isinstance(payload, dict)
        and isinstance(payload.get("o"), int)
        and isinstance(payload.get("n"), str)
    ):
        raise InvitationProblem()
    return payload["o"], payload["n"]


def check_invitation(
    session: Session, signed: str, *, now: dt.datetime | None = None
) -> OrganisationInvitation:
    """The invitation behind a link, locked, if the link may still be used.

    Raises:
        InvitationProblem: tampered with or unknown. Subclasses: ``InvitationUsed``,
            ``InvitationRevoked``, ``InvitationExpired``, ``InvitationAccountExists``.
    """
    organisation_id, nonce = _load(signed)
    invitation = session.scalar(
        select(OrganisationInvitation)
        .where(OrganisationInvitation.nonce == nonce)
        .with_for_update(of=OrganisationInvitation)
    )
    if invitation is None or invitation.organisation_id != organisation_id:
        raise InvitationProblem()
    if invitation.accepted_at is not None:
        raise InvitationUsed("This invitation has already been accepted.")
    if invitation.revoked_at is not None:
        raise InvitationRevoked("This invitation has been cancelled.")
    if (now or utcnow()) > expires_at(invitation):
        raise InvitationExpired("This invitation has expired.")
    if get_user_by_email(session, invitation.email) is not None:
        raise InvitationAccountExists("An account with this email address already exists.")
    return invitation


def accept_invitation(
    session: Session,
    signed: str,
    *,
    full_name: str,
    password: str,
    now: dt.datetime | None = None,
) -> User:
    """Create the invited person's company account in the organisation; audited.

    Their email counts as verified: they followed the link sent to it.

    Raises:
        InvitationProblem: (or a subclass) when the link cannot be used.
    """
    now = now or utcnow()
    invitation = check_invitation(session, signed, now=now)
    user = create_user(
        session,
        email=invitation.email,
        full_name=full_name,
        password=password,
        roles={Role.COMPANY},
        organisation_id=invitation.organisation_id,
    )
    user.email_verified_at = now
    invitation.accepted_at = now
    invitation.accepted_by_id = user.id
    session.flush()
    record(
        session,
        actor=user,
        action="organisation.invitation_accepted",
        object_type="organisation_invitation",
        object_id=invitation.id,
        new={"organisation_id": invitation.organisation_id, "user_id": user.id},
    )
    return user


def organisation_of(session: Session, invitation: OrganisationInvitation) -> Organisation:
    return session.get_one(Organisation, invitation.organisation_id)
