"""Emergency unblinding: reveal one participant's arm to an authorised person, with a reason.

Each disclosure is an append-only :class:`Unblinding` row plus an ``enrolment.unblinded``
audit event, and the trial lead (or, with no lead, the researchers at the participant's
site) is emailed through the outbox: the trial and the participant code only, never the
arm, the reason or anything that identifies the participant.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User, UserRole, researcher_sites
from livinglab.accounts.roles import Role
from livinglab.audit.services import record
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from livinglab.mail.services import email_link, queue_message
from trials.enrolment.models import Enrolment
from trials.proposals.models import Trial, TrialDesign
from trials.randomisation.models import Unblinding
from trials.randomisation.permissions import can_unblind

REASON_LENGTH = 2000
SUBJECT_LENGTH = 200


def unblind(
    session: Session, enrolment: Enrolment, *, trial: Trial, actor: User, reason: str
) -> Unblinding:
    """Record that ``actor`` unblinded ``enrolment`` (whose arm they may now be shown).

    Returns the new :class:`Unblinding`; the caller commits.

    Raises:
        NotPermitted: the actor is neither an administrator nor the trial's lead researcher
            (company users never), or the enrolment is not in ``trial``.
        InvalidInput: ``reason`` is empty or longer than 2000 characters.
        IllegalTransition: the participant has no arm yet, or the trial is single-arm
            (open label: there is no blind to break).
    """
    if not can_unblind(actor, trial) or enrolment.trial_id != trial.id:
        raise NotPermitted("Only an administrator or the trial's lead researcher can unblind.")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason", "Give the reason for unblinding")
    if len(reason) > REASON_LENGTH:
        raise InvalidInput("reason", f"Reason must be {REASON_LENGTH} characters or fewer")
    if trial.design is TrialDesign.SINGLE_ARM:
        raise IllegalTransition("This is a single-arm trial: everyone is on the same arm.")
    if enrolment.arm_id is None:
        raise IllegalTransition(
            f"{enrolment.participant_code} has not been randomised, so there is no arm to reveal."
        )
    unblinding = Unblinding(
        trial_id=trial.id, enrolment_id=enrolment.id, unblinded_by_id=actor.id, reason=reason
    )
    session.add(unblinding)
    session.flush()
    record(
        session,
        actor=actor,
        action="enrolment.unblinded",
        object_type="enrolment",
        object_id=enrolment.id,
        trial_id=trial.id,
        new={
            "unblinding_id": unblinding.id,
            "participant_code": enrolment.participant_code,
            "arm_id": enrolment.arm_id,
        },
        reason=reason,
    )
    notify_unblinding(session, trial, enrolment, actor=actor)
    return unblinding


def recipients(session: Session, trial: Trial, site_id: int) -> list[tuple[str, str]]:
    """(email, name) of the trial lead; with no (active) lead, the researchers at the site."""
    if trial.lead_id is not None:
        lead = session.get(User, trial.lead_id)
        if lead is not None and lead.is_active_account:
            return [(lead.email, lead.full_name)]
    rows = session.execute(
        select(User.email, User.full_name)
        .join(UserRole, UserRole.user_id == User.id)
        .join(researcher_sites, researcher_sites.c.user_id == User.id)
        .where(
            researcher_sites.c.site_id == site_id,
            UserRole.role == Role.RESEARCHER,
            User.is_active_account.is_(True),
        )
        .distinct()
        .order_by(User.email)
    )
    return [(email, name) for email, name in rows]


def notify_unblinding(session: Session, trial: Trial, enrolment: Enrolment, *, actor: User) -> int:
    """Queue the notice for each recipient; returns how many were queued."""
    title = " ".join(trial.title.split())
    subject = f"Participant unblinded: {title}"[:SUBJECT_LENGTH]
    template = current_app.jinja_env.get_template("randomisation/unblinded_email.txt")
    link = email_link("randomisation.unblindings", trial_id=trial.id)
    sent = 0
    for email, name in recipients(session, trial, enrolment.site_id):
        body = template.render(
            name=name,
            title=title,
            code=enrolment.participant_code,
            by=actor.full_name,
            link=link,
        )
        queue_message(session, to=email, subject=subject, body=body)
        sent += 1
    return sent
