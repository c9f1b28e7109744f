"""The analysis dataset respects withdrawals: stopped data use leaves a participant out."""

from __future__ import annotations

from sqlalchemy import select

from evaluation.dataset import build_long_dataset
from evaluation.runs.services import lock_trial_data
from livinglab.participants.models import Participant
from tests.factories import reload_trial
from trials.consent.models import WithdrawalScope
from trials.consent.withdrawal import withdraw_from_trial
from trials.enrolment.models import Enrolment


def enrolments(session, trial) -> list[Enrolment]:
    return list(
        session.scalars(
            select(Enrolment).where(Enrolment.trial_id == trial.id).order_by(Enrolment.id)
        )
    )


def withdraw(session, trial, enrolment: Enrolment, scope: WithdrawalScope) -> None:
    participant = session.get_one(Participant, enrolment.participant_id)
    withdraw_from_trial(session, participant=participant, trial=trial, scope=scope)
    session.commit()


def test_stopping_data_use_removes_every_row_of_the_participant(session, build_trial):
    trial = build_trial(n=6)
    first, second, *_ = enrolments(session, trial)
    before = build_long_dataset(session, trial)
    withdraw(session, trial, first, WithdrawalScope.STOP_DATA_USE)
    withdraw(session, reload_trial(session, trial.id), second, WithdrawalScope.STOP_TAKING_PART)

    after = build_long_dataset(session, trial)
    assert first.participant_code not in set(after["participant"])
    # Only stopping taking part keeps the data collected so far.
    kept = after[after["participant"] == second.participant_code]
    assert kept["value"].notna().all() and len(kept) > 0
    assert len(after) == len(before) - (before["participant"] == first.participant_code).sum()
    assert after["participant"].nunique() == 5


def test_stopping_data_use_after_only_stopping_taking_part_also_removes(session, build_trial):
    trial = build_trial(n=4)
    first = enrolments(session, trial)[0]
    withdraw(session, trial, first, WithdrawalScope.STOP_TAKING_PART)
    assert first.participant_code in set(build_long_dataset(session, trial)["participant"])
    withdraw(session, reload_trial(session, trial.id), first, WithdrawalScope.STOP_DATA_USE)
    assert first.participant_code not in set(build_long_dataset(session, trial)["participant"])


def test_the_dataset_is_still_one_query(session, build_trial, count_queries, world):
    trial = build_trial(n=4)
    withdraw(session, trial, enrolments(session, trial)[0], WithdrawalScope.STOP_DATA_USE)
    trial = reload_trial(session, trial.id)
    with count_queries() as statements:
        build_long_dataset(session, trial)
    assert len(statements) == 1


def test_a_locked_dataset_cannot_lose_a_participant(session, build_trial, world):
    trial = build_trial(n=4)
    lock_trial_data(session, trial, actor=world.evaluator)
    session.commit()
    before = build_long_dataset(session, trial)
    first = enrolments(session, trial)[0]
    withdraw(session, reload_trial(session, trial.id), first, WithdrawalScope.STOP_TAKING_PART)
    after = build_long_dataset(session, trial)
    assert after.equals(before)
