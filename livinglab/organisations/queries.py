"""Reading an organisation: the member's own organisation (the access check), its people."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.organisations.invitations import MAX_PENDING, query_pending
from livinglab.organisations.models import Organisation, OrganisationInvitation


def get_own_organisation_or_404(session: Session, user: User) -> Organisation:
    """The organisation ``user`` belongs to as a company user; 404 when there is none."""
    if not user.has_role(Role.COMPANY) or user.organisation_id is None:
        abort(404)
    organisation = session.get(Organisation, user.organisation_id)
    if organisation is None:
        abort(404)
    return organisation


def get_invitation_or_404(
    session: Session, invitation_id: int, organisation: Organisation
) -> OrganisationInvitation:
    """One of ``organisation``'s invitations; another organisation's is "not found"."""
    invitation = session.scalar(
        select(OrganisationInvitation).where(
            OrganisationInvitation.id == invitation_id,
            OrganisationInvitation.organisation_id == organisation.id,
        )
    )
    if invitation is None:
        abort(404)
    return invitation


def query_members(organisation_id: int) -> Any:
    """The organisation's people, by name (for ``db.paginate``)."""
    return (
        select(User)
        .where(User.organisation_id == organisation_id)
        .order_by(User.full_name, User.id)
    )


def pending_invitations(
    session: Session, organisation_id: int, now: dt.datetime | None = None
) -> list[tuple[OrganisationInvitation, str]]:
    """Invitations still waiting, each with the name of the member who sent it (one query).

    At most ``MAX_PENDING`` can wait at once, so the list is bounded.
    """
    pending = query_pending(organisation_id, now).subquery()
    invitation = aliased(OrganisationInvitation, pending)
    rows = session.execute(
        select(invitation, User.full_name)
        .join(User, User.id == invitation.invited_by_id)
        .order_by(invitation.created_at.desc(), invitation.id.desc())
        .limit(MAX_PENDING)
    )
    return [(row[0], row[1]) for row in rows]
