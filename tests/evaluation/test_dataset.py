"""The pseudonymised analysis dataset: its columns, missed visits, fingerprint and pivot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from evaluation.dataset import LONG_COLUMNS, build_long_dataset
from evaluation.frames import outcome_frame
from evaluation.stats.provenance import fingerprint
from livinglab.participants.models import Participant
from tests import factories
from tests.evaluation.conftest import record_primary
from trials.enrolment.models import Enrolment
from trials.states import TrialStatus

IDENTIFIERS = ("name", "full_name", "email", "date_of_birth", "dob", "postcode", "nhs_number")


def test_long_dataset_has_only_pseudonymised_columns(session, build_trial):
    trial = build_trial(n=6)
    long = build_long_dataset(session, trial)
    assert list(long.columns) == [
        "participant",
        "site",
        "arm",
        "age_band",
        "sex",
        "imd_quintile",
        "visit",
        "day",
        "measure",
        "value",
    ]
    assert list(long.columns) == LONG_COLUMNS
    assert not set(IDENTIFIERS) & set(long.columns)
    people = session.scalars(select(Participant)).all()
    text = long.to_csv()
    for person in people:
        assert person.user.full_name not in text
        assert person.user.email not in text
        assert person.postcode not in text
        assert person.date_of_birth.isoformat() not in text
    codes = set(session.scalars(select(Enrolment.participant_code)))
    assert set(long["participant"]) == codes


def test_long_dataset_is_one_row_per_participant_visit_and_measure(session, build_trial):
    trial = build_trial(n=6)
    long = build_long_dataset(session, trial)
    assert len(long) == 6 * len(trial.visits) * len(trial.measures)
    assert not long.duplicated(["participant", "visit", "measure"]).any()
    assert set(long["site"]) == {"WFH", "DOR"}
    assert set(long["arm"]) == {arm.name for arm in trial.arms}
    assert long["value"].dtype == np.float64


def test_missed_visits_are_kept_with_an_empty_value(session, build_trial):
    trial = build_trial(n=6, missing_follow_up=2)
    long = build_long_dataset(session, trial)
    follow_up = long[(long["visit"] == "follow_up") & (long["measure"] == "Timed Up and Go")]
    assert len(follow_up) == 6
    assert follow_up["value"].isna().sum() == 2


def test_participants_not_yet_randomised_are_left_out(session, world):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    factories.consent(session, trial, factories.make_participant(session), "WFH")
    factories.randomised(session, world, trial, factories.make_participant(session), "WFH")
    long = build_long_dataset(session, trial)
    assert long["participant"].nunique() == 1


def test_fingerprint_is_stable_and_changes_with_one_value(session, world, build_trial):
    trial = build_trial(n=6)
    first = fingerprint(build_long_dataset(session, trial))
    assert fingerprint(build_long_dataset(session, trial)) == first
    enrolment = session.scalars(
        select(Enrolment).where(Enrolment.trial_id == trial.id).order_by(Enrolment.id)
    ).first()
    record_primary(session, world, trial, enrolment, "baseline", 19.9, reason="Transcription error")
    assert fingerprint(build_long_dataset(session, trial)) != first


def long_frame() -> pd.DataFrame:
    rows = [
        ("P1", "WFH", "Usual care", "baseline", "TUG", 12.0),
        ("P1", "WFH", "Usual care", "follow_up", "TUG", 11.0),
        ("P1", "WFH", "Usual care", "baseline", "Falls", 2.0),
        ("P2", "DOR", "Product", "baseline", "TUG", 15.5),
        ("P2", "DOR", "Product", "follow_up", "TUG", np.nan),
        ("P3", "DOR", "Product", "baseline", "TUG", np.nan),
        ("P3", "DOR", "Product", "follow_up", "TUG", 9.0),
    ]
    return pd.DataFrame(rows, columns=["participant", "site", "arm", "visit", "measure", "value"])


def test_fingerprint_ignores_row_and_column_order():
    frame = long_frame()
    shuffled = frame.sample(frac=1, random_state=1)[list(reversed(frame.columns))]
    assert fingerprint(shuffled) == fingerprint(frame)
    changed = frame.copy()
    changed.loc[0, "value"] = 12.1
    assert fingerprint(changed) != fingerprint(frame)


@pytest.mark.parametrize("visit", ["baseline", "follow_up"])
def test_outcome_frame_from_the_database_matches_the_recorded_values(session, build_trial, visit):
    trial = build_trial(n=6, missing_follow_up=1)
    long = build_long_dataset(session, trial)
    wide = outcome_frame(
        long, measure="Timed Up and Go", baseline_visit="baseline", visit="follow_up"
    )
    assert len(wide) == 6 and wide["participant"].is_unique
    assert wide["outcome"].isna().sum() == 1
    column = "baseline" if visit == "baseline" else "outcome"
    recorded = long[(long["visit"] == visit)].set_index("participant")["value"]
    assert wide.set_index("participant")[column].equals(recorded.sort_index().rename(column))
