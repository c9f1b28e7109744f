"""The StrideSense trial's secondary outcomes: whether each participant fell, and how often.

Drawn from a generator of their own, so adding them changed no other demo number.
"""

from __future__ import annotations

import math
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from trials.enrolment.models import Enrolment
from trials.observations.models import Observation
from trials.observations.services import record_observation
from trials.proposals.models import MeasureType, Trial
from trials.proposals.section_rules import MeasureDraft

#: Chance of at least one fall by the follow-up visit, by arm (``True``: the control arm).
FALL_RISK = {True: 0.30, False: 0.18}
#: Mean number of falls by the follow-up visit, by arm (``True``: the control arm).
MEAN_FALLS = {True: 1.0, False: 0.6}


def falls_measures(primary: MeasureDraft, follow_up_id: int) -> tuple[MeasureDraft, ...]:
    """The primary outcome, then two secondary falls outcomes taken at the follow-up visit
    only (visit ``follow_up_id``): whether the participant fell, and how many times."""
    at_follow_up = {"lower_is_better": True, "visit_ids": (follow_up_id,)}
    return (
        primary,
        MeasureDraft(
            "Fell since the last visit", "0 = no, 1 = yes", MeasureType.BINARY, 0, 1, **at_follow_up
        ),
        MeasureDraft("Number of falls", "falls", MeasureType.COUNT, 0, 20, **at_follow_up),
    )


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw with ``mean`` (Knuth's method: fine for the small means used here)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def draw_falls(rng: random.Random, *, control: bool) -> int:
    """Falls by the follow-up visit: none, or with the arm's :data:`FALL_RISK` one plus a
    Poisson number chosen so the arm's mean is :data:`MEAN_FALLS` (capped at 20, the
    measure's highest valid value). "Fell" is then simply falls > 0."""
    risk = FALL_RISK[control]
    if rng.random() >= risk:
        return 0
    return min(20, 1 + poisson(rng, MEAN_FALLS[control] / risk - 1))


def record_falls(
    session: Session, rng: random.Random, trial: Trial, staff_at: dict[int, User]
) -> None:
    """Record both falls outcomes at the follow-up visit of everyone with a follow-up Timed
    Up and Go, each by the researcher at their site.

    ``rng`` must be a generator of their own, so that adding them changes no other demo
    number (the primary values and every later cohort draw from the demo's main one).
    """
    follow_up = next(visit for visit in trial.visits if visit.code == "follow_up")
    by_name = {measure.name: measure for measure in trial.measures}
    fell, number = by_name["Fell since the last visit"], by_name["Number of falls"]
    followed = session.scalars(
        select(Enrolment)
        .join(Observation, Observation.enrolment_id == Enrolment.id)
        .where(
            Observation.visit_id == follow_up.id,
            Observation.measure_id == trial.primary_measure.id,
        )
        .order_by(Enrolment.id)
    ).all()
    for enrolment in followed:
        falls = draw_falls(rng, control=enrolment.arm.is_control)
        for measure, value in ((fell, float(falls > 0)), (number, float(falls))):
            record_observation(
                session,
                enrolment,
                trial=trial,
                visit=follow_up,
                measure=measure,
                value=value,
                actor=staff_at[enrolment.site_id],
            )
