"""The enrolment pipeline after interest: staff moves, each checked, audited and reasoned.

interested -> screened -> consented -> randomised -> active -> completed, with withdrawn
and lost to follow-up as the other ends. Consent (``create_enrolment``) and
randomisation (``randomise``) have their own services; this module holds the moves
research staff make by hand, and the one made when follow-up starts.

``randomised -> active`` happens when the participant's first follow-up visit is
recorded as attended (:func:`trials.followup.services.mark_attended`), so "active"
always means follow-up is under way; there is no separate button for it.
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from livinglab.participants.models import Participant
from trials.consent.models import Consent, WithdrawalScope
from trials.consent.services import latest_consent
from trials.consent.withdrawal import withdraw_from_trial, withdrawal_choices
from trials.eligibility.services import unmet_criteria
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.followup.models import ScheduledVisit, VisitStatus
from trials.permissions import can_run_trial
from trials.proposals.models import Trial
from trials.states import DATA_OPEN, OPEN_FOR_ENROLMENT

E = EnrolmentStatus

#: Follow-up is over: a withdrawal can then only stop the use of the data.
FINISHED = frozenset({E.COMPLETED, E.LOST_TO_FOLLOW_UP})


class Move(enum.StrEnum):
    """A move along the pipeline (the value is the URL slug of its button)."""

    SCREEN = "screen"
    START = "start"
    COMPLETE = "complete"
    LOSE = "lost-to-follow-up"
    WITHDRAW = "withdraw"


#: Move -> (status after, statuses it may start from, refusal in plain words).
PIPELINE: dict[Move, tuple[EnrolmentStatus, frozenset[EnrolmentStatus], str]] = {
    Move.SCREEN: (
        E.SCREENED,
        frozenset({E.INTERESTED}),
        "Only a participant who registered interest can be screened.",
    ),
    Move.START: (
        E.ACTIVE,
        frozenset({E.RANDOMISED}),
        "Follow-up can only start for a randomised participant.",
    ),
    Move.COMPLETE: (
        E.COMPLETED,
        frozenset({E.RANDOMISED, E.ACTIVE}),
        "Only a participant in follow-up can complete it.",
    ),
    Move.LOSE: (
        E.LOST_TO_FOLLOW_UP,
        frozenset({E.RANDOMISED, E.ACTIVE}),
        "Only a participant in follow-up can be lost to follow-up.",
    ),
    Move.WITHDRAW: (
        E.WITHDRAWN,
        # A participant who completed, was lost or stopped taking part may still ask
        # that their data are not used (until the data lock).
        frozenset(
            {E.CONSENTED, E.RANDOMISED, E.ACTIVE, E.COMPLETED, E.LOST_TO_FOLLOW_UP, E.WITHDRAWN}
        ),
        "Only a participant who has consented can withdraw.",
    ),
}


#: Moves that change follow-up data, so not after the data lock.
FOLLOW_UP_MOVES = frozenset({Move.START, Move.COMPLETE, Move.LOSE})


def check_move(move: Move, enrolment: Enrolment, trial: Trial) -> None:
    """Refuse ``move`` from the enrolment's status, or while the trial does not allow it.

    Raises:
        IllegalTransition: with the reason in plain words and the participant's status.
    """
    _target, sources, refusal = PIPELINE[move]
    if enrolment.status not in sources:
        raise IllegalTransition(
            f"{refusal} {enrolment.participant_code} is {enrolment.status.label.lower()}."
        )
    if move is Move.SCREEN and trial.status not in OPEN_FOR_ENROLMENT:
        raise IllegalTransition("Participants can only be screened while the trial is recruiting.")
    if move in FOLLOW_UP_MOVES and trial.status not in DATA_OPEN:
        raise IllegalTransition("This trial's data are locked; follow-up cannot change.")


def is_allowed(move: Move, enrolment: Enrolment, trial: Trial) -> bool:
    """True when :func:`check_move` would let ``move`` through (for showing the button)."""
    try:
        check_move(move, enrolment, trial)
    except IllegalTransition:
        return False
    return True


def _require_site_staff(actor: User, trial: Trial, enrolment: Enrolment) -> None:
    if not can_run_trial(actor, trial) or enrolment.site_id not in actor.site_ids:
        raise NotPermitted("Only research staff at this participant's site can do this.")


def _move(
    session: Session,
    enrolment: Enrolment,
    move: Move,
    *,
    trial: Trial,
    actor: User,
    reason: str | None,
    details: dict[str, Any] | None = None,
) -> Enrolment:
    """Change the status, set ``ended_at`` on an end state, and write the audit event."""
    target = PIPELINE[move][0]
    old = {"status": enrolment.status}
    enrolment.status = target
    if target in FINISHED:
        enrolment.ended_at = utcnow()
    session.flush()
    record(
        session,
        actor=actor,
        action=f"enrolment.{target.value}",
        object_type="enrolment",
        object_id=enrolment.id,
        trial_id=trial.id,
        old=old,
        new={
            "status": target,
            "participant_code": enrolment.participant_code,
            **(details or {}),
        },
        reason=reason,
    )
    return enrolment


def _clean(reason: str | None) -> str | None:
    return (reason or "").strip() or None


def screen(
    session: Session, enrolment: Enrolment, *, trial: Trial, actor: User, reason: str | None = None
) -> Enrolment:
    """Staff confirm that an interested participant meets every criterion today.

    Raises:
        NotPermitted: the actor is not research staff at the participant's site.
        IllegalTransition: not ``interested``, the trial is not recruiting, or a criterion
            is not met (each unmet criterion is named).
    """
    _require_site_staff(actor, trial, enrolment)
    check_move(Move.SCREEN, enrolment, trial)
    participant = session.get_one(Participant, enrolment.participant_id)
    unmet = unmet_criteria(session, participant, trial)
    if unmet:
        reasons = " ".join(f"{result.text}." for result in unmet)
        raise IllegalTransition(
            f"{enrolment.participant_code} does not meet every requirement of this trial. {reasons}"
        )
    return _move(session, enrolment, Move.SCREEN, trial=trial, actor=actor, reason=_clean(reason))


def start_follow_up(
    session: Session, enrolment: Enrolment, *, trial: Trial, actor: User, reason: str
) -> Enrolment:
    """Move a randomised participant to ``active`` (called when a follow-up visit is attended).

    Raises:
        NotPermitted, IllegalTransition: as :func:`check_move`.
    """
    _require_site_staff(actor, trial, enrolment)
    check_move(Move.START, enrolment, trial)
    return _move(session, enrolment, Move.START, trial=trial, actor=actor, reason=reason)


def count_open_visits(session: Session, enrolment_id: int) -> int:
    """How many of the participant's visits are still scheduled (neither attended nor missed)."""
    return session.scalar(
        select(func.count(ScheduledVisit.id)).where(
            ScheduledVisit.enrolment_id == enrolment_id,
            ScheduledVisit.status == VisitStatus.SCHEDULED,
        )
    )


def complete(
    session: Session, enrolment: Enrolment, *, trial: Trial, actor: User, reason: str | None = None
) -> Enrolment:
    """Record that the participant finished follow-up: every visit attended or missed.

    Raises:
        NotPermitted: the actor is not research staff at the participant's site.
        IllegalTransition: not in follow-up, data locked, or visits still scheduled.
    """
    _require_site_staff(actor, trial, enrolment)
    check_move(Move.COMPLETE, enrolment, trial)
    still_open = count_open_visits(session, enrolment.id)
    if still_open:
        visits = "visit is" if still_open == 1 else "visits are"
        raise IllegalTransition(
            f"Follow-up can only be completed once every visit is attended or missed; "
            f"{still_open} {visits} still scheduled for {enrolment.participant_code}."
        )
    return _move(session, enrolment, Move.COMPLETE, trial=trial, actor=actor, reason=_clean(reason))


def lose_to_follow_up(
    session: Session, enrolment: Enrolment, *, trial: Trial, actor: User, reason: str
) -> Enrolment:
    """Record that the participant can no longer be followed up; their open visits are missed.

    Every visit still scheduled becomes ``missed`` with ``reason``, in the same
    transaction (one UPDATE), and the audit event lists them.

    Raises:
        NotPermitted: the actor is not research staff at the participant's site.
        IllegalTransition: not in follow-up, or the trial's data are locked.
        InvalidInput: on ``reason`` when it is empty.
    """
    _require_site_staff(actor, trial, enrolment)
    check_move(Move.LOSE, enrolment, trial)
    reason = _clean(reason)
    if reason is None:
        raise InvalidInput("reason", "Give the reason the participant was lost to follow-up")
    missed = session.scalars(
        update(ScheduledVisit)
        .where(
            ScheduledVisit.enrolment_id == enrolment.id,
            ScheduledVisit.status == VisitStatus.SCHEDULED,
        )
        .values(
            status=VisitStatus.MISSED,
            missed_reason=reason,
            updated_by_id=actor.id,
            updated_at=utcnow(),
        )
        .returning(ScheduledVisit.id)
        .execution_options(synchronize_session="fetch")
    ).all()
    return _move(
        session,
        enrolment,
        Move.LOSE,
        trial=trial,
        actor=actor,
        reason=reason,
        details={"visits_missed": sorted(missed)},
    )


def withdraw_on_behalf(
    session: Session,
    enrolment: Enrolment,
    *,
    trial: Trial,
    actor: User,
    scope: WithdrawalScope,
    reason: str,
) -> Consent:
    """Record a withdrawal the participant asked staff to make, with their data choice.

    Writes the same append-only withdrawal consent record as the participant's own page
    (:func:`trials.consent.withdrawal.withdraw_from_trial`), with ``actor`` as the one
    who recorded it.

    Raises:
        NotPermitted: the actor is not research staff at the participant's site.
        IllegalTransition: not consented yet, or already withdrawn with this choice.
        InvalidInput: on ``reason`` when empty; on ``scope`` when data use is to stop
            after the data lock.
    """
    _require_site_staff(actor, trial, enrolment)
    check_move(Move.WITHDRAW, enrolment, trial)
    reason = _clean(reason)
    if reason is None:
        raise InvalidInput("reason", "Give the reason the participant is withdrawing")
    if scope is WithdrawalScope.STOP_TAKING_PART and enrolment.status in FINISHED:
        raise InvalidInput(
            "scope",
            f"{enrolment.participant_code} is {enrolment.status.label.lower()} already; "
            "only the use of their data can still be stopped",
        )
    return withdraw_from_trial(
        session,
        participant=session.get_one(Participant, enrolment.participant_id),
        trial=trial,
        scope=scope,
        reason=reason,
        actor=actor,
    )


def withdrawal_scopes(session: Session, enrolment: Enrolment) -> tuple[WithdrawalScope, ...]:
    """The data choices staff may still record for the participant (none before consent)."""
    if enrolment.status not in PIPELINE[Move.WITHDRAW][1]:
        return ()
    scopes = withdrawal_choices(
        latest_consent(session, enrolment.participant_id, enrolment.trial_id)
    )
    if enrolment.status in FINISHED:
        scopes = tuple(s for s in scopes if s is not WithdrawalScope.STOP_TAKING_PART)
    return scopes


def allowed_moves(
    enrolment: Enrolment,
    trial: Trial,
    *,
    open_visits: int,
    scopes: tuple[WithdrawalScope, ...],
) -> frozenset[Move]:
    """The moves staff can make now from the participant page (follow-up starts by itself).

    Args:
        open_visits: how many of the participant's visits are still scheduled.
        scopes: :func:`withdrawal_scopes` for the participant.
    """
    moves = {move for move in (Move.SCREEN, Move.LOSE) if is_allowed(move, enrolment, trial)}
    if open_visits == 0 and is_allowed(Move.COMPLETE, enrolment, trial):
        moves.add(Move.COMPLETE)
    if scopes and is_allowed(Move.WITHDRAW, enrolment, trial):
        moves.add(Move.WITHDRAW)
    return frozenset(moves)
