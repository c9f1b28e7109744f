"""The data lock: the trial lead or an evaluator closes follow-up, and may reopen it with a reason.

Locking moves the trial from follow-up to locked and stamps ``Trial.data_locked_at``: no
more values can be recorded (recording services accept only trials in
:data:`~trials.states.DATA_OPEN`), and withdrawals can no longer stop the use of data
(:func:`trials.consent.withdrawal.data_are_locked`). Unlocking moves it back to follow-up
and clears the stamp, so a mistake found before the analysis can be corrected; every
correction then needs its own reason, as always. Once the analysis has been run the data
stay locked: the results must match the data they were computed from.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from trials.lifecycle import transition
from trials.proposals.models import Trial
from trials.states import RESULTS_AVAILABLE, TrialStatus

UNLOCK_AFTER_RESULTS = (
    "The data cannot be unlocked once the trial has been evaluated: the results were "
    "worked out from the locked data and must stay the same as what was analysed."
)


def is_trial_lead(user: User, trial: Trial) -> bool:
    """The researcher named as the trial's lead."""
    return user.has_role(Role.RESEARCHER) and trial.lead_id is not None and trial.lead_id == user.id


def can_lock_data(user: User, trial: Trial) -> bool:
    """The trial lead or an evaluator; whether the trial's state allows it is the service's say."""
    return user.has_role(Role.EVALUATOR) or is_trial_lead(user, trial)


def lock_data(session: Session, trial: Trial, *, actor: User, note: str | None = None) -> Trial:
    """Close follow-up: no more values may be recorded (audited as ``trial.locked``).

    Args:
        note: an optional note for the audit trail (blank counts as none).

    Raises:
        NotPermitted: the actor is neither the trial lead nor an evaluator.
        IllegalTransition: the trial is not in follow-up.
    """
    if not can_lock_data(actor, trial):
        raise NotPermitted("Only the trial lead or an evaluator can lock this trial's data.")
    transition(session, trial, TrialStatus.LOCKED, actor=actor, reason=(note or "").strip() or None)
    trial.data_locked_at = utcnow()
    session.flush()
    return trial


def unlock_data(session: Session, trial: Trial, *, actor: User, reason: str) -> Trial:
    """Reopen locked data for corrections: back to follow-up, ``data_locked_at`` cleared.

    Audited as ``trial.data_unlocked`` with the reason and when the data had been locked.
    The company is not emailed: it is told again when the data are locked again.

    Raises:
        NotPermitted: the actor is neither the trial lead nor an evaluator.
        IllegalTransition: the trial has been evaluated or decided, or is not locked.
        InvalidInput: on ``reason`` when it is blank.
    """
    if not can_lock_data(actor, trial):
        raise NotPermitted("Only the trial lead or an evaluator can unlock this trial's data.")
    if trial.status in RESULTS_AVAILABLE:
        raise IllegalTransition(UNLOCK_AFTER_RESULTS)
    if trial.status is not TrialStatus.LOCKED:
        raise IllegalTransition(
            f"Only locked data can be unlocked. This trial is {trial.status.label.lower()}."
        )
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason", "Enter why the data need to be unlocked")
    locked_at = trial.data_locked_at
    transition(
        session,
        trial,
        TrialStatus.FOLLOW_UP,
        actor=actor,
        reason=reason,
        details={"data_locked_at": None, "had_been_locked_at": locked_at},
        action="trial.data_unlocked",
        notify=False,
    )
    trial.data_locked_at = None
    session.flush()
    return trial
