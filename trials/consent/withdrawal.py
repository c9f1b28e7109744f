"""Withdrawal from a trial at any time, and what the trials hold about one participant."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, InvalidInput, NotFound
from livinglab.participants.models import Participant
from trials.consent.models import Consent, ConsentKind, WithdrawalScope
from trials.consent.services import _new_reference, latest_consent
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.observations.models import Observation
from trials.proposals.models import Measure, Trial, TrialVisit
from trials.states import TrialStatus

#: Trial states in which the data have been locked for (or used in) the analysis.
DATA_LOCKED = frozenset({TrialStatus.LOCKED, TrialStatus.EVALUATED, TrialStatus.DECIDED})

LOCKED_MESSAGE = (
    "The data for this trial are already locked and have been analysed without your name "
    "(pseudonymised), as the consent form explained, so they can no longer be left out "
    "of the analysis"
)


def data_are_locked(trial: Trial) -> bool:
    """True once the trial's data are locked for analysis: data use can then not be stopped."""
    return trial.data_locked_at is not None or trial.status in DATA_LOCKED


def _already_withdrawn(latest: Consent, scope: WithdrawalScope) -> bool:
    if latest.kind is ConsentKind.CONSENT:
        return False
    return scope is WithdrawalScope.STOP_TAKING_PART or (
        latest.withdrawal_scope is WithdrawalScope.STOP_DATA_USE
    )


def withdrawal_choices(latest: Consent | None) -> tuple[WithdrawalScope, ...]:
    """The scopes the participant has not yet chosen, given their latest consent record.

    The data lock is not considered here: choosing to stop data use after the lock gets
    the explanation from :func:`withdraw_from_trial`.
    """
    if latest is None:
        return ()
    return tuple(scope for scope in WithdrawalScope if not _already_withdrawn(latest, scope))


def withdraw_from_trial(
    session: Session,
    *,
    participant: Participant,
    trial: Trial,
    scope: WithdrawalScope,
    reason: str | None = None,
    consent_form_id: int | None = None,
    actor: User | None = None,
) -> Consent:
    """Record the participant's withdrawal from ``trial`` and mark their enrolment withdrawn.

    A new append-only ``Consent`` row of kind ``withdrawal`` is written; the consent itself
    is never changed. A participant who only stopped taking part may later also stop the
    use of their data, until the trial's data are locked.

    Args:
        scope: ``stop_taking_part`` keeps the data collected so far; ``stop_data_use``
            also leaves them out of the analysis dataset.
        reason: optional, in the participant's words; kept in the audit trail only.
        consent_form_id: the version the withdrawal answers; by default the one the
            participant last signed (declining a new version names the new one).
        actor: research staff recording the withdrawal on the participant's behalf (the
            audit events name them and say so); by default the participant themself.

    Returns:
        The withdrawal record.

    Raises:
        NotFound: the participant is not enrolled in the trial.
        IllegalTransition: they have already withdrawn (with this or a wider scope).
        InvalidInput: on ``scope`` when data use is to stop but the data are locked.
    """
    enrolment = session.scalar(
        select(Enrolment)
        .where(Enrolment.trial_id == trial.id, Enrolment.participant_id == participant.id)
        .with_for_update(of=Enrolment)
    )
    on_behalf = actor is not None
    if enrolment is None:
        raise NotFound(
            "This participant is not taking part in this trial."
            if on_behalf
            else "You are not taking part in this trial."
        )
    latest = latest_consent(session, participant.id, trial.id)
    if latest is None or _already_withdrawn(latest, scope):
        raise IllegalTransition(
            f"{enrolment.participant_code} has already withdrawn with this choice."
            if on_behalf
            else "You have already stopped taking part in this trial."
        )
    if scope is WithdrawalScope.STOP_DATA_USE and data_are_locked(trial):
        raise InvalidInput("scope", LOCKED_MESSAGE)
    withdrawal = Consent(
        reference=_new_reference(),
        participant_id=participant.id,
        trial_id=trial.id,
        consent_form_id=consent_form_id or latest.consent_form_id,
        kind=ConsentKind.WITHDRAWAL,
        answers={},
        # Stopping needs no signature (the consent form says no reason is needed either),
        # so no further copy of the participant's name is made.
        typed_name="",
        signed_at=utcnow(),
        withdrawal_scope=scope,
    )
    session.add(withdrawal)
    old_status = enrolment.status
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.ended_at = enrolment.ended_at or withdrawal.signed_at
    session.flush()
    reason = (reason or "").strip() or None
    recorded_by = {"on_behalf_of_participant": True} if on_behalf else {}
    record(
        session,
        actor=actor or participant.user,
        action="consent.withdrawn",
        object_type="consent",
        object_id=withdrawal.id,
        trial_id=trial.id,
        new={"scope": scope, "reference": withdrawal.reference, **recorded_by},
        reason=reason,
    )
    # Staff see this event on the trial's audit timeline and the status on the enrolment page.
    record(
        session,
        actor=actor or participant.user,
        action="enrolment.withdrawn",
        object_type="enrolment",
        object_id=enrolment.id,
        trial_id=trial.id,
        old={"status": old_status},
        new={
            "status": enrolment.status,
            "scope": scope,
            "participant_code": enrolment.participant_code,
            **recorded_by,
        },
        reason=reason if on_behalf else None,
    )
    return withdrawal


def participant_trial_records(session: Session, participant: Participant) -> dict[str, Any]:
    """Everything the trials hold about ``participant``, in three queries.

    Returns:
        ``{"enrolments": [...], "consents": [...], "observations": [...]}``, each a list of
        plain dicts (strings, numbers and UTC datetimes), oldest first.
    """
    enrolments = session.execute(
        select(Enrolment, Trial.title)
        .join(Trial, Trial.id == Enrolment.trial_id)
        .where(Enrolment.participant_id == participant.id)
        .order_by(Enrolment.created_at, Enrolment.id)
    ).all()
    consents = session.execute(
        select(Consent, Trial.title)
        .join(Trial, Trial.id == Consent.trial_id)
        .where(Consent.participant_id == participant.id)
        .order_by(Consent.signed_at, Consent.id)
    ).all()
    observations = session.execute(
        select(
            Trial.title,
            TrialVisit.name,
            Measure.name,
            Measure.unit,
            Observation.value,
            Observation.recorded_at,
        )
        .select_from(Observation)
        .join(Enrolment, Enrolment.id == Observation.enrolment_id)
        .join(Trial, Trial.id == Enrolment.trial_id)
        .join(TrialVisit, TrialVisit.id == Observation.visit_id)
        .join(Measure, Measure.id == Observation.measure_id)
        .where(Enrolment.participant_id == participant.id)
        .order_by(Observation.recorded_at, Observation.id)
    ).all()
    return {
        "enrolments": [_enrolment_item(e, title) for e, title in enrolments],
        "consents": [_consent_item(c, title) for c, title in consents],
        "observations": [
            {
                "trial": title,
                "visit": visit,
                "measure": measure,
                "value": f"{value:g} {unit}".strip(),
                "recorded_at": recorded_at,
            }
            for title, visit, measure, unit, value, recorded_at in observations
        ],
    }


def _enrolment_item(enrolment: Enrolment, title: str) -> dict[str, Any]:
    return {
        "trial": title,
        "status": enrolment.status.label,
        "site": enrolment.site.name,
        "participant_code": enrolment.participant_code,
        "joined_at": enrolment.created_at,
    }


def _consent_item(consent: Consent, title: str) -> dict[str, Any]:
    kind = "Consent" if consent.kind is ConsentKind.CONSENT else "Withdrawal"
    if consent.withdrawal_scope is WithdrawalScope.STOP_TAKING_PART:
        kind = "Withdrawal: stopped taking part"
    elif consent.withdrawal_scope is WithdrawalScope.STOP_DATA_USE:
        kind = "Withdrawal: stopped taking part and the use of data"
    return {
        "trial": title,
        "reference": consent.reference,
        "kind": kind,
        "consent_form_version": consent.consent_form.version,
        "signed_at": consent.signed_at,
    }


def latest_withdrawals(session: Session, participant_id: int) -> dict[int, Consent]:
    """Trial id -> the participant's latest withdrawal record, for their "My trials" page."""
    rows = session.scalars(
        select(Consent)
        .where(Consent.participant_id == participant_id, Consent.kind == ConsentKind.WITHDRAWAL)
        .order_by(Consent.signed_at, Consent.id)
    ).all()
    return {row.trial_id: row for row in rows}
