"""Recording outcome values, with range checks and audited corrections."""

from __future__ import annotations

import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from trials.consent.services import require_current_consent
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.observations.models import Observation, ObservationSource
from trials.permissions import can_run_trial
from trials.proposals.models import Measure, Trial, TrialVisit
from trials.states import DATA_OPEN

#: Statuses in which a participant's outcome data may be recorded.
RECORDABLE = frozenset(
    {EnrolmentStatus.CONSENTED, EnrolmentStatus.RANDOMISED, EnrolmentStatus.ACTIVE}
)


def _format(number: float) -> str:
    return f"{number:g}"


def record_observation(
    session: Session,
    enrolment: Enrolment,
    *,
    trial: Trial,
    visit: TrialVisit,
    measure: Measure,
    value: float,
    actor: User,
    source: ObservationSource = ObservationSource.STAFF,
    reason: str | None = None,
) -> Observation:
    """Record (or correct) one value for one participant, visit and measure.

    A correction needs a reason; the old value stays in the audit trail.

    Raises:
        NotPermitted: the actor is not staff at the participant's site, or consent is not current.
        IllegalTransition: the trial's data are closed or the participant cannot be followed up.
        InvalidInput: ``value`` out of range or not a number, ``reason`` missing on a correction.
    """
    if not can_run_trial(actor, trial) or enrolment.site_id not in actor.site_ids:
        raise NotPermitted("Only research staff at this participant's site can record their data.")
    if trial.status not in DATA_OPEN:
        raise IllegalTransition("This trial's data are locked; no values can be recorded.")
    if enrolment.status not in RECORDABLE:
        raise IllegalTransition(
            f"Values cannot be recorded for a participant who is {enrolment.status.label.lower()}."
        )
    if visit.trial_id != trial.id or measure.trial_id != trial.id:
        raise InvalidInput("visit_id", "Select a visit and measure from this trial")
    if not visit.is_baseline and enrolment.status is EnrolmentStatus.CONSENTED:
        raise IllegalTransition("Follow-up values can only be recorded after randomisation.")
    if not math.isfinite(value) or not measure.min_value <= value <= measure.max_value:
        raise InvalidInput(
            "value",
            f"{measure.name} must be between {_format(measure.min_value)} and "
            f"{_format(measure.max_value)} {measure.unit}",
        )
    require_current_consent(session, enrolment.participant_id, trial.id)
    existing = session.scalar(
        select(Observation).where(
            Observation.enrolment_id == enrolment.id,
            Observation.visit_id == visit.id,
            Observation.measure_id == measure.id,
        )
    )
    old = None
    if existing is not None:
        if not (reason or "").strip():
            raise InvalidInput("reason", "Give a reason for correcting a recorded value")
        old = {"value": existing.value, "source": existing.source}
        observation = existing
        observation.value = value
        observation.source = source
        observation.recorded_by_id = actor.id
        observation.recorded_at = utcnow()
    else:
        observation = Observation(
            enrolment_id=enrolment.id,
            visit_id=visit.id,
            measure_id=measure.id,
            value=value,
            source=source,
            recorded_by_id=actor.id,
            recorded_at=utcnow(),
        )
        session.add(observation)
    session.flush()
    record(
        session,
        actor=actor,
        action="observation.corrected" if old else "observation.recorded",
        object_type="observation",
        object_id=observation.id,
        trial_id=trial.id,
        old=old,
        new={
            "value": value,
            "source": source,
            "visit": visit.code,
            "measure_id": measure.id,
            "participant_code": enrolment.participant_code,
        },
        reason=reason,
    )
    return observation
