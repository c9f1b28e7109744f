"""The eligibility rules for one person, in plain words (no database needed)."""

from __future__ import annotations

import datetime as dt

import pytest

from livinglab.participants.models import Condition, Participant, Sex
from trials.eligibility import rules
from trials.eligibility.models import EligibilityCriteria

DIABETES = Condition(id=1, code="type_2_diabetes", name="Type 2 diabetes")
DEMENTIA = Condition(id=2, code="dementia", name="Dementia")
COPD = Condition(id=3, code="copd", name="COPD (chronic obstructive pulmonary disease)")
TODAY = dt.date(2026, 6, 15)


def criteria(**values) -> EligibilityCriteria:
    values = {
        "sexes": [],
        "postcode_areas": [],
        "needs_smartphone": False,
        "needs_computer_or_tablet": False,
        "needs_home_internet": False,
        "required_conditions": [],
        "excluded_conditions": [],
        **values,
    }
    return EligibilityCriteria(**values)


def person(**values) -> Participant:
    values = {
        "date_of_birth": dt.date(1960, 1, 1),
        "sex": Sex.FEMALE,
        "postcode": "BH8 8DL",
        "conditions": [],
        **values,
    }
    return Participant(**values)


def results(rule: EligibilityCriteria, who: Participant, today: dt.date = TODAY) -> dict:
    return {result.key: result for result in rules.check(rule, who, today)}


def test_no_criteria_means_no_restriction():
    assert rules.check(None, person(), TODAY) == []
    assert rules.check(criteria(), person(), TODAY) == []
    assert rules.is_eligible(None, person(), TODAY)


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [
        (18, 65, "You need to be aged between 18 and 65"),
        (65, None, "You need to be aged 65 or over"),
        (None, 40, "You need to be aged 40 or under"),
        (50, 50, "You need to be aged 50"),
    ],
)
def test_age_is_said_plainly(low, high, text):
    [result] = rules.requirements(criteria(min_age=low, max_age=high))
    assert result.text == text


@pytest.mark.parametrize(
    ("born", "met"),
    [
        (dt.date(2008, 6, 15), True),  # 18 today
        (dt.date(2008, 6, 16), False),  # 18 tomorrow
        (dt.date(1960, 6, 16), True),  # 65 until tomorrow
        (dt.date(1960, 6, 15), False),  # 66 today
    ],
)
def test_ages_are_inclusive_whole_years_on_the_day(born, met):
    found = results(criteria(min_age=18, max_age=65), person(date_of_birth=born))
    assert found["age"].met is met


@pytest.mark.parametrize(
    ("today", "met"),
    [
        (dt.date(2026, 2, 28), False),  # no 29 February in 2026: the birthday is 1 March
        (dt.date(2026, 3, 1), True),
    ],
)
def test_someone_born_on_29_february_turns_18_on_1_march_in_other_years(today, met):
    leapling = person(date_of_birth=dt.date(2008, 2, 29))
    assert results(criteria(min_age=18), leapling, today)["age"].met is met


@pytest.mark.parametrize(
    ("today", "met"),
    [(dt.date(2028, 2, 28), False), (dt.date(2028, 2, 29), True)],
)
def test_in_a_leap_year_someone_born_on_29_february_has_their_birthday_that_day(today, met):
    leapling = person(date_of_birth=dt.date(2012, 2, 29))
    assert results(criteria(min_age=16), leapling, today)["age"].met is met


@pytest.mark.parametrize(
    ("codes", "text"),
    [
        (["DT"], "You need to live in a DT postcode"),
        (["SP"], "You need to live in an SP postcode"),
        (["bh8", " DT1 "], "You need to live in one of these postcode areas: BH8, DT1"),
    ],
)
def test_postcode_areas_are_said_plainly(codes, text):
    [result] = rules.requirements(criteria(postcode_areas=codes))
    assert result.text == text


@pytest.mark.parametrize(
    ("codes", "postcode", "met"),
    [
        (["BH"], "BH8 8DL", True),
        (["B"], "BH8 8DL", False),  # B (Birmingham) is not BH (Bournemouth)
        (["B"], "B1 1AA", True),
        (["BH"], "B1 1AA", False),
        (["BH8"], "BH8 8DL", True),
        (["BH8"], "BH80 1AA", False),
        (["BH1"], "BH10 1AB", False),
        (["BH10"], "BH10 1AB", True),
        (["DT", "BH8"], "BH8 8DL", True),
        (["DT"], "BH8 8DL", False),
        (["W"], "W1A 1AA", True),
        (["W1A"], "W1A 1AA", True),
    ],
)
def test_a_postcode_area_is_all_the_leading_letters_and_a_district_the_outward_code(
    codes, postcode, met
):
    assert results(criteria(postcode_areas=codes), person(postcode=postcode))["postcode"].met is met


def test_sex_is_checked_against_the_list():
    rule = criteria(sexes=["female"])
    assert rules.requirements(rule)[0].text == "This trial is only for people whose sex is female"
    assert results(rule, person(sex=Sex.FEMALE))["sex"].met
    assert not results(rule, person(sex=Sex.MALE))["sex"].met
    both = criteria(sexes=["male", "female", "prefer_not_to_say"])
    assert rules.requirements(both)[0].text == (
        "This trial is only for people whose sex is female or male, "
        "or who preferred not to say their sex"
    )


def test_conditions_required_and_excluded():
    rule = criteria(required_conditions=[DIABETES], excluded_conditions=[DEMENTIA])
    texts = [r.text for r in rules.requirements(rule)]
    assert texts == [
        "This trial is for people who live with type 2 diabetes",
        "This trial is not for people who live with dementia",
    ]
    found = results(rule, person(conditions=[DIABETES]))
    assert found["required_conditions"].met and found["excluded_conditions"].met
    found = results(rule, person(conditions=[DIABETES, DEMENTIA]))
    assert found["required_conditions"].met and not found["excluded_conditions"].met
    found = results(rule, person(conditions=[]))
    assert not found["required_conditions"].met and found["excluded_conditions"].met


def test_any_one_of_several_required_conditions_is_enough():
    rule = criteria(required_conditions=[COPD, DIABETES])
    assert rules.requirements(rule)[0].text == (
        "This trial is for people who live with at least one of these: "
        "COPD (chronic obstructive pulmonary disease), type 2 diabetes"
    )
    assert results(rule, person(conditions=[COPD]))["required_conditions"].met


@pytest.mark.parametrize(("answer", "met"), [(True, True), (False, False), (None, False)])
def test_digital_access_must_be_a_yes(answer, met):
    rule = criteria(needs_smartphone=True, needs_home_internet=True)
    found = results(rule, person(has_smartphone=answer, has_home_internet=True))
    assert found["smartphone"].text == "You need to have a smartphone"
    assert found["smartphone"].met is met
    assert found["home_internet"].met
    if answer is None:
        assert "You have not told us whether you have a smartphone" in found["smartphone"].detail
    else:
        assert found["smartphone"].detail is None


def test_every_criterion_is_listed_once_in_a_fixed_order():
    rule = criteria(
        min_age=18,
        sexes=["female"],
        postcode_areas=["DT"],
        needs_smartphone=True,
        needs_computer_or_tablet=True,
        needs_home_internet=True,
        required_conditions=[DIABETES],
        excluded_conditions=[DEMENTIA],
    )
    assert [r.key for r in rules.check(rule, person(), TODAY)] == [
        "age",
        "sex",
        "postcode",
        "smartphone",
        "computer_or_tablet",
        "home_internet",
        "required_conditions",
        "excluded_conditions",
    ]
    assert not rules.is_eligible(rule, person(), TODAY)


@pytest.mark.parametrize(
    ("today", "years", "bound"),
    [
        (dt.date(2026, 6, 15), 18, dt.date(2008, 6, 15)),
        (dt.date(2024, 2, 29), 18, dt.date(2006, 2, 28)),  # 2006 has no 29 February
        (dt.date(2024, 2, 29), 4, dt.date(2020, 2, 29)),
        (dt.date(2026, 1, 1), 3000, None),
    ],
)
def test_latest_birth_date(today, years, bound):
    assert rules.latest_birth_date(today, years) == bound
