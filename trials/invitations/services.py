"""Inviting registry volunteers to a trial, and the volunteer's answer.

Staff invite from the screening list. The posted ids are never trusted: one query checks
again that every selected person is still a screened, eligible volunteer with no
invitation to this trial, and whether another trial holds them (an unanswered invitation,
or an enrolment not yet finished). A batch with anyone who fails is refused whole; one
with anyone held elsewhere needs the staff member's reason. The invitations, their audit
events and the emails are then written in one bulk insert each (and the invitations read
back in one select), whatever the batch size.

The email names no trial, condition or criterion (a shared inbox must not learn about
someone's health): only that a research team invites them, and a link to sign in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from flask import current_app, has_request_context, url_for
from sqlalchemy import and_, insert, select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.models import AuditEvent
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, InvalidInput, NotFound, NotPermitted
from livinglab.mail.models import OutboxMessage
from livinglab.participants.models import Participant
from trials.eligibility import rules, screening
from trials.eligibility.services import already_message, enrolment_of, register_interest
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.invitations import queries
from trials.invitations.answers import answer
from trials.invitations.models import Invitation, InvitationStatus
from trials.permissions import can_run_trial
from trials.proposals.models import Trial
from trials.states import OPEN_FOR_ENROLMENT

#: Most volunteers invited in one go (a full page of the screening list).
MAX_BATCH = 100
REASON_LENGTH = 2000
SUBJECT = "An invitation to find out about a health study"


@dataclass(frozen=True)
class Candidate:
    """A selected volunteer who passed the check again, and what the email needs."""

    participant_id: int
    email: str
    name: str
    held_elsewhere: bool


def _references(ids: Collection[int]) -> str:
    return ", ".join(screening.reference(pid) for pid in sorted(ids))


def _check_site(trial: Trial, site_id: int, actor: User) -> None:
    approved = {ts.site_id for ts in trial.trial_sites if ts.is_approved}
    if site_id not in approved or site_id not in actor.site_ids:
        raise InvalidInput("site_id", "Select one of your sites where this trial is running")


def query_candidates(trial: Trial, participant_ids: Collection[int], today: dt.date):
    """The selected people who may still be invited, with their contact details: one query.

    ``trial.eligibility`` must be loaded (``None`` means no criteria).
    """
    not_invited_here = (
        ~select(Invitation.id)
        .where(Invitation.trial_id == trial.id, Invitation.participant_id == Participant.id)
        .exists()
    )
    held = queries.taking_part_elsewhere(trial.id) | queries.invited_elsewhere(trial.id)
    return (
        select(Participant.id, User.email, User.full_name, held.label("held"))
        .join(User, User.id == Participant.user_id)
        .where(
            Participant.id.in_(participant_ids),
            and_(
                screening.screened_volunteers(trial.id),
                rules.eligible_participants_clause(trial.eligibility, today),
                not_invited_here,
            ),
        )
    )


def _candidates(
    session: Session, trial: Trial, participant_ids: set[int], today: dt.date
) -> list[Candidate]:
    rows = session.execute(query_candidates(trial, participant_ids, today)).all()
    missing = participant_ids - {row.id for row in rows}
    if missing:
        raise InvalidInput(
            "participant_ids",
            f"Nothing was sent: {_references(missing)} cannot be invited. They may have left "
            "the registry, no longer match the criteria, or have been invited already. "
            "Untick them and try again",
        )
    return [Candidate(row.id, row.email, row.full_name, bool(row.held)) for row in rows]


def _check_held(candidates: list[Candidate], override_reason: str | None) -> None:
    held = {c.participant_id for c in candidates if c.held_elsewhere}
    if held and not override_reason:
        raise InvalidInput(
            "override_reason",
            f"{_references(held)} already invited to or taking part in another trial. "
            "Untick them, or give a reason to invite them anyway",
        )


def invite(
    session: Session,
    *,
    trial: Trial,
    participant_ids: Collection[int],
    site_id: int,
    actor: User,
    override_reason: str | None = None,
    today: dt.date | None = None,
) -> list[Invitation]:
    """Invite the selected volunteers from ``site_id`` and email each of them.

    Args:
        trial: with its sites and criteria loaded (as the screening page loads it).
        participant_ids: registry rows picked from the screening list (checked again).
        site_id: the inviting site: one of the actor's, approved for the trial.
        override_reason: why people already held by another trial are invited anyway;
            recorded on their invitations and audit events only.

    Returns:
        The new invitations, in ``participant_ids`` order.

    Raises:
        NotPermitted: the actor is not a researcher at an approved site of the trial.
        IllegalTransition: the trial is not recruiting.
        InvalidInput: on ``participant_ids`` (none, too many, or anyone who cannot be
            invited: the whole batch is refused), ``site_id`` or ``override_reason``.
    """
    if not can_run_trial(actor, trial):
        raise NotPermitted("Only research staff at the trial's sites can invite volunteers.")
    if trial.status not in OPEN_FOR_ENROLMENT:
        raise IllegalTransition("Volunteers can be invited only while the trial is recruiting.")
    wanted = set(participant_ids)
    if not wanted:
        raise InvalidInput("participant_ids", "Select at least one volunteer to invite")
    if len(wanted) > MAX_BATCH:
        raise InvalidInput("participant_ids", f"Select at most {MAX_BATCH} volunteers at a time")
    _check_site(trial, site_id, actor)
    reason = (override_reason or "").strip()[:REASON_LENGTH] or None
    candidates = _candidates(session, trial, wanted, today or rules.today_in_uk())
    _check_held(candidates, reason)
    return _write(session, trial, candidates, site_id=site_id, actor=actor, reason=reason)


def _write(
    session: Session,
    trial: Trial,
    candidates: list[Candidate],
    *,
    site_id: int,
    actor: User,
    reason: str | None,
) -> list[Invitation]:
    """Bulk inserts (one statement each for invitations, audit events and emails), one select.

    Bulk inserts without RETURNING, so SQLite too sends one statement per table; the new
    invitations are then read back in one query for their ids.
    """
    now = utcnow()
    held = {c.participant_id for c in candidates if c.held_elsewhere}
    session.execute(
        insert(Invitation),
        [
            {
                "trial_id": trial.id,
                "participant_id": c.participant_id,
                "site_id": site_id,
                "status": InvitationStatus.INVITED,
                "invited_by_id": actor.id,
                "invited_at": now,
                "override_reason": reason if c.participant_id in held else None,
            }
            for c in candidates
        ],
    )
    by_participant = {
        invitation.participant_id: invitation
        for invitation in session.scalars(
            select(Invitation).where(
                Invitation.trial_id == trial.id,
                Invitation.participant_id.in_([c.participant_id for c in candidates]),
            )
        )
    }
    invitations = [by_participant[c.participant_id] for c in candidates]
    session.execute(
        insert(AuditEvent),
        [
            {
                "occurred_at": now,
                "actor_id": actor.id,
                "action": "invitation.sent",
                "object_type": "invitation",
                "object_id": invitation.id,
                "trial_id": trial.id,
                "new_value": {
                    "status": InvitationStatus.INVITED.value,
                    "participant_id": invitation.participant_id,
                    "site_id": site_id,
                    "held_elsewhere": invitation.participant_id in held,
                },
                "reason": invitation.override_reason,
            }
            for invitation in invitations
        ],
    )
    site_name = _site_name(trial, site_id)
    session.execute(insert(OutboxMessage), [_email(c, site_name=site_name) for c in candidates])
    return invitations


def _site_name(trial: Trial, site_id: int) -> str:
    return next(ts.site.name for ts in trial.trial_sites if ts.site_id == site_id)


def invitations_link() -> str:
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for("invitations.mine", _external=True)
    return current_app.url_map.bind("localhost").build("invitations.mine", {})


def _email(candidate: Candidate, *, site_name: str) -> dict[str, Any]:
    """The invitation email as an outbox row, checked as ``queue_message`` checks it."""
    address = candidate.email.strip()
    if "@" not in parseaddr(address)[1] or any(ch in address for ch in "\r\n"):
        raise ValueError("The recipient is not an email address.")
    body = current_app.jinja_env.get_template("invitations/email.txt").render(
        name=candidate.name, site=site_name, link=invitations_link()
    )
    return {"to_address": address, "subject": SUBJECT, "body_text": body, "created_at": utcnow()}


# The volunteer's answer ------------------------------------------------------------------


def _check_answerable(invitation: Invitation, participant: Participant) -> None:
    if invitation.participant_id != participant.id:
        raise NotFound("This invitation was not found.")
    if invitation.status is not InvitationStatus.INVITED:
        raise IllegalTransition(
            f"You have already answered this invitation ({invitation.status.label.lower()})."
        )


def accept(
    session: Session, invitation: Invitation, *, participant: Participant, trial: Trial
) -> Enrolment:
    """The volunteer would like to take part: their interest is registered at the inviting site.

    An enrolment they already made themselves (interested or later) is kept, not doubled.

    Raises:
        NotFound: the invitation is someone else's.
        IllegalTransition: already answered, the trial is not recruiting, or they stopped
            taking part in it.
        NotEligible: they no longer meet every criterion (each one is listed).
    """
    _check_answerable(invitation, participant)
    enrolment = enrolment_of(session, participant.id, trial.id)
    if enrolment is not None and enrolment.status is EnrolmentStatus.WITHDRAWN:
        raise IllegalTransition(already_message(enrolment))
    if enrolment is None:
        # Registering interest answers the waiting invitation too.
        return register_interest(
            session,
            participant=participant,
            trial=trial,
            site_id=invitation.site_id,
            through="invitation",
        )
    if trial.status not in OPEN_FOR_ENROLMENT:
        raise IllegalTransition("This trial is not recruiting at the moment.")
    answer(
        session,
        invitation,
        participant=participant,
        status=InvitationStatus.INTERESTED,
        extra={"enrolment_id": enrolment.id},
    )
    return enrolment


def decline(session: Session, invitation: Invitation, *, participant: Participant) -> Invitation:
    """The volunteer says no thanks. Nobody asks them why.

    Raises:
        NotFound: the invitation is someone else's.
        IllegalTransition: already answered.
    """
    _check_answerable(invitation, participant)
    return answer(session, invitation, participant=participant, status=InvitationStatus.DECLINED)
