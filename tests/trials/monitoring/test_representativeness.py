"""Who takes part against Dorset: counts in SQL, Wilson-interval warnings, Core20PLUS5."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import literal, select

from livinglab.participants.models import Sex
from tests.trials.monitoring.helpers import Person, add_people
from trials.enrolment.models import EnrolmentStatus
from trials.monitoring.reference import shipped_reference
from trials.monitoring.representativeness import age_band_expression, representativeness

TODAY = dt.date(2026, 12, 1)


def _row(result, dimension, category):
    table = next(t for t in result.tables if t.dimension == dimension)
    return next(r for r in table.rows if r.category == category)


def _table(result, dimension):
    return next(t for t in result.tables if t.dimension == dimension)


def test_nobody_from_the_most_deprived_fifth_is_flagged_as_a_core20plus5_gap(
    session, world, trial_id, count_queries
):
    people = [Person(age=40 + i % 45, quintile=3 + i % 3) for i in range(60)]
    add_people(session, trial_id, world.wfh.id, people, today=TODAY)

    with count_queries() as statements:
        result = representativeness(session, trial_id, shipped_reference(), today=TODAY)

    assert len(statements) == 1
    assert result.participants == 60
    most_deprived = _row(result, "deprivation_quintile", "1")
    assert most_deprived.count == 0
    assert most_deprived.under_represented
    assert most_deprived in result.core20plus5_warnings
    assert not _row(result, "deprivation_quintile", "3").under_represented


def test_a_group_near_its_dorset_share_is_not_flagged(session, world, trial_id):
    people = [Person(sex=Sex.FEMALE if i % 2 else Sex.MALE) for i in range(40)]
    add_people(session, trial_id, world.wfh.id, people, today=TODAY)

    result = representativeness(session, trial_id, shipped_reference(), today=TODAY)

    assert _row(result, "sex", "female").share == pytest.approx(0.5)
    assert not _row(result, "sex", "female").under_represented
    assert not _row(result, "sex", "male").under_represented


def test_unknown_and_not_said_are_left_out_of_the_shares(session, world, trial_id):
    people = [Person(ethnic_group="prefer_not_to_say") for _ in range(5)]
    people += [Person(ethnic_group=None, quintile=None) for _ in range(5)]
    people += [Person(ethnic_group="asian_indian") for _ in range(2)]
    people += [Person() for _ in range(18)]
    add_people(session, trial_id, world.wfh.id, people, today=TODAY)

    result = representativeness(session, trial_id, shipped_reference(), today=TODAY)

    ethnic = _table(result, "ethnic_group")
    assert (ethnic.known, ethnic.unknown) == (20, 10)
    assert _row(result, "ethnic_group", "asian").share == pytest.approx(0.1)
    assert _table(result, "deprivation_quintile").unknown == 5


def test_too_few_participants_are_not_compared(session, world, trial_id):
    add_people(session, trial_id, world.wfh.id, [Person() for _ in range(19)], today=TODAY)

    result = representativeness(session, trial_id, shipped_reference(), today=TODAY)

    assert all(table.too_few for table in result.tables)
    assert result.warnings == []
    assert _row(result, "sex", "female").count == 19


def test_only_people_who_consented_count_and_a_site_filter_applies(session, world, trial_id):
    add_people(session, trial_id, world.wfh.id, [Person(age=80)] * 3, today=TODAY)
    add_people(session, trial_id, world.dor.id, [Person(age=30)] * 2, today=TODAY)
    add_people(
        session,
        trial_id,
        world.dor.id,
        [Person(status=EnrolmentStatus.INTERESTED), Person(status=EnrolmentStatus.SCREENED)],
        today=TODAY,
    )
    add_people(
        session, trial_id, world.dor.id, [Person(status=EnrolmentStatus.WITHDRAWN)], today=TODAY
    )

    everyone = representativeness(session, trial_id, shipped_reference(), today=TODAY)
    dorchester = representativeness(
        session, trial_id, shipped_reference(), site_ids=[world.dor.id], today=TODAY
    )

    assert everyone.participants == 6
    assert _row(everyone, "age_band", "75+").count == 3
    assert dorchester.participants == 3
    assert _row(dorchester, "age_band", "18-34").count == 2
    assert _row(dorchester, "age_band", "75+").count == 0


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (dt.date(1951, 12, 1), "75+"),  # 75 today
        (dt.date(1951, 12, 2), "65-74"),  # 75 tomorrow
        (dt.date(1961, 12, 1), "65-74"),
        (dt.date(1976, 12, 2), "35-49"),
        (dt.date(2008, 12, 1), "18-34"),
        (dt.date(2008, 12, 2), None),  # 17
    ],
)
def test_age_bands_turn_over_on_the_birthday(session, born, band):
    assert session.scalar(select(age_band_expression(TODAY, literal(born)))) == band
