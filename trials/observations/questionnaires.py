"""A participant completes a validated questionnaire online; its score becomes an Observation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User, UserRole
from livinglab.accounts.roles import Role
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from livinglab.mail.services import queue_message
from livinglab.participants.models import Participant
from trials.consent.services import require_current_consent
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.observations.models import Observation, ObservationSource
from trials.observations.services import RECORDABLE
from trials.proposals.models import Measure, Trial, TrialVisit
from trials.questionnaires import Instrument, InvalidAnswerError, Score, score
from trials.states import DATA_OPEN


def item_field_name(item_code: str) -> str:
    return f"item_{item_code}"


def _check_can_answer(
    session: Session,
    participant: Participant,
    enrolment: Enrolment,
    trial: Trial,
    visit: TrialVisit,
    measure: Measure,
) -> None:
    if enrolment.participant_id != participant.id:
        raise NotPermitted("You can only answer questionnaires for your own trials.")
    if visit.trial_id != trial.id or measure.trial_id != trial.id or not measure.instrument:
        raise IllegalTransition("This questionnaire is not part of this trial.")
    if trial.status not in DATA_OPEN:
        raise IllegalTransition("This trial is no longer collecting answers.")
    if enrolment.status not in RECORDABLE or (
        not visit.is_baseline and enrolment.status is EnrolmentStatus.CONSENTED
    ):
        raise IllegalTransition("This questionnaire is not open for you at the moment.")
    require_current_consent(session, participant.id, trial.id)
    done = session.scalar(
        select(Observation.id).where(
            Observation.enrolment_id == enrolment.id,
            Observation.visit_id == visit.id,
            Observation.measure_id == measure.id,
        )
    )
    if done is not None:
        raise IllegalTransition("You have already completed this questionnaire for this visit.")


def _scored(instrument: Instrument, answers: dict[str, int | None]) -> Score:
    try:
        result = score(instrument, answers)
    except InvalidAnswerError as error:
        raise InvalidInput(item_field_name(error.item_code), "Select one of the answers") from error
    if not result.is_valid:
        first_missing = next(
            item.code for item in instrument.scored_items if answers.get(item.code) is None
        )
        raise InvalidInput(item_field_name(first_missing), "Answer this question")
    return result


def submit_questionnaire(
    session: Session,
    *,
    participant: Participant,
    enrolment: Enrolment,
    trial: Trial,
    visit: TrialVisit,
    measure: Measure,
    instrument: Instrument,
    answers: dict[str, int | None],
) -> tuple[Observation, Score]:
    """Score the participant's answers and record the score as the measure's value.

    The answers themselves go into the audit event with the score. A PHQ-9 item 9 answer
    above zero tells the staff at the participant's site by email, the same day.

    Raises:
        NotPermitted: not the participant's own enrolment, or consent is not current.
        IllegalTransition: the questionnaire is not open (trial, enrolment or already done).
        InvalidInput: ``item_<code>``: an answer is missing or not allowed.
    """
    _check_can_answer(session, participant, enrolment, trial, visit, measure)
    result = _scored(instrument, answers)
    observation = Observation(
        enrolment_id=enrolment.id,
        visit_id=visit.id,
        measure_id=measure.id,
        value=float(result.total),
        source=ObservationSource.PARTICIPANT,
        recorded_by_id=participant.user_id,
        recorded_at=utcnow(),
    )
    session.add(observation)
    session.flush()
    record(
        session,
        actor=participant.user,
        action="observation.recorded",
        object_type="observation",
        object_id=observation.id,
        trial_id=trial.id,
        new={
            "value": observation.value,
            "source": observation.source,
            "visit": visit.code,
            "measure_id": measure.id,
            "participant_code": enrolment.participant_code,
            "instrument": instrument.code,
            "answers": {code: value for code, value in answers.items() if value is not None},
            "prorated": result.is_prorated,
        },
    )
    if result.safety_flags:
        _alert_site_staff(session, enrolment, trial, visit, instrument)
    return observation, result


def _alert_site_staff(
    session: Session, enrolment: Enrolment, trial: Trial, visit: TrialVisit, instrument: Instrument
) -> None:
    """Email the research staff at the participant's site: a safety answer needs follow-up."""
    record(
        session,
        actor=None,
        action="questionnaire.safety_flag",
        object_type="enrolment",
        object_id=enrolment.id,
        trial_id=trial.id,
        new={"instrument": instrument.code, "visit": visit.code},
    )
    staff = session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.RESEARCHER, User.sites.any(id=enrolment.site_id))
    ).all()
    for member in staff:
        queue_message(
            session,
            to=member.email,
            subject="A participant's questionnaire answer needs follow-up today",
            body=(
                f"Participant {enrolment.participant_code} in '{trial.title}' gave an answer "
                f"on the {instrument.name} ({visit.name} visit) that needs clinical "
                "follow-up under the trial's safety procedure. Please contact them today.\n\n"
                "This email holds no personal details; open the trial's enrolment page in "
                "the Living Lab to see who it is."
            ),
        )
