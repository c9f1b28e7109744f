"""Allocation: the concealed list of permuted blocks (generated at approval, claimed slot by
slot) or minimisation (computed at each randomisation from the earlier allocations)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition
from trials.enrolment.models import Enrolment
from trials.proposals.models import Arm, RandomisationMethod, Trial, TrialDesign
from trials.randomisation.minimisation import (
    P_PREFERRED,
    ImbalanceMeasure,
    Minimised,
    draws_for,
    minimise,
)
from trials.randomisation.models import AllocationSlot

#: Block sizes are these multiples of the ratio total (1:1 gives blocks of 2, 4 or 6).
BLOCK_MULTIPLES = (1, 2, 3)
#: Slots generated per stratum, relative to the approved target, so late recruits fit.
HEADROOM = 1.5


@dataclass(frozen=True)
class PlannedSlot:
    sequence_no: int
    block_no: int
    block_size: int
    arm_position: int


def plan_blocks(ratios: list[int], length: int, seed: str) -> list[PlannedSlot]:
    """Permuted blocks of randomly varying size covering at least ``length`` slots.

    Args:
        ratios: allocation weight per arm, in arm order (e.g. ``[1, 1]``).
        length: the minimum number of slots; the last block is always complete.
        seed: a string seed; the same seed always gives the same list.

    Every block holds each arm exactly ``ratio * multiple`` times, so allocation is
    balanced at the end of every block.
    """
    rng = random.Random(seed)
    unit = [position for position, ratio in enumerate(ratios) for _ in range(ratio)]
    slots: list[PlannedSlot] = []
    block_no = 0
    while len(slots) < length:
        block_no += 1
        block = unit * rng.choice(BLOCK_MULTIPLES)
        rng.shuffle(block)
        for arm_position in block:
            slots.append(PlannedSlot(len(slots) + 1, block_no, len(block), arm_position))
    return slots


def generate_allocation_list(session: Session, trial: Trial, *, seed: int, actor: User) -> int:
    """Create the allocation list for each approved site of ``trial`` (stratified by site).

    Returns the number of slots created. The seed is stored on the trial.
    """
    arms = sorted(trial.arms, key=lambda arm: arm.position)
    ratios = [arm.ratio for arm in arms]
    trial.allocation_seed = seed
    created = 0
    for trial_site in trial.approved_sites:
        stratum = trial_site.site.code
        target = trial_site.approved_target or trial_site.target
        for slot in plan_blocks(ratios, int(target * HEADROOM), f"{seed}:{stratum}"):
            session.add(
                AllocationSlot(
                    trial_id=trial.id,
                    stratum=stratum,
                    sequence_no=slot.sequence_no,
                    block_no=slot.block_no,
                    block_size=slot.block_size,
                    arm_id=arms[slot.arm_position].id,
                )
            )
            created += 1
    session.flush()
    record(
        session,
        actor=actor,
        action="allocation_list.generated",
        object_type="trial",
        object_id=trial.id,
        trial_id=trial.id,
        new={
            "seed": seed,
            "slots": created,
            "method": "stratified permuted blocks",
            "block_multiples": list(BLOCK_MULTIPLES),
        },
    )
    return created


@dataclass(frozen=True)
class ClaimedSlot:
    id: int
    stratum: str
    sequence_no: int
    block_no: int
    arm_id: int


def claim_next_slot(
    session: Session, *, trial_id: int, stratum: str, enrolment_id: int
) -> ClaimedSlot:
    """Atomically give the lowest unused slot of the stratum to the enrolment: one statement.

    ``UPDATE ... WHERE id = (SELECT ... FOR UPDATE) RETURNING``: on PostgreSQL the
    candidate row is locked, so a concurrent randomisation at the same site waits for it
    and then moves on to the next unused slot (never the same one, never skipping one);
    the unique constraint on ``enrolment_id`` backs this up. SQLite serialises writers, so
    the same statement is safe there. Called as late as possible in the transaction, so the
    lock is held only while the allocation is written.

    Raises:
        IllegalTransition: the stratum's list is used up.
    """
    next_unused = (
        select(AllocationSlot.id)
        .where(
            AllocationSlot.trial_id == trial_id,
            AllocationSlot.stratum == stratum,
            AllocationSlot.enrolment_id.is_(None),
        )
        .order_by(AllocationSlot.sequence_no)
        .limit(1)
        .with_for_update()
        .scalar_subquery()
    )
    row = session.execute(
        update(AllocationSlot)
        .where(AllocationSlot.id == next_unused)
        .values(enrolment_id=enrolment_id, used_at=utcnow())
        .returning(
            AllocationSlot.id,
            AllocationSlot.stratum,
            AllocationSlot.sequence_no,
            AllocationSlot.block_no,
            AllocationSlot.arm_id,
        )
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        raise IllegalTransition(
            "The allocation list for this site is used up. Ask the trial statistician "
            "to extend it before randomising anyone else."
        )
    return ClaimedSlot(*row)


def count_unused_slots(session: Session, trial_id: int, stratum: str) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                AllocationSlot.trial_id == trial_id,
                AllocationSlot.stratum == stratum,
                AllocationSlot.enrolment_id.is_(None),
            )
        )
        or 0
    )


#: The minimisation factors, in the order their counts are recorded.
MINIMISATION_FACTORS = ("site", "age_band", "sex")
MINIMISATION_MEASURE = ImbalanceMeasure.RANGE


def set_up_randomisation(
    session: Session,
    trial: Trial,
    *,
    method: RandomisationMethod,
    seed: int,
    actor: User,
) -> None:
    """Record how ``trial`` allocates participants, at approval, with its seed.

    Blocks: the allocation list is generated now. Minimisation: no list; the method, seed
    and rule are recorded (``randomisation.configured``) and each allocation is computed
    when it is made. Single-arm trials do not randomise: nothing is generated.
    """
    trial.randomisation_method = method
    if trial.design is TrialDesign.SINGLE_ARM:
        return
    if method is RandomisationMethod.BLOCKS:
        generate_allocation_list(session, trial, seed=seed, actor=actor)
        return
    trial.allocation_seed = seed
    session.flush()
    record(
        session,
        actor=actor,
        action="randomisation.configured",
        object_type="trial",
        object_id=trial.id,
        trial_id=trial.id,
        new={
            "method": "minimisation",
            "seed": seed,
            "factors": list(MINIMISATION_FACTORS),
            "measure": MINIMISATION_MEASURE,
            "p_preferred": P_PREFERRED,
        },
    )


def lock_trial(session: Session, trial_id: int) -> None:
    """Serialise minimisation per trial: hold the trial's row until the transaction ends.

    ``FOR NO KEY UPDATE`` still lets other transactions insert rows that refer to the trial
    (audit events, visits), so only minimisations of the same trial queue. SQLite ignores
    the clause; its ``BEGIN IMMEDIATE`` already serialises writers.
    """
    session.execute(select(Trial.id).where(Trial.id == trial_id).with_for_update(key_share=True))


def count_allocations(session: Session, trial_id: int) -> dict[tuple[int, str, str, int], int]:
    """(site id, age band, sex, arm id) -> participants already allocated (one GROUP BY)."""
    rows = session.execute(
        select(Enrolment.site_id, Enrolment.age_band, Enrolment.sex, Enrolment.arm_id, func.count())
        .where(Enrolment.trial_id == trial_id, Enrolment.arm_id.is_not(None))
        .group_by(Enrolment.site_id, Enrolment.age_band, Enrolment.sex, Enrolment.arm_id)
    )
    return {(site, band or "", sex or "", arm): n for site, band, sex, arm, n in rows}


def level_counts(
    allocations: dict[tuple[int, str, str, int], int],
    levels: tuple[int, str, str],
    arm_ids: list[int],
) -> list[list[int]]:
    """Per factor, the earlier allocations per arm at the participant's level of it."""
    table = []
    for factor in range(len(MINIMISATION_FACTORS)):
        per_arm = dict.fromkeys(arm_ids, 0)
        for key, count in allocations.items():
            if key[factor] == levels[factor] and key[3] in per_arm:
                per_arm[key[3]] += count
        table.append([per_arm[arm_id] for arm_id in arm_ids])
    return table


def allocate_by_minimisation(
    session: Session, trial: Trial, enrolment: Enrolment
) -> tuple[Arm, dict[str, object]]:
    """Choose the arm of ``enrolment`` (its ``age_band`` and ``sex`` already set).

    The trial's row is locked first, so concurrent minimisations of the trial count each
    other's allocations and take consecutive sequence numbers. The draws come from the
    trial's recorded seed and the sequence number (see :func:`minimisation.draws_for`).

    Returns the arm and what the audit event records: the sequence number, the factor
    levels, the counts per arm at each level, the scores, the preferred arms and the draws.

    Raises:
        IllegalTransition: the trial has no recorded seed (it was not approved for
            minimisation).
    """
    if trial.allocation_seed is None:
        raise IllegalTransition("This trial has no allocation seed; it cannot randomise yet.")
    lock_trial(session, trial.id)
    arms = sorted(trial.arms, key=lambda arm: arm.position)
    arm_ids = [arm.id for arm in arms]
    allocations = count_allocations(session, trial.id)
    levels = (enrolment.site_id, enrolment.age_band or "", enrolment.sex or "")
    counts = level_counts(allocations, levels, arm_ids)
    sequence_no = sum(allocations.values()) + 1
    choice = minimise(
        counts,
        [arm.ratio for arm in arms],
        draws_for(trial.allocation_seed, sequence_no),
        measure=MINIMISATION_MEASURE,
    )
    return arms[choice.arm], _minimisation_details(choice, sequence_no, enrolment, arm_ids, counts)


def _minimisation_details(
    choice: Minimised,
    sequence_no: int,
    enrolment: Enrolment,
    arm_ids: list[int],
    counts: list[list[int]],
) -> dict[str, object]:
    return {
        "method": "minimisation",
        "sequence": sequence_no,
        "factors": {
            "site": enrolment.site.code,
            "age_band": enrolment.age_band,
            "sex": enrolment.sex,
        },
        "counts": {
            factor: dict(zip(map(str, arm_ids), row, strict=True))
            for factor, row in zip(MINIMISATION_FACTORS, counts, strict=True)
        },
        "scores": dict(zip(map(str, arm_ids), choice.scores, strict=True)),
        "preferred_arm_ids": [arm_ids[arm] for arm in choice.preferred],
        "took_preferred": choice.took_preferred,
        "draws": list(choice.draws),
        "p_preferred": P_PREFERRED,
        "measure": MINIMISATION_MEASURE,
    }
