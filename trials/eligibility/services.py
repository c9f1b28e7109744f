"""Eligibility use cases: the guard consent calls, and registering interest in a trial."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from livinglab.audit.services import record
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from livinglab.participants.models import Participant
from trials.eligibility import rules
from trials.eligibility.models import EligibilityCriteria
from trials.enrolment.models import WAITING_TO_CONSENT, Enrolment, EnrolmentStatus
from trials.invitations.answers import interested_without_answering
from trials.proposals.models import Trial, TrialSite
from trials.states import OPEN_FOR_ENROLMENT


class NotEligible(NotPermitted):
    """The participant does not meet every criterion of the trial; ``unmet`` lists them."""

    title = "You cannot take part in this trial"

    def __init__(self, unmet: list[rules.CriterionResult]) -> None:
        reasons = " ".join(f"{result.text}." for result in unmet)
        super().__init__(f"You do not meet every requirement of this trial. {reasons}")
        self.unmet = unmet


def criteria_of(session: Session, trial: Trial) -> EligibilityCriteria | None:
    """The trial's criteria: the eager-loaded ones if the trial has them, else from the database."""
    if "eligibility" not in inspect(trial).unloaded:
        return trial.eligibility
    return session.scalar(
        select(EligibilityCriteria).where(EligibilityCriteria.trial_id == trial.id)
    )


def unmet_criteria(
    session: Session, participant: Participant, trial: Trial, today: dt.date | None = None
) -> list[rules.CriterionResult]:
    """The criteria of ``trial`` that ``participant`` does not meet on ``today`` (UK date)."""
    results = rules.check(criteria_of(session, trial), participant, today or rules.today_in_uk())
    return [result for result in results if not result.met]


def require_eligible(
    session: Session, participant: Participant, trial: Trial, today: dt.date | None = None
) -> None:
    """The guard consent and interest call: the participant meets every criterion.

    Raises:
        NotEligible: listing, in plain words, each criterion not met.
    """
    unmet = unmet_criteria(session, participant, trial, today)
    if unmet:
        raise NotEligible(unmet)


def enrolment_of(session: Session, participant_id: int, trial_id: int) -> Enrolment | None:
    """The participant's enrolment in the trial, in whatever status, if there is one."""
    return session.scalar(
        select(Enrolment).where(
            Enrolment.trial_id == trial_id, Enrolment.participant_id == participant_id
        )
    )


def already_message(enrolment: Enrolment) -> str:
    """Why a participant with this enrolment cannot register interest or join again."""
    if enrolment.status in WAITING_TO_CONSENT:
        return "You have already registered interest in this trial."
    if enrolment.status is EnrolmentStatus.WITHDRAWN:
        return "You have stopped taking part in this trial, so you cannot join it again."
    return "You have already agreed to take part in this trial."


def register_interest(
    session: Session,
    *,
    participant: Participant,
    trial: Trial,
    site_id: int,
    today: dt.date | None = None,
    through: str = "trial finder",
) -> Enrolment:
    """Record that an eligible participant would like to take part (status ``interested``).

    The enrolment gets its pseudonym from the chosen site now; consent later moves the
    same row on to ``consented``. An invitation to the trial still waiting for an answer
    is answered "interested" (``through`` says how, for its audit event).

    Raises:
        IllegalTransition: the trial is not recruiting, or the participant already has an
            enrolment in it (interested, consented or later).
        NotEligible: a criterion is not met (each one is listed).
        InvalidInput: on ``site_id`` when it is not a site approved to run the trial.
    """
    # Imported here: enrolment services call this module's guard from create_enrolment.
    from trials.enrolment.services import _new_participant_code

    if trial.status not in OPEN_FOR_ENROLMENT:
        raise IllegalTransition("This trial is not recruiting at the moment.")
    existing = enrolment_of(session, participant.id, trial.id)
    if existing is not None:
        raise IllegalTransition(already_message(existing))
    require_eligible(session, participant, trial, today)
    trial_site = session.scalar(
        select(TrialSite).where(
            TrialSite.trial_id == trial.id,
            TrialSite.site_id == site_id,
            TrialSite.is_approved.is_(True),
        )
    )
    if trial_site is None:
        raise InvalidInput("site_id", "Select a site where this trial is running")
    enrolment = Enrolment(
        trial_id=trial.id,
        participant_id=participant.id,
        site_id=site_id,
        participant_code=_new_participant_code(session, trial.id, trial_site.site.code),
        status=EnrolmentStatus.INTERESTED,
    )
    session.add(enrolment)
    session.flush()
    record(
        session,
        actor=participant.user,
        action="enrolment.interest_registered",
        object_type="enrolment",
        object_id=enrolment.id,
        trial_id=trial.id,
        new={
            "status": enrolment.status,
            "site_id": site_id,
            "participant_code": enrolment.participant_code,
        },
    )
    interested_without_answering(
        session,
        participant=participant,
        trial_id=trial.id,
        enrolment_id=enrolment.id,
        through=through,
    )
    return enrolment
