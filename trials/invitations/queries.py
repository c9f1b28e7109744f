"""Reading invitations: who is held by another trial, counts per status, the staff list."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, Select, case, exists, func, select
from sqlalchemy.orm import Session, joinedload

from livinglab.participants.models import Participant
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.invitations.models import Invitation, InvitationStatus
from trials.proposals.models import Trial
from trials.states import TrialStatus

#: Enrolments that hold someone for their trial: any not completed, withdrawn or lost.
TAKING_PART = (
    EnrolmentStatus.INTERESTED,
    EnrolmentStatus.SCREENED,
    EnrolmentStatus.CONSENTED,
    EnrolmentStatus.RANDOMISED,
    EnrolmentStatus.ACTIVE,
)

#: Trials whose unanswered invitations still hold a volunteer (they can still say yes).
INVITING_STATES = (TrialStatus.APPROVED, TrialStatus.RECRUITING)

#: What the screening list says about a volunteer held elsewhere (no trial named).
TAKING_PART_ELSEWHERE = "taking_part"
INVITED_ELSEWHERE = "invited"


def taking_part_elsewhere(trial_id: int) -> ColumnElement[bool]:
    """SQL over ``Participant``: enrolled in another trial and not yet finished or withdrawn."""
    return exists(
        select(Enrolment.id).where(
            Enrolment.participant_id == Participant.id,
            Enrolment.trial_id != trial_id,
            Enrolment.status.in_(TAKING_PART),
        )
    )


def invited_elsewhere(trial_id: int) -> ColumnElement[bool]:
    """SQL over ``Participant``: an unanswered invitation to another trial still inviting.

    An invitation the volunteer said yes to holds them through its enrolment instead (see
    :func:`taking_part_elsewhere`), so one they later withdrew from no longer holds them.
    """
    return exists(
        select(Invitation.id)
        .join(Trial, Trial.id == Invitation.trial_id)
        .where(
            Invitation.participant_id == Participant.id,
            Invitation.trial_id != trial_id,
            Invitation.status == InvitationStatus.INVITED,
            Trial.status.in_(INVITING_STATES),
        )
    )


def elsewhere_status(trial_id: int) -> ColumnElement[str | None]:
    """``taking_part``, ``invited`` or NULL for each ``Participant``, for the screening list."""
    return case(
        (taking_part_elsewhere(trial_id), TAKING_PART_ELSEWHERE),
        (invited_elsewhere(trial_id), INVITED_ELSEWHERE),
        else_=None,
    )


def invitation_status_here(trial_id: int) -> ColumnElement[str | None]:
    """The status of the volunteer's invitation to this trial (NULL if none): one per trial."""
    return (
        select(Invitation.status)
        .where(Invitation.trial_id == trial_id, Invitation.participant_id == Participant.id)
        .scalar_subquery()
    )


def count_by_status(
    session: Session, trial_id: int, site_ids: Collection[int]
) -> dict[InvitationStatus, int]:
    """Invitations of the trial made from ``site_ids``, per status (every status present)."""
    rows = session.execute(
        select(Invitation.status, func.count())
        .where(Invitation.trial_id == trial_id, Invitation.site_id.in_(site_ids))
        .group_by(Invitation.status)
    )
    counts = dict.fromkeys(InvitationStatus, 0)
    counts.update({InvitationStatus(status): n for status, n in rows})
    return counts


def query_site_invitations(
    trial_id: int, site_ids: Collection[int], status: InvitationStatus | None = None
) -> Select[tuple[Invitation]]:
    """The trial's invitations from ``site_ids``, newest first, optionally of one status."""
    query = select(Invitation).where(
        Invitation.trial_id == trial_id, Invitation.site_id.in_(site_ids)
    )
    if status is not None:
        query = query.where(Invitation.status == status)
    return query.order_by(Invitation.invited_at.desc(), Invitation.id.desc())


def query_own_invitations(participant_id: int) -> Select[tuple[Invitation, Trial]]:
    """The participant's invitations with their trials, unanswered first, then newest."""
    unanswered_first = func.coalesce(Invitation.responded_at, Invitation.invited_at)
    return (
        select(Invitation, Trial)
        .join(Trial, Trial.id == Invitation.trial_id)
        .where(Invitation.participant_id == participant_id)
        .order_by(
            (Invitation.status != InvitationStatus.INVITED),
            unanswered_first.desc(),
            Invitation.id.desc(),
        )
    )


def get_own_invitation(session: Session, invitation_id: int, participant_id: int):
    """The participant's own invitation with its trial, or ``None`` (someone else's or none)."""
    return session.scalar(
        select(Invitation)
        .where(Invitation.id == invitation_id, Invitation.participant_id == participant_id)
        .options(joinedload(Invitation.site))
    )
