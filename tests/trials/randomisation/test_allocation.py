"""The concealed allocation list: balanced permuted blocks, reproducible, safe under concurrency."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livinglab.errors import IllegalTransition
from tests import factories
from trials.randomisation.models import AllocationSlot
from trials.randomisation.services import BLOCK_MULTIPLES, claim_next_slot, plan_blocks
from trials.states import TrialStatus


@given(
    ratios=st.lists(st.integers(min_value=1, max_value=3), min_size=2, max_size=4),
    length=st.integers(min_value=1, max_value=200),
    seed=st.text(max_size=12),
)
@settings(max_examples=200, deadline=None)
def test_every_block_is_balanced_to_the_ratio(ratios, length, seed):
    slots = plan_blocks(ratios, length, seed)
    assert len(slots) >= length
    assert [s.sequence_no for s in slots] == list(range(1, len(slots) + 1))
    blocks: dict[int, list] = {}
    for slot in slots:
        blocks.setdefault(slot.block_no, []).append(slot)
    unit = sum(ratios)
    for block in blocks.values():
        size = len(block)
        assert size == block[0].block_size
        assert size // unit in BLOCK_MULTIPLES and size % unit == 0
        counts = Counter(s.arm_position for s in block)
        assert all(counts[arm] == ratio * size // unit for arm, ratio in enumerate(ratios))


def test_same_seed_same_list_other_seed_other_list():
    first = plan_blocks([1, 1], 60, "123:WFH")
    assert first == plan_blocks([1, 1], 60, "123:WFH")
    assert first != plan_blocks([1, 1], 60, "124:WFH")
    assert len({s.block_size for s in first}) > 1, "block sizes should vary"


def test_approval_creates_a_list_per_approved_site(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.APPROVED, sites=("WFH", "DOR"))
    session.commit()
    strata = dict(
        session.execute(
            select(AllocationSlot.stratum, func.count())
            .where(AllocationSlot.trial_id == trial.id)
            .group_by(AllocationSlot.stratum)
        ).all()
    )
    assert set(strata) == {"WFH", "DOR"}
    assert all(count >= 20 for count in strata.values())
    assert trial.allocation_seed == 42


def test_used_up_list_refuses_with_a_clear_message(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING, sites=("WFH",))
    session.execute(
        AllocationSlot.__table__.update()
        .where(AllocationSlot.trial_id == trial.id)
        .values(enrolment_id=None)
    )
    total = session.scalar(select(func.count()).where(AllocationSlot.trial_id == trial.id))
    enrolments = [
        factories.consent(session, trial, factories.make_participant(session))
        for _ in range(total + 1)
    ]
    for enrolment in enrolments[:total]:
        claim_next_slot(session, trial_id=trial.id, stratum="WFH", enrolment_id=enrolment.id)
    with pytest.raises(IllegalTransition, match="allocation list for this site is used up"):
        claim_next_slot(session, trial_id=trial.id, stratum="WFH", enrolment_id=enrolments[-1].id)


@pytest.mark.commits
def test_concurrent_claims_never_share_or_skip_a_slot(app, session, world):
    """Workers on their own connections claim slots at once: each slot once, no gaps."""
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING, sites=("WFH",))
    enrolment_ids = [
        factories.consent(session, trial, factories.make_participant(session)).id for _ in range(16)
    ]
    trial_id = trial.id
    session.commit()
    from livinglab.extensions import db

    engine = db.engine
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(ids: list[int]) -> None:
        try:
            barrier.wait()
            with app.app_context():
                claim_all(ids)
        except BaseException as error:
            errors.append(error)

    def claim_all(ids: list[int]) -> None:
        for enrolment_id in ids:
            with Session(engine) as own:
                claim_next_slot(own, trial_id=trial_id, stratum="WFH", enrolment_id=enrolment_id)
                own.commit()

    threads = [threading.Thread(target=worker, args=(enrolment_ids[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    session.expire_all()
    used = session.scalars(
        select(AllocationSlot.sequence_no)
        .where(AllocationSlot.trial_id == trial_id, AllocationSlot.enrolment_id.is_not(None))
        .order_by(AllocationSlot.sequence_no)
    ).all()
    assert used == list(range(1, 17))
