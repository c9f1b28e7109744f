"""Reporting and correcting adverse events, each with its audit event in the same transaction.

A serious event is emailed at once (through the outbox, so only if the report is committed)
to every active researcher at the trial's approved sites.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.permissions import can_run_trial
from trials.proposals.models import Trial
from trials.safety.models import (
    AdverseEvent,
    Outcome,
    Relatedness,
    SeriousCriterion,
    Severity,
)
from trials.safety.notifications import notify_serious_event

#: An adverse event can be reported from consent onwards, including after the participant
#: stopped taking part (events during the trial still count).
REPORTABLE = frozenset(EnrolmentStatus) - {EnrolmentStatus.INTERESTED, EnrolmentStatus.SCREENED}
DESCRIPTION_LENGTH = 5000


@dataclass(frozen=True)
class AdverseEventDraft:
    """What the reporter entered, as plain values."""

    description: str
    is_serious: bool
    serious_criterion: SeriousCriterion | None
    severity: Severity
    relatedness: Relatedness
    outcome: Outcome
    onset_on: dt.date
    resolved_on: dt.date | None = None


def consented_on(enrolment: Enrolment) -> dt.date:
    """The day the participant consented (their enrolment is created when they sign)."""
    return enrolment.created_at.date()


def problems(draft: AdverseEventDraft, *, consented: dt.date, today: dt.date) -> dict[str, str]:
    """Field name -> what is wrong with ``draft`` (empty when it can be saved)."""
    found: dict[str, str] = {}
    if not draft.description.strip():
        found["description"] = "Describe the adverse event"
    elif len(draft.description) > DESCRIPTION_LENGTH:
        found["description"] = f"Description must be {DESCRIPTION_LENGTH} characters or fewer"
    if draft.is_serious and draft.serious_criterion is None:
        found["serious_criterion"] = "Select why the adverse event is serious"
    if draft.onset_on > today:
        found["onset_on"] = "Date it started must be today or in the past"
    elif draft.onset_on < consented:
        found["onset_on"] = (
            "Date it started must be on or after the day the participant consented "
            f"({consented.day} {consented:%B %Y})"
        )
    if draft.resolved_on is not None:
        if draft.resolved_on > today:
            found["resolved_on"] = "Date it ended must be today or in the past"
        elif draft.resolved_on < draft.onset_on:
            found["resolved_on"] = "Date it ended must be the same as or after the date it started"
    return found


def _check(draft: AdverseEventDraft, enrolment: Enrolment) -> AdverseEventDraft:
    found = problems(draft, consented=consented_on(enrolment), today=utcnow().date())
    if found:
        field, message = next(iter(found.items()))
        raise InvalidInput(field, message)
    criterion = draft.serious_criterion if draft.is_serious else None
    return dataclasses.replace(
        draft, description=draft.description.strip(), serious_criterion=criterion
    )


def _check_staff(actor: User, trial: Trial, enrolment: Enrolment) -> None:
    if enrolment.trial_id != trial.id:
        raise InvalidInput("enrolment", "This participant is not enrolled in this trial")
    if not can_run_trial(actor, trial) or enrolment.site_id not in actor.site_ids:
        raise NotPermitted(
            "Only research staff at this participant's site can report their adverse events."
        )


def _values(event: AdverseEvent) -> dict[str, Any]:
    return {f.name: getattr(event, f.name) for f in dataclasses.fields(AdverseEventDraft)}


def report_adverse_event(
    session: Session, enrolment: Enrolment, *, trial: Trial, actor: User, draft: AdverseEventDraft
) -> AdverseEvent:
    """Record an adverse event for a participant; email the trial's staff if it is serious.

    Raises:
        NotPermitted: the actor is not research staff at the participant's site.
        IllegalTransition: the participant has not consented.
        InvalidInput: a field breaks a rule (first problem of :func:`problems`).
    """
    _check_staff(actor, trial, enrolment)
    if enrolment.status not in REPORTABLE:
        raise IllegalTransition(
            "Adverse events can only be reported once the participant consented."
        )
    draft = _check(draft, enrolment)
    event = AdverseEvent(
        enrolment_id=enrolment.id,
        trial_id=trial.id,
        reported_by_id=actor.id,
        reported_at=utcnow(),
        **{f.name: getattr(draft, f.name) for f in dataclasses.fields(draft)},
    )
    session.add(event)
    session.flush()
    record(
        session,
        actor=actor,
        action="adverse_event.reported",
        object_type="adverse_event",
        object_id=event.id,
        trial_id=trial.id,
        new={**_values(event), "participant_code": enrolment.participant_code},
    )
    if event.is_serious:
        notify_serious_event(session, trial, event, participant_code=enrolment.participant_code)
    return event


def correct_adverse_event(
    session: Session,
    event: AdverseEvent,
    *,
    enrolment: Enrolment,
    trial: Trial,
    actor: User,
    draft: AdverseEventDraft,
    reason: str | None,
) -> AdverseEvent:
    """Change an adverse event's details; the old and new values go in the audit event.

    An event that becomes serious on correction is emailed to the trial's staff then.

    Raises:
        NotPermitted: the actor is not research staff at the participant's site.
        InvalidInput: ``reason`` is missing, or a field breaks a rule.
    """
    _check_staff(actor, trial, enrolment)
    if event.enrolment_id != enrolment.id:
        raise InvalidInput("enrolment", "This adverse event belongs to another participant")
    if not (reason or "").strip():
        raise InvalidInput("reason", "Give a reason for the correction")
    draft = _check(draft, enrolment)
    old, new = _values(event), _values_of(draft)
    changed = [name for name in old if old[name] != new[name]]
    if not changed:
        raise InvalidInput("description", "Change at least one detail, or go back without saving")
    was_serious = event.is_serious
    for name in changed:
        setattr(event, name, new[name])
    event.corrected_at = utcnow()
    session.flush()
    record(
        session,
        actor=actor,
        action="adverse_event.corrected",
        object_type="adverse_event",
        object_id=event.id,
        trial_id=trial.id,
        old={name: old[name] for name in changed},
        new={name: new[name] for name in changed},
        reason=reason.strip() if reason else None,
    )
    if event.is_serious and not was_serious:
        notify_serious_event(session, trial, event, participant_code=enrolment.participant_code)
    return event


def _values_of(draft: AdverseEventDraft) -> dict[str, Any]:
    return {f.name: getattr(draft, f.name) for f in dataclasses.fields(draft)}
