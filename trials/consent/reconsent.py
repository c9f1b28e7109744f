"""After a major change: the participant agrees to the new version, or declines and stops."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, InvalidInput, NotFound
from livinglab.participants.models import Participant
from trials.consent.models import Consent, ConsentForm, ConsentKind, WithdrawalScope
from trials.consent.services import (
    _new_reference,
    _normalise_name,
    latest_consent,
    wrong_answer_message,
)
from trials.consent.versions import needs_reconsent
from trials.consent.withdrawal import withdraw_from_trial
from trials.enrolment.models import Enrolment
from trials.proposals.models import Trial
from trials.states import DATA_OPEN

#: The consent form and the consent service use the same words.
REQUIRED_STATEMENT = "You must agree to this statement to take part"


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


def check_answers(
    form: ConsentForm,
    participant: Participant,
    *,
    answers: dict[int, bool],
    comprehension: dict[int, int],
    typed_name: str,
) -> None:
    """The same checks as a first consent: required statements, right answers, own name.

    Raises:
        InvalidInput: on ``statement_<id>``, ``question_<id>`` or ``typed_name``.
    """
    for statement in form.statements:
        if statement.is_required and not answers.get(statement.id):
            raise InvalidInput(f"statement_{statement.id}", REQUIRED_STATEMENT)
    for question in form.questions:
        if comprehension.get(question.id) != question.correct_option:
            raise InvalidInput(f"question_{question.id}", wrong_answer_message(question))
    if _normalise_name(typed_name) != _normalise_name(participant.user.full_name):
        raise InvalidInput(
            "typed_name", "Type your full name exactly as it appears on your account"
        )


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
        InvalidInput: see :func:`check_answers`.
    """
    form = form_to_reconsent(session, participant, trial)
    chosen = comprehension or {}
    check_answers(form, participant, answers=answers, comprehension=chosen, typed_name=typed_name)
    previous = latest_consent(session, participant.id, trial.id)
    consent = Consent(
        reference=_new_reference(),
        participant_id=participant.id,
        trial_id=trial.id,
        consent_form_id=form.id,
        kind=ConsentKind.CONSENT,
        answers={str(s.id): bool(answers.get(s.id)) for s in form.statements},
        typed_name=typed_name.strip(),
        signed_at=utcnow(),
        comprehension_answers={str(q.id): chosen[q.id] for q in form.questions} or None,
    )
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
