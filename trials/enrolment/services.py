"""Enrolment use cases: create after consent, randomise (or start, in a single-arm trial)."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, NotPermitted
from livinglab.participants.models import Participant
from livinglab.sites.models import Site
from trials.consent.services import require_current_consent
from trials.eligibility.services import already_message, enrolment_of, require_eligible
from trials.enrolment.models import WAITING_TO_CONSENT, Enrolment, EnrolmentStatus
from trials.followup.services import schedule_visits
from trials.permissions import can_run_trial
from trials.proposals.models import Arm, RandomisationMethod, Trial, TrialDesign
from trials.randomisation.bands import age_band
from trials.randomisation.services import (
    allocate_by_minimisation,
    claim_next_slot,
)
from trials.states import OPEN_FOR_ENROLMENT


def _new_participant_code(session: Session, trial_id: int, site_code: str) -> str:
    """A random pseudonym such as ``WFH-3F9A2C``: it carries no order or identity."""
    while True:
        code = f"{site_code}-{secrets.token_hex(3).upper()}"
        taken = session.scalar(
            select(Enrolment.id).where(
                Enrolment.trial_id == trial_id, Enrolment.participant_code == code
            )
        )
        if taken is None:
            return code


def create_enrolment(
    session: Session, *, trial: Trial, participant: Participant, site_id: int, actor: User
) -> Enrolment:
    """Enrol a participant who has just consented (status ``consented``).

    A participant who registered interest already has an ``interested`` enrolment: that
    row moves on to ``consented`` at the site chosen now (with a new pseudonym from that
    site if it changed), so there is still one enrolment per participant and trial.

    Raises:
        NotPermitted: no current consent, or a criterion is not met (``NotEligible``).
        IllegalTransition: the participant is already consented or further on.
    """
    require_current_consent(session, participant.id, trial.id)
    require_eligible(session, participant, trial)
    site = session.get_one(Site, site_id)
    existing = enrolment_of(session, participant.id, trial.id)
    if existing is not None:
        return _consent_interested(session, existing, trial=trial, site=site, actor=actor)
    enrolment = Enrolment(
        trial_id=trial.id,
        participant_id=participant.id,
        site_id=site_id,
        participant_code=_new_participant_code(session, trial.id, site.code),
        status=EnrolmentStatus.CONSENTED,
    )
    session.add(enrolment)
    session.flush()
    record(
        session,
        actor=actor,
        action="enrolment.consented",
        object_type="enrolment",
        object_id=enrolment.id,
        trial_id=trial.id,
        new={
            "status": enrolment.status,
            "site_id": site_id,
            "participant_code": enrolment.participant_code,
        },
    )
    return enrolment


def _consent_interested(
    session: Session, enrolment: Enrolment, *, trial: Trial, site: Site, actor: User
) -> Enrolment:
    """Move an ``interested`` (or ``screened``) enrolment on to ``consented`` at ``site``."""
    if enrolment.status not in WAITING_TO_CONSENT:
        raise IllegalTransition(already_message(enrolment))
    old = {
        "status": enrolment.status,
        "site_id": enrolment.site_id,
        "participant_code": enrolment.participant_code,
    }
    if enrolment.site_id != site.id:
        enrolment.site = site
        enrolment.participant_code = _new_participant_code(session, trial.id, site.code)
    enrolment.status = EnrolmentStatus.CONSENTED
    session.flush()
    record(
        session,
        actor=actor,
        action="enrolment.consented",
        object_type="enrolment",
        object_id=enrolment.id,
        trial_id=trial.id,
        old=old,
        new={
            "status": enrolment.status,
            "site_id": site.id,
            "participant_code": enrolment.participant_code,
        },
    )
    return enrolment


def _require_randomisable(
    session: Session, enrolment: Enrolment, *, trial: Trial, actor: User
) -> None:
    if not can_run_trial(actor, trial) or enrolment.site_id not in actor.site_ids:
        raise NotPermitted("Only research staff at this participant's site can randomise them.")
    if trial.status not in OPEN_FOR_ENROLMENT:
        raise IllegalTransition(
            "Participants can only be randomised while the trial is recruiting."
        )
    if enrolment.status is not EnrolmentStatus.CONSENTED:
        raise IllegalTransition(
            f"Only consented participants can be randomised; this one is "
            f"{enrolment.status.label.lower()}."
        )
    require_current_consent(session, enrolment.participant_id, trial.id)


def _allocate(session: Session, enrolment: Enrolment, trial: Trial) -> tuple[Arm, dict]:
    """The arm, by the trial's method, and what the audit event records about the choice."""
    if trial.design is TrialDesign.SINGLE_ARM:
        (arm,) = trial.arms
        return arm, {"method": "single arm"}
    if trial.randomisation_method is RandomisationMethod.MINIMISATION:
        return allocate_by_minimisation(session, trial, enrolment)
    slot = claim_next_slot(
        session, trial_id=trial.id, stratum=enrolment.site.code, enrolment_id=enrolment.id
    )
    arm = next(arm for arm in trial.arms if arm.id == slot.arm_id)
    return arm, {
        "method": "blocks",
        "slot": slot.sequence_no,
        "stratum": slot.stratum,
        "block": slot.block_no,
    }


def randomise(session: Session, enrolment: Enrolment, *, trial: Trial, actor: User) -> Enrolment:
    """Allocate a consented participant to an arm by the trial's method, or, in a single-arm
    trial, start them on its only arm.

    Blocks take the next slot of the site's concealed list; minimisation computes the arm
    from the earlier allocations (see :mod:`trials.randomisation.minimisation`). Both
    record the participant's age band and sex on the enrolment. A single-arm trial does
    not randomise: the participant becomes ``active`` on the one arm at once, audited as
    ``enrolment.started`` instead of ``enrolment.randomised``. Follow-up visits are
    scheduled from today in every case.

    Raises:
        NotPermitted: the actor does not work at the enrolment's site, or consent is not current.
        IllegalTransition: the trial is not recruiting, the participant is not waiting for
            randomisation, or the list is used up.
    """
    _require_randomisable(session, enrolment, trial=trial, actor=actor)
    born, sex = session.execute(
        select(Participant.date_of_birth, Participant.sex).where(
            Participant.id == enrolment.participant_id
        )
    ).one()
    now = utcnow()
    enrolment.age_band = age_band(born, now.date())
    enrolment.sex = sex.value
    with session.no_autoflush:  # one UPDATE of the enrolment, after the allocation
        arm, details = _allocate(session, enrolment, trial)
    single_arm = trial.design is TrialDesign.SINGLE_ARM
    enrolment.arm = arm
    enrolment.status = EnrolmentStatus.ACTIVE if single_arm else EnrolmentStatus.RANDOMISED
    enrolment.randomised_at = now
    session.flush()
    scheduled = schedule_visits(session, enrolment, trial.visits, start=now.date())
    record(
        session,
        actor=actor,
        action="enrolment.started" if single_arm else "enrolment.randomised",
        object_type="enrolment",
        object_id=enrolment.id,
        trial_id=trial.id,
        old={"status": EnrolmentStatus.CONSENTED},
        new={
            "status": enrolment.status,
            "arm_id": arm.id,
            "age_band": enrolment.age_band,
            "sex": enrolment.sex,
            **details,
            "visits_scheduled": scheduled,
        },
    )
    return enrolment
