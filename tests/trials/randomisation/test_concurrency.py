"""Many researchers randomising at once, from separate connections: every allocation checked.

PostgreSQL runs 80 participants at two sites from 8 threads; SQLite (which serialises
writers) runs a small version of the same test.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, defaultdict

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.models import AuditEvent
from livinglab.extensions import db
from livinglab.participants.models import Sex
from tests import factories
from tests.trials.randomisation.helpers import recruiting_trial
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.enrolment.services import randomise
from trials.proposals.models import RandomisationMethod, Trial
from trials.queries import trial_with_details
from trials.randomisation.models import AllocationSlot

SEXES = (Sex.FEMALE, Sex.MALE)


def _consented(session, world, trial, per_site: int) -> dict[int, int]:
    """Enrolment id -> id of the researcher who randomises it, half at each site."""
    staff = {"WFH": world.researcher_wfh.id, "DOR": world.researcher_dor.id}
    who = {}
    for i in range(per_site * 2):
        code = "WFH" if i % 2 else "DOR"
        participant = factories.make_participant(
            session, date_of_birth=dt.date(1940 + (i * 7) % 60, 1 + i % 12, 1)
        )
        participant.sex = SEXES[(i // 3) % 2]
        who[factories.consent(session, trial, participant, code).id] = staff[code]
    return who


def _randomise_all(app, work: list[tuple[int, int]], trial_id: int, threads: int) -> list:
    """Randomise every (enrolment id, researcher id) of ``work`` from ``threads`` threads,
    each randomisation in its own session and transaction; returns the errors raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def worker(share: list[tuple[int, int]]) -> None:
        try:
            with app.app_context():
                engine = db.engine
                barrier.wait()
                for enrolment_id, researcher_id in share:
                    with Session(engine) as own:
                        trial = own.scalars(trial_with_details().where(Trial.id == trial_id)).one()
                        randomise(
                            own,
                            own.get_one(Enrolment, enrolment_id),
                            trial=trial,
                            actor=own.get_one(User, researcher_id),
                        )
                        own.commit()
        except BaseException as error:
            errors.append(error)

    pool = [threading.Thread(target=worker, args=(work[i::threads],)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return errors


def _scale(database_url: str) -> tuple[int, int]:
    """(participants per site, threads): full size on PostgreSQL, small on SQLite."""
    return (40, 8) if database_url.startswith("postgresql") else (6, 3)


def _check_every_enrolment(session, trial_id: int, who: dict[int, int]) -> list[Enrolment]:
    session.expire_all()
    enrolments = session.scalars(select(Enrolment).where(Enrolment.trial_id == trial_id)).all()
    assert sorted(e.id for e in enrolments) == sorted(who)
    assert all(e.status is EnrolmentStatus.RANDOMISED and e.arm_id for e in enrolments)
    assert all(e.age_band and e.sex for e in enrolments)
    audited = Counter(
        session.scalars(
            select(AuditEvent.object_id).where(
                AuditEvent.trial_id == trial_id, AuditEvent.action == "enrolment.randomised"
            )
        )
    )
    assert audited == Counter(who.keys()), "one audit event per randomisation"
    return list(enrolments)


@pytest.mark.commits
def test_concurrent_block_randomisation_uses_every_slot_once(app, session, world, database_url):
    per_site, threads = _scale(database_url)
    trial = recruiting_trial(session, world, targets={"WFH": per_site, "DOR": per_site})
    who = _consented(session, world, trial, per_site)
    trial_id = trial.id
    session.commit()

    assert _randomise_all(app, list(who.items()), trial_id, threads) == []

    enrolments = _check_every_enrolment(session, trial_id, who)
    arm_of = {e.id: e.arm_id for e in enrolments}
    used = session.scalars(
        select(AllocationSlot)
        .where(AllocationSlot.trial_id == trial_id, AllocationSlot.enrolment_id.is_not(None))
        .order_by(AllocationSlot.stratum, AllocationSlot.sequence_no)
    ).all()
    assert sorted(s.enrolment_id for s in used) == sorted(who), "each enrolment has one slot"
    assert all(arm_of[s.enrolment_id] == s.arm_id for s in used)
    by_stratum = defaultdict(list)
    for slot in used:
        by_stratum[slot.stratum].append(slot)
    assert set(by_stratum) == {"WFH", "DOR"}
    for slots in by_stratum.values():
        assert [s.sequence_no for s in slots] == list(range(1, per_site + 1)), "no slot skipped"
        blocks = defaultdict(list)
        for slot in slots:
            blocks[(slot.block_no, slot.block_size)].append(slot.arm_id)
        complete = [arms for (_, size), arms in blocks.items() if len(arms) == size]
        assert complete, "at least one block was used up"
        for arms in complete:  # 1:1, so each arm half of every completed block
            assert sorted(Counter(arms).values()) == [len(arms) // 2] * 2


@pytest.mark.commits
def test_concurrent_minimisation_is_serialised_per_trial(app, session, world, database_url):
    per_site, threads = _scale(database_url)
    trial = recruiting_trial(
        session, world, method=RandomisationMethod.MINIMISATION, targets={"WFH": 5, "DOR": 5}
    )
    who = _consented(session, world, trial, per_site)
    trial_id = trial.id
    session.commit()

    assert _randomise_all(app, list(who.items()), trial_id, threads) == []

    enrolments = _check_every_enrolment(session, trial_id, who)
    sequences = session.scalars(
        select(AuditEvent.new_value["sequence"].as_integer()).where(
            AuditEvent.trial_id == trial_id, AuditEvent.action == "enrolment.randomised"
        )
    ).all()
    # Each minimisation counted all the earlier ones: no two saw the same history.
    assert sorted(sequences) == list(range(1, len(who) + 1))
    arms = Counter(e.arm_id for e in enrolments)
    assert len(arms) == 2 and abs(arms.most_common()[0][1] - len(who) / 2) <= 3
