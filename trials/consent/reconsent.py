"""After a major change: the participant agrees to the new version, or declines and stops."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.audit.services import record
from livinglab.errors import IllegalTransition, NotFound
from livinglab.participants.models import Participant
from trials.consent.models import Consent, ConsentForm, WithdrawalScope
from trials.consent.services import latest_consent, signed_consent
from trials.consent.versions import needs_reconsent
from trials.consent.withdrawal import withdraw_from_trial
from trials.enrolment.models import Enrolment
from trials.proposals.models import Trial
from trials.states import DATA_OPEN


def form_to_reconsent(session: Session, participant: Participant, trial: Trial) -> ConsentForm:
    """The version the participant must now agree to.

    The participant's enrolment row is locked first, so a double submission waits and is
    then refused instead of signing twice.

    Raises:
        NotFound: the participant is not enrolled in the trial.
        IllegalTransition: the trial no longer collects data, or nothing needs agreeing to
            (no major change since their consent, already re-consented, or withdrawn).
    """
    enrolment_id = session.scalar(
        select(Enrolment.id)
        .where(Enrolment.trial_id == trial.id, Enrolment.participant_id == participant.id)
        .with_for_update()
    )
    if enrolment_id is None:
        raise NotFound("You are not taking part in this trial.")
    if trial.status not in DATA_OPEN:
        raise IllegalTransition("This trial is no longer running, so there is nothing to agree to.")
    form = needs_reconsent(session, participant.id, trial.id)
    if form is None:
        raise IllegalTransition("You do not need to agree to this trial's information again.")
    return form


def sign_reconsent(
    session: Session,
    *,
    participant: Participant,
    trial: Trial,
    answers: dict[int, bool],
    typed_name: str,
    comprehension: dict[int, int] | None = None,
) -> Consent:
    """Record the participant's consent to the current version; their enrolment carries on.

    Args:
        answers: statement id -> agreed, for every statement on the current form.
        comprehension: question id -> option chosen; every question must be answered right.
        typed_name: the full name the participant typed as their signature.

    Raises:
        IllegalTransition: see :func:`form_to_reconsent`.
        InvalidInput: see :func:`trials.consent.services.signed_consent`.
    """
    form = form_to_reconsent(session, participant, trial)
    consent = signed_consent(
        form,
        participant,
        trial_id=trial.id,
        answers=answers,
        comprehension=comprehension or {},
        typed_name=typed_name,
    )
    previous = latest_consent(session, participant.id, trial.id)
    session.add(consent)
    session.flush()
    record(
        session,
        actor=participant.user,
        action="consent.reconsented",
        object_type="consent",
        object_id=consent.id,
        trial_id=trial.id,
        old={"consent_form_version": previous.consent_form.version if previous else None},
        new={"consent_form_version": form.version, "answers": consent.answers},
    )
    return consent


def decline_reconsent(
    session: Session, *, participant: Participant, trial: Trial, reason: str | None = None
) -> Consent:
    """The participant does not agree to the new version, so they stop taking part.

    A withdrawal (``stop_taking_part``) on the new version is recorded by the withdrawal
    service, which also withdraws the enrolment and tells staff on the trial's timeline;
    the information already collected is kept, as the version they signed explained.

    Raises:
        IllegalTransition: see :func:`form_to_reconsent`.
    """
    form = form_to_reconsent(session, participant, trial)
    withdrawal = withdraw_from_trial(
        session,
        participant=participant,
        trial=trial,
        scope=WithdrawalScope.STOP_TAKING_PART,
        reason=reason,
        consent_form_id=form.id,
    )
    record(
        session,
        actor=participant.user,
        action="consent.reconsent_declined",
        object_type="consent",
        object_id=withdrawal.id,
        trial_id=trial.id,
        new={"consent_form_version": form.version, "reference": withdrawal.reference},
    )
    return withdrawal
