"""The one definition, two ways: the SQL screen picks exactly those the Python check passes.

A registry of generated residents (dense around the age boundaries, 29 February, "B"
against "BH" postcodes, unanswered questions) is screened with criteria that Hypothesis
generates, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import random
from itertools import count

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from livinglab.accounts.models import User
from livinglab.participants.models import Condition, Participant, Sex
from trials.eligibility import rules
from trials.eligibility.models import EligibilityCriteria

#: Days the registry is screened on: leap days and the days either side of them.
TODAYS = (
    dt.date(2024, 2, 28),
    dt.date(2024, 2, 29),
    dt.date(2024, 3, 1),
    dt.date(2025, 2, 28),
    dt.date(2025, 3, 1),
    dt.date(2026, 6, 15),
    dt.date(2028, 2, 29),
)
POSTCODES = (
    "BH8 8DL",
    "BH1 1AA",
    "BH10 1AB",
    "BH24 1AB",
    "B1 1AA",
    "B8 2AB",
    "DT1 1AA",
    "DT11 9XX",
    "SP8 4AA",
    "W1A 1AA",
    "EC1A 1BB",
)
CODES = ("BH", "B", "DT", "SP", "W", "E", "EC", "BH8", "BH1", "BH10", "B8", "DT1", "DT11", "W1A")
ANSWERS = (True, False, None)
_emails = count(1)


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 2, 28)


def birth_dates(rng: random.Random) -> list[dt.date]:
    """Birthdays either side of each screening day at the ages criteria use, leap days, and
    a spread of others."""
    dates = {
        years_before(day, years) + dt.timedelta(days=shift)
        for day in TODAYS
        for years in (17, 18, 19, 64, 65, 66)
        for shift in (-1, 0, 1)
    }
    dates |= {dt.date(year, 2, 29) for year in (1944, 1960, 2000, 2004, 2008)}
    dates |= {dt.date(year, month, 28) for year in (1960, 2006, 2007) for month in (2, 3)}
    dates |= {dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(28_000)) for _ in range(200)}
    return sorted(dates)


def add_registry(session, conditions: list[Condition]) -> list[Participant]:
    """Residents added directly (no passwords to hash): only what the criteria read."""
    rng = random.Random(20261125)
    dates = birth_dates(rng)
    users = [
        User(email=f"screen{next(_emails)}@example.test", full_name=f"Resident {n}")
        for n in range(len(dates))
    ]
    session.add_all(users)
    session.flush()
    people = []
    for n, (born, user) in enumerate(zip(dates, users, strict=True)):
        people.append(
            Participant(
                user_id=user.id,
                date_of_birth=born,
                sex=rng.choice(list(Sex)),
                postcode=POSTCODES[n % len(POSTCODES)],
                has_smartphone=ANSWERS[n % 3],
                has_computer_or_tablet=rng.choice(ANSWERS),
                has_home_internet=ANSWERS[(n // 3) % 3],
                conditions=rng.sample(conditions, rng.choice((0, 0, 1, 2, 3))),
            )
        )
    session.add_all(people)
    session.commit()
    return list(session.scalars(select(Participant).options(selectinload(Participant.conditions))))


@pytest.fixture
def registry(session):
    conditions = list(session.scalars(select(Condition).order_by(Condition.id)))
    return conditions, add_registry(session, conditions)


def criteria_strategy(conditions: list[Condition]):
    ages = st.none() | st.sampled_from((17, 18, 19, 64, 65, 66)) | st.integers(0, 100)
    rarely = st.sampled_from((False, False, False, True))
    some_conditions = st.lists(st.sampled_from(conditions), max_size=3, unique_by=lambda c: c.id)
    return st.builds(
        EligibilityCriteria,
        min_age=ages,
        max_age=ages,
        sexes=st.lists(st.sampled_from([sex.value for sex in Sex]), max_size=3, unique=True),
        postcode_areas=st.lists(st.sampled_from(CODES), max_size=3, unique=True),
        needs_smartphone=rarely,
        needs_computer_or_tablet=rarely,
        needs_home_internet=rarely,
        required_conditions=some_conditions,
        excluded_conditions=some_conditions,
    )


def screened_in_sql(session, criteria, today) -> set[int]:
    clause = rules.eligible_participants_clause(criteria, today)
    return set(session.scalars(select(Participant.id).where(clause)))


def checked_in_python(people, criteria, today) -> set[int]:
    return {p.id for p in people if rules.is_eligible(criteria, p, today)}


def test_sql_and_python_agree_for_generated_criteria(session, registry):
    conditions, people = registry
    assert len(people) > 250

    @settings(
        max_examples=120,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(criteria=criteria_strategy(conditions), today=st.sampled_from(TODAYS))
    @example(
        criteria=EligibilityCriteria(min_age=18, max_age=65, sexes=[], postcode_areas=[]),
        today=dt.date(2024, 2, 29),
    )
    @example(
        criteria=EligibilityCriteria(min_age=18, max_age=18, sexes=[], postcode_areas=["B"]),
        today=dt.date(2025, 3, 1),
    )
    def agree(criteria: EligibilityCriteria, today: dt.date) -> None:
        in_sql = screened_in_sql(session, criteria, today)
        assert in_sql == checked_in_python(people, criteria, today)
        event("some eligible" if in_sql else "nobody eligible")

    agree()


def one(session, **values) -> Participant:
    user = User(email=f"edge{next(_emails)}@example.test", full_name="Edge Case")
    session.add(user)
    session.flush()
    participant = Participant(
        user_id=user.id,
        **{"sex": Sex.FEMALE, "postcode": "BH8 8DL", **values},
    )
    session.add(participant)
    session.commit()
    return participant


def both(session, participant, criteria, today) -> tuple[bool, bool]:
    """(SQL screen says eligible, Python check says eligible) for one resident."""
    in_sql = participant.id in screened_in_sql(session, criteria, today)
    return in_sql, rules.is_eligible(criteria, participant, today)


@pytest.mark.parametrize(
    ("today", "eligible"),
    [(dt.date(2026, 2, 28), False), (dt.date(2026, 3, 1), True), (dt.date(2024, 2, 29), False)],
)
def test_29_february_birthdays_agree(session, today, eligible):
    leapling = one(session, date_of_birth=dt.date(2008, 2, 29))
    rule = EligibilityCriteria(min_age=18, sexes=[], postcode_areas=[])
    assert both(session, leapling, rule, today) == (eligible, eligible)


@pytest.mark.parametrize(
    ("born", "eligible"),
    [
        (dt.date(2008, 6, 15), True),  # 18 today
        (dt.date(2008, 6, 16), False),  # 18 tomorrow
        (dt.date(1960, 6, 16), True),  # 65, 66 tomorrow
        (dt.date(1960, 6, 15), False),  # 66 today
    ],
)
def test_boundary_ages_agree(session, born, eligible):
    resident = one(session, date_of_birth=born)
    rule = EligibilityCriteria(min_age=18, max_age=65, sexes=[], postcode_areas=[])
    assert both(session, resident, rule, dt.date(2026, 6, 15)) == (eligible, eligible)


@pytest.mark.parametrize(
    ("code", "postcode", "eligible"),
    [
        ("B", "BH8 8DL", False),
        ("B", "B1 1AA", True),
        ("BH", "BH8 8DL", True),
        ("BH", "B1 1AA", False),
        ("BH1", "BH10 1AB", False),
        ("BH10", "BH10 1AB", True),
    ],
)
def test_postcode_area_b_is_not_bh_in_either(session, code, postcode, eligible):
    resident = one(session, date_of_birth=dt.date(1960, 1, 1), postcode=postcode)
    rule = EligibilityCriteria(sexes=[], postcode_areas=[code])
    assert both(session, resident, rule, dt.date(2026, 6, 15)) == (eligible, eligible)


def test_an_unanswered_digital_question_is_not_met_in_either(session):
    rule = EligibilityCriteria(sexes=[], postcode_areas=[], needs_smartphone=True)
    for answer, eligible in ((None, False), (False, False), (True, True)):
        resident = one(session, date_of_birth=dt.date(1960, 1, 1), has_smartphone=answer)
        assert both(session, resident, rule, dt.date(2026, 6, 15)) == (eligible, eligible)
