"""Visit schedules (made at randomisation) and recording each visit as attended or missed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.enrolment.pipeline import start_follow_up
from trials.followup.models import ScheduledVisit, VisitStatus
from trials.followup.queries import IN_FOLLOW_UP
from trials.permissions import can_run_trial
from trials.proposals.models import Trial, TrialVisit
from trials.states import DATA_OPEN


def schedule_visits(
    session: Session, enrolment: Enrolment, visits: list[TrialVisit], *, start: dt.date
) -> int:
    """Plan every follow-up visit of the trial from ``start`` (the randomisation day).

    The baseline visit happens before randomisation, so it is not scheduled. One INSERT
    for all rows. Returns the number of visits scheduled.
    """
    rows = [
        {
            "trial_id": enrolment.trial_id,
            "enrolment_id": enrolment.id,
            "visit_id": visit.id,
            "due_on": start + dt.timedelta(days=visit.day_offset),
            "window_days": visit.window_days,
            "status": VisitStatus.SCHEDULED,
        }
        for visit in visits
        if not visit.is_baseline
    ]
    if rows:
        session.execute(insert(ScheduledVisit), rows)
    return len(rows)


def _require_site_staff(actor: User, trial: Trial, enrolment: Enrolment) -> None:
    if not can_run_trial(actor, trial) or enrolment.site_id not in actor.site_ids:
        raise NotPermitted("Only research staff at this participant's site can record visits.")


def _check_open(enrolment: Enrolment, trial: Trial) -> None:
    if trial.status not in DATA_OPEN:
        raise IllegalTransition("This trial's data are locked; visits cannot be recorded.")
    if enrolment.status not in IN_FOLLOW_UP:
        raise IllegalTransition(
            f"Visits cannot be recorded for a participant who is {enrolment.status.label.lower()}."
        )


def _audit(
    session: Session,
    visit: ScheduledVisit,
    action: str,
    *,
    old: dict[str, Any],
    enrolment: Enrolment,
    actor: User,
    reason: str | None = None,
) -> None:
    record(
        session,
        actor=actor,
        action=action,
        object_type="scheduled_visit",
        object_id=visit.id,
        trial_id=visit.trial_id,
        old=old,
        new={
            "status": visit.status,
            "attended_on": visit.attended_on,
            "missed_reason": visit.missed_reason,
            "visit": visit.visit.code,
            "participant_code": enrolment.participant_code,
        },
        reason=reason,
    )


def mark_attended(
    session: Session,
    visit: ScheduledVisit,
    *,
    enrolment: Enrolment,
    trial: Trial,
    actor: User,
    attended_on: dt.date,
    today: dt.date,
    reason: str | None = None,
) -> ScheduledVisit:
    """Record that the participant came to ``visit`` on ``attended_on``.

    A visit recorded as missed may be corrected to attended (the old status and reason
    stay in the audit event). The participant's first attended follow-up visit moves
    them from ``randomised`` to ``active``.

    Args:
        today: the UK date now (a parameter so tests need no clock).

    Raises:
        NotPermitted: the actor is not research staff at the participant's site.
        IllegalTransition: data locked, participant not in follow-up, or already attended.
        InvalidInput: on ``attended_on`` when it is in the future or before randomisation.
    """
    _require_site_staff(actor, trial, enrolment)
    _check_open(enrolment, trial)
    if visit.status is VisitStatus.ATTENDED:
        raise IllegalTransition(
            f"{visit.visit.name} is already recorded as attended on {attended_on_text(visit)}."
        )
    if attended_on > today:
        raise InvalidInput("attended_on", "Date attended must be today or in the past")
    randomised_on = enrolment.randomised_at.date() if enrolment.randomised_at else None
    if randomised_on is not None and attended_on < randomised_on:
        raise InvalidInput(
            "attended_on",
            f"Date attended must be on or after the day of randomisation, "
            f"{randomised_on.day} {randomised_on:%B %Y}",
        )
    old = {
        "status": visit.status,
        "attended_on": visit.attended_on,
        "missed_reason": visit.missed_reason,
    }
    visit.status = VisitStatus.ATTENDED
    visit.attended_on = attended_on
    visit.missed_reason = None
    visit.updated_by_id = actor.id
    visit.updated_at = utcnow()
    session.flush()
    _audit(
        session, visit, "visit.attended", old=old, enrolment=enrolment, actor=actor, reason=reason
    )
    if enrolment.status is EnrolmentStatus.RANDOMISED:
        start_follow_up(
            session,
            enrolment,
            trial=trial,
            actor=actor,
            reason=f"{visit.visit.name} attended",
        )
    return visit


def attended_on_text(visit: ScheduledVisit) -> str:
    day = visit.attended_on
    return f"{day.day} {day:%B %Y}" if day else "an unknown date"


def mark_missed(
    session: Session,
    visit: ScheduledVisit,
    *,
    enrolment: Enrolment,
    trial: Trial,
    actor: User,
    reason: str,
) -> ScheduledVisit:
    """Record that the participant did not come to a scheduled visit, and why.

    Raises:
        NotPermitted: the actor is not research staff at the participant's site.
        IllegalTransition: data locked, participant not in follow-up, or visit not scheduled.
        InvalidInput: on ``reason`` when it is empty.
    """
    _require_site_staff(actor, trial, enrolment)
    _check_open(enrolment, trial)
    if visit.status is not VisitStatus.SCHEDULED:
        raise IllegalTransition(
            f"Only a scheduled visit can be marked missed; {visit.visit.name} is "
            f"{visit.status.label.lower()}."
        )
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason", "Give the reason the visit was missed")
    old = {"status": visit.status, "attended_on": None, "missed_reason": None}
    visit.status = VisitStatus.MISSED
    visit.missed_reason = reason
    visit.updated_by_id = actor.id
    visit.updated_at = utcnow()
    session.flush()
    _audit(session, visit, "visit.missed", old=old, enrolment=enrolment, actor=actor, reason=reason)
    return visit


def attend_on_recording(
    session: Session,
    enrolment: Enrolment,
    *,
    trial: Trial,
    visit_id: int,
    actor: User,
    today: dt.date,
) -> ScheduledVisit | None:
    """After a value is recorded at a visit still scheduled, mark the visit attended today.

    Call it in the same transaction as the recording. Returns the visit it marked, or
    ``None`` (a baseline visit, or one already attended or missed).
    """
    visit = session.scalar(
        select(ScheduledVisit).where(
            ScheduledVisit.enrolment_id == enrolment.id,
            ScheduledVisit.visit_id == visit_id,
            ScheduledVisit.status == VisitStatus.SCHEDULED,
        )
    )
    if visit is None:
        return None
    return mark_attended(
        session,
        visit,
        enrolment=enrolment,
        trial=trial,
        actor=actor,
        attended_on=today,
        today=today,
        reason="Outcome value recorded",
    )
