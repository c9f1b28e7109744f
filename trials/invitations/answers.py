"""Recording a volunteer's answer to an invitation (used by the invitation pages and by
the trial finder, where someone invited may register interest on their own)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.participants.models import Participant
from trials.invitations.models import Invitation, InvitationStatus


def answer(
    session: Session,
    invitation: Invitation,
    *,
    participant: Participant,
    status: InvitationStatus,
    extra: Mapping[str, Any] | None = None,
) -> Invitation:
    """Set the answer of an invitation still waiting for one, with its audit event."""
    invitation.status = status
    invitation.responded_at = utcnow()
    session.flush()
    record(
        session,
        actor=participant.user,
        action=f"invitation.{status.value}",
        object_type="invitation",
        object_id=invitation.id,
        trial_id=invitation.trial_id,
        old={"status": InvitationStatus.INVITED},
        new={"status": status, **(extra or {})},
    )
    return invitation


def interested_without_answering(
    session: Session, *, participant: Participant, trial_id: int, enrolment_id: int, through: str
) -> Invitation | None:
    """Someone invited registered interest (``through`` the invitation or the trial
    finder): their waiting invitation, if any, is answered "interested"."""
    invitation = session.scalar(
        select(Invitation).where(
            Invitation.trial_id == trial_id,
            Invitation.participant_id == participant.id,
            Invitation.status == InvitationStatus.INVITED,
        )
    )
    if invitation is None:
        return None
    return answer(
        session,
        invitation,
        participant=participant,
        status=InvitationStatus.INTERESTED,
        extra={"enrolment_id": enrolment_id, "through": through},
    )
