"""The concealed allocation list: generation from a recorded seed, and claiming a slot."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition
from trials.proposals.models import Arm, Trial
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


def claim_next_slot(
    session: Session, *, trial_id: int, stratum: str, enrolment_id: int
) -> AllocationSlot:
    """Atomically give the lowest unused slot of the stratum to the enrolment.

    On PostgreSQL the candidate row is locked (``FOR UPDATE``) so two concurrent
    randomisations queue on it instead of taking the same slot; the conditional UPDATE and
    the unique constraint on ``enrolment_id`` make a lost race fail loudly, never silently.
    SQLite serialises writers, so the same statements are safe there.

    Raises:
        IllegalTransition: the stratum's list is used up.
    """
    for _attempt in range(5):
        slot_id = session.scalar(
            select(AllocationSlot.id)
            .where(
                AllocationSlot.trial_id == trial_id,
                AllocationSlot.stratum == stratum,
                AllocationSlot.enrolment_id.is_(None),
            )
            .order_by(AllocationSlot.sequence_no)
            .limit(1)
            .with_for_update()
        )
        if slot_id is None:
            raise IllegalTransition(
                "The allocation list for this site is used up. Ask the trial statistician "
                "to extend it before randomising anyone else."
            )
        claimed = session.execute(
            update(AllocationSlot)
            .where(AllocationSlot.id == slot_id, AllocationSlot.enrolment_id.is_(None))
            .values(enrolment_id=enrolment_id, used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            return session.get_one(AllocationSlot, slot_id, populate_existing=True)
    raise IllegalTransition("Randomisation is busy. Try again in a moment.")


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


def arm_of_slot(session: Session, slot: AllocationSlot) -> Arm:
    return session.get_one(Arm, slot.arm_id)
