"""Reads for the researcher's enrolment pages: trials they run, their sites' participants.

Every read is limited in SQL to the researcher's own sites, so a page never loads (or
counts) a participant from another site.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from flask import abort
from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from livinglab.accounts.models import User
from livinglab.participants.models import Participant
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.observations.models import Observation
from trials.proposals.models import Trial, TrialSite, TrialVisit
from trials.states import DATA_OPEN, OPEN_FOR_ENROLMENT, TrialStatus

#: Trial statuses listed on the researcher's enrolment page: recruiting, then follow-up.
LISTED_STATUSES = OPEN_FOR_ENROLMENT | DATA_OPEN


@dataclass(frozen=True)
class SiteCounts:
    """Enrolments of one trial at the researcher's sites."""

    #: Everyone enrolled (an enrolment is created when the participant consents).
    consented: int = 0
    #: Allocated to an arm.
    randomised: int = 0
    #: Consented and still waiting for randomisation.
    waiting: int = 0


def query_runnable_trials(user: User) -> Select[tuple[Trial]]:
    """Trials open for data that ``user`` runs: a researcher at one of their approved sites."""
    approved_here = Trial.trial_sites.any(
        and_(TrialSite.is_approved.is_(True), TrialSite.site_id.in_(user.site_ids))
    )
    return (
        select(Trial)
        .where(Trial.status.in_(LISTED_STATUSES), approved_here)
        .options(selectinload(Trial.organisation), selectinload(Trial.product))
        .order_by(Trial.status == TrialStatus.FOLLOW_UP, Trial.title, Trial.id)
    )


def count_enrolments_by_trial(
    session: Session, trial_ids: Collection[int], site_ids: Collection[int]
) -> dict[int, SiteCounts]:
    """Trial id -> enrolment counts at ``site_ids`` (one GROUP BY query)."""
    if not trial_ids or not site_ids:
        return {}
    rows = session.execute(
        select(
            Enrolment.trial_id,
            func.count(Enrolment.id),
            func.count(Enrolment.arm_id),
            func.count(case((Enrolment.status == EnrolmentStatus.CONSENTED, 1))),
        )
        .where(Enrolment.trial_id.in_(trial_ids), Enrolment.site_id.in_(site_ids))
        .group_by(Enrolment.trial_id)
    )
    return {
        trial_id: SiteCounts(consented=consented, randomised=randomised, waiting=waiting)
        for trial_id, consented, randomised, waiting in rows
    }


def query_site_enrolments(trial_id: int, site_ids: Collection[int]) -> Select[tuple[Enrolment]]:
    """The trial's enrolments at ``site_ids``, oldest first, with the participant's name."""
    return (
        select(Enrolment)
        .where(Enrolment.trial_id == trial_id, Enrolment.site_id.in_(site_ids))
        .options(joinedload(Enrolment.participant).joinedload(Participant.user))
        .order_by(Enrolment.created_at, Enrolment.id)
    )


def primary_values(
    session: Session, enrolment_ids: Collection[int], measure_id: int | None
) -> dict[tuple[int, int], float]:
    """(enrolment id, visit id) -> recorded value of ``measure_id`` (one query)."""
    if not enrolment_ids or measure_id is None:
        return {}
    rows = session.execute(
        select(Observation.enrolment_id, Observation.visit_id, Observation.value).where(
            Observation.enrolment_id.in_(enrolment_ids), Observation.measure_id == measure_id
        )
    )
    return {(enrolment_id, visit_id): value for enrolment_id, visit_id, value in rows}


def get_site_enrolment_or_404(session: Session, enrolment_id: int, *, for_user: User) -> Enrolment:
    """The enrolment if it is at one of ``for_user``'s sites; else 404 (existence not revealed)."""
    enrolment = session.scalar(
        select(Enrolment).where(
            Enrolment.id == enrolment_id, Enrolment.site_id.in_(for_user.site_ids)
        )
    )
    if enrolment is None:
        abort(404)
    return enrolment


def query_recorded_values(enrolment_id: int) -> Select[tuple[Observation]]:
    """Every value recorded for one participant, by visit day then measure."""
    return (
        select(Observation)
        .join(Observation.visit)
        .where(Observation.enrolment_id == enrolment_id)
        .order_by(TrialVisit.day_offset, Observation.measure_id)
    )
