"""Scoring of WEMWBS, SWEMWBS, PHQ-9, GAD-7 and EQ-5D-5L: ranges, bands, missing items."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trials.questionnaires import (
    EQ5D5L,
    GAD7,
    INSTRUMENTS,
    LICENSED_TEXT_PLACEHOLDER,
    PHQ9,
    SWEMWBS,
    SWEMWBS_METRIC,
    WEMWBS,
    Instrument,
    InvalidAnswerError,
    score,
)
from trials.questionnaires.errors import UnknownInstrumentError

FIXTURES = Path(__file__).parent / "fixtures"
SUM_INSTRUMENTS = (WEMWBS, SWEMWBS, PHQ9, GAD7)


def answers_summing_to(instrument: Instrument, total: int) -> dict[str, int]:
    """Answers to every scored item whose values add up to ``total``."""
    items = instrument.scored_items
    answers = {i.code: i.min_value for i in items}
    remaining = total - sum(answers.values())
    for item in items:
        step = min(remaining, item.max_value - item.min_value)
        answers[item.code] += step
        remaining -= step
    assert remaining == 0, "total out of range"
    return answers


def all_at(instrument: Instrument, value: int) -> dict[str, int]:
    return {i.code: value for i in instrument.scored_items}


# --- the instruments as data -------------------------------------------------------------


def test_registry_holds_the_five_instruments():
    assert set(INSTRUMENTS) == {"wemwbs", "swemwbs", "phq9", "gad7", "eq5d5l"}


@pytest.mark.parametrize(
    ("instrument", "n_scored", "low", "high"),
    [
        (WEMWBS, 14, 1, 5),
        (SWEMWBS, 7, 1, 5),
        (PHQ9, 9, 0, 3),
        (GAD7, 7, 0, 3),
    ],
)
def test_item_counts_and_values(instrument, n_scored, low, high):
    assert len(instrument.scored_items) == n_scored
    assert {(i.min_value, i.max_value) for i in instrument.scored_items} == {(low, high)}


@pytest.mark.parametrize("instrument", INSTRUMENTS.values(), ids=INSTRUMENTS.keys())
def test_no_instrument_has_reverse_scored_items(instrument):
    assert instrument.reverse_scored_items == ()


@pytest.mark.parametrize("instrument", [WEMWBS, SWEMWBS, EQ5D5L])
def test_licensed_wording_is_a_placeholder(instrument):
    assert instrument.licence.is_text_licensed
    assert not instrument.has_licensed_text
    for item in instrument.items:
        assert item.text.startswith(LICENSED_TEXT_PLACEHOLDER)
        assert all(LICENSED_TEXT_PLACEHOLDER in o.label for o in item.options)


@pytest.mark.parametrize("instrument", [PHQ9, GAD7])
def test_free_instruments_carry_their_wording(instrument):
    assert not instrument.licence.is_licence_required
    assert all(LICENSED_TEXT_PLACEHOLDER not in i.text for i in instrument.items)
    assert [o.label for o in instrument.scored_items[0].options] == [
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    ]


def test_swemwbs_items_come_from_wemwbs_items_1_2_3_6_7_9_11():
    assert [i.source_item for i in SWEMWBS.items] == [f"wemwbs_{n}" for n in (1, 2, 3, 6, 7, 9, 11)]


def test_unknown_instrument():
    with pytest.raises(UnknownInstrumentError) as exc:
        score("k10", {})
    assert isinstance(exc.value, ValueError)


def test_the_package_imports_neither_flask_nor_sqlalchemy():
    code = (
        "import sys, trials.questionnaires\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in {'flask', 'sqlalchemy', "
        "'flask_sqlalchemy', 'livinglab'}]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path.cwd())  # noqa: S603


# --- WEMWBS and SWEMWBS ------------------------------------------------------------------


@pytest.mark.parametrize(("value", "total"), [(1, 14), (3, 42), (5, 70)])
def test_wemwbs_total(value, total):
    result = score("wemwbs", all_at(WEMWBS, value))
    assert (result.is_valid, result.total, result.raw_total, result.band) == (
        True,
        total,
        total,
        None,
    )


def test_wemwbs_mixed_answers():
    answers = {f"wemwbs_{n}": (n % 5) + 1 for n in range(1, 15)}
    assert score(WEMWBS, answers).total == sum(answers.values()) == 44


@pytest.mark.parametrize("instrument", [WEMWBS, SWEMWBS])
@pytest.mark.parametrize("n_missing", [1, 3])
def test_warwick_scales_need_every_item(instrument, n_missing):
    answers = all_at(instrument, 4)
    for item in instrument.scored_items[:n_missing]:
        answers[item.code] = None
    result = score(instrument, answers)
    assert not result.is_valid
    assert result.total is None
    assert result.n_missing == n_missing
    assert "every item" in result.reason


def test_swemwbs_conversion_table_is_complete_and_increasing():
    assert list(SWEMWBS_METRIC) == list(range(7, 36))
    values = list(SWEMWBS_METRIC.values())
    assert values == sorted(values)
    assert (values[0], values[-1]) == (7.00, 35.00)


@pytest.mark.parametrize(
    ("raw", "metric"),
    [
        (7, 7.00), (8, 9.51), (9, 11.25), (10, 12.40), (11, 13.33), (12, 14.08),
        (13, 14.75), (14, 15.32), (15, 15.84), (16, 16.36), (17, 16.88), (18, 17.43),
        (19, 17.98), (20, 18.59), (21, 19.25), (22, 19.98), (23, 20.73), (24, 21.54),
        (25, 22.35), (26, 23.21), (27, 24.11), (28, 25.03), (29, 26.02), (30, 27.03),
        (31, 28.13), (32, 29.31), (33, 30.70), (34, 32.55), (35, 35.00),
    ],
)  # fmt: skip
def test_swemwbs_metric_score_for_every_raw_score(raw, metric):
    result = score("swemwbs", answers_summing_to(SWEMWBS, raw))
    assert result.raw_total == raw
    assert result.total == metric


def test_swemwbs_from_a_completed_wemwbs():
    from trials.questionnaires import swemwbs_answers_from_wemwbs

    wemwbs = {f"wemwbs_{n}": 1 for n in range(1, 15)} | {"wemwbs_6": 5, "wemwbs_4": 5}
    answers = swemwbs_answers_from_wemwbs(wemwbs)
    assert answers["swemwbs_4"] == 5  # WEMWBS item 6
    assert score(SWEMWBS, answers).raw_total == 11  # item 4 of WEMWBS is not in SWEMWBS


# --- PHQ-9 and GAD-7 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
        (14, "moderate"), (15, "moderately_severe"), (19, "moderately_severe"),
        (20, "severe"), (27, "severe"),
    ],
)  # fmt: skip
def test_phq9_bands_at_every_boundary(total, band):
    result = score("phq9", answers_summing_to(PHQ9, total))
    assert (result.total, result.band.code) == (total, band)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
        (14, "moderate"), (15, "severe"), (21, "severe"),
    ],
)  # fmt: skip
def test_gad7_bands_at_every_boundary(total, band):
    result = score("gad7", answers_summing_to(GAD7, total))
    assert (result.total, result.band.code) == (total, band)


@pytest.mark.parametrize("instrument", [PHQ9, GAD7])
def test_bands_cover_the_score_range_without_gaps(instrument):
    low, high = instrument.score_range
    covered = [t for b in instrument.bands for t in range(b.low, b.high + 1)]
    assert covered == list(range(int(low), int(high) + 1))


def test_difficulty_question_is_not_scored_nor_counted_missing():
    answers = all_at(PHQ9, 1)
    assert score(PHQ9, answers).n_missing == 0
    assert score(PHQ9, answers | {"phq9_difficulty": 3}).total == 9


@pytest.mark.parametrize(
    ("answered", "total"),
    [
        ([1] * 8, 9),  # 8 × 9 / 8 = 9
        ([0, 0, 0, 0, 0, 1, 1, 1], 3),  # 3 × 9 / 8 = 3.375
        ([3, 3, 3, 3, 3, 3, 3, 2], 26),  # 23 × 9 / 8 = 25.875
        ([3] * 8, 27),
    ],
)
def test_phq9_prorates_one_missing_item(answered, total):
    answers = {f"phq9_{n}": v for n, v in enumerate(answered, start=1)}
    result = score(PHQ9, answers)
    assert result.total == total
    assert result.is_prorated
    assert result.n_missing == 1
    assert result.raw_total == sum(answered)
    assert "Prorated from 8 of 9" in result.reason


def test_phq9_prorating_rounds_half_up():
    # 4 × 9 / 8 = 4.5: rounds to 5 (Python's round() would give 4).
    answers = {f"phq9_{n}": v for n, v in enumerate([1, 1, 1, 1, 0, 0, 0, 0], start=1)}
    assert score(PHQ9, answers).total == 5


def test_phq9_prorates_two_missing_items():
    answers = all_at(PHQ9, 2) | {"phq9_3": None, "phq9_7": None}
    result = score(PHQ9, answers)
    assert (result.is_valid, result.total, result.n_missing) == (True, 18, 2)
    answers = {f"phq9_{n}": v for n, v in enumerate([3, 3, 3, 2, 1, 1, 0], start=1)}
    assert score(PHQ9, answers).total == 17  # 13 × 9 / 7 = 16.71


def test_phq9_three_missing_items_give_no_score():
    answers = all_at(PHQ9, 2) | {"phq9_1": None, "phq9_2": None, "phq9_3": None}
    result = score(PHQ9, answers)
    assert (result.is_valid, result.total, result.band, result.n_missing) == (
        False,
        None,
        None,
        3,
    )
    assert "at most 2" in result.reason


def test_gad7_prorates_one_missing_item_and_rounds_half_up():
    answers = {f"gad7_{n}": v for n, v in enumerate([1, 1, 1, 0, 0, 0], start=1)}
    result = score(GAD7, answers)
    assert (result.is_valid, result.total, result.is_prorated) == (True, 4, True)  # 3.5


def test_gad7_two_missing_items_give_no_score():
    answers = all_at(GAD7, 1) | {"gad7_1": None, "gad7_7": None}
    assert not score(GAD7, answers).is_valid


@pytest.mark.parametrize("instrument", [PHQ9, GAD7])
def test_prorating_can_be_switched_off(instrument):
    answers = all_at(instrument, 1)
    answers[instrument.scored_items[0].code] = None
    result = score(instrument, answers, allow_prorating=False)
    assert not result.is_valid
    assert "every item" in result.reason


@pytest.mark.parametrize("instrument", [PHQ9, GAD7, WEMWBS, SWEMWBS])
def test_nothing_answered_gives_no_score(instrument):
    result = score(instrument, {})
    assert not result.is_valid
    assert result.n_answered == 0


def test_phq2_and_gad2_subscales():
    phq = score(PHQ9, all_at(PHQ9, 0) | {"phq9_1": 2, "phq9_2": 3})
    gad = score(GAD7, all_at(GAD7, 1))
    assert (phq.subscales, gad.subscales) == ({"phq2": 5}, {"gad2": 2})
    assert score(PHQ9, all_at(PHQ9, 1) | {"phq9_2": None}).subscales == {}


# --- PHQ-9 item 9 safety flag ------------------------------------------------------------


@pytest.mark.parametrize("answer", [1, 2, 3])
def test_phq9_item_9_above_zero_raises_a_safety_flag(answer):
    result = score(PHQ9, all_at(PHQ9, 0) | {"phq9_9": answer})
    assert result.needs_safety_follow_up
    (flag,) = result.safety_flags
    assert (flag.item_code, flag.answer) == ("phq9_9", answer)
    assert "self-harm" in flag.message


def test_phq9_item_9_at_zero_or_unanswered_raises_no_flag():
    assert score(PHQ9, all_at(PHQ9, 3) | {"phq9_9": 0}).safety_flags == ()
    assert score(PHQ9, all_at(PHQ9, 3) | {"phq9_9": None}).safety_flags == ()


def test_safety_flag_is_raised_even_when_the_score_is_invalid():
    result = score(PHQ9, {"phq9_9": 2})
    assert not result.is_valid
    assert result.needs_safety_follow_up


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "item_code", "value"),
    [
        (PHQ9, "phq9_4", 4),
        (PHQ9, "phq9_4", -1),
        (PHQ9, "phq9_difficulty", 4),
        (GAD7, "gad7_2", 7),
        (WEMWBS, "wemwbs_3", 0),
        (WEMWBS, "wemwbs_3", 6),
        (SWEMWBS, "swemwbs_7", 0),
        (PHQ9, "phq9_1", 2.0),
        (PHQ9, "phq9_1", "2"),
        (PHQ9, "phq9_1", True),
        (EQ5D5L, "eq5d_mo", 0),
        (EQ5D5L, "eq5d_ad", 6),
        (EQ5D5L, "eq5d_vas", 101),
        (EQ5D5L, "eq5d_vas", -1),
        (EQ5D5L, "eq5d_vas", 50.5),
    ],
)
def test_answers_outside_the_allowed_values_are_refused(instrument, item_code, value):
    with pytest.raises(InvalidAnswerError) as exc:
        score(instrument, {item_code: value})
    assert isinstance(exc.value, ValueError)
    assert exc.value.item_code == item_code
    assert item_code in str(exc.value)


def test_unknown_item_codes_are_refused():
    with pytest.raises(InvalidAnswerError) as exc:
        score(GAD7, all_at(GAD7, 1) | {"gad7_8": 1})
    assert exc.value.item_code == "gad7_8"


def test_every_invalid_answer_is_reported_at_once():
    with pytest.raises(InvalidAnswerError) as exc:
        score(PHQ9, {"phq9_1": 9, "phq9_5": -2, "phq9_6": 1})
    assert set(exc.value.errors) == {"phq9_1", "phq9_5"}
    assert "expected one of 0, 1, 2, 3" in exc.value.errors["phq9_1"]


# --- EQ-5D-5L ----------------------------------------------------------------------------


def eq5d(profile: str, vas: int | None = 70) -> dict[str, int | None]:
    codes = ("eq5d_mo", "eq5d_sc", "eq5d_ua", "eq5d_pd", "eq5d_ad")
    return {c: int(v) for c, v in zip(codes, profile, strict=True)} | {"eq5d_vas": vas}


@pytest.mark.parametrize("profile", ["11111", "11223", "55555", "12345"])
def test_eq5d_profile_and_vas(profile):
    result = score("eq5d5l", eq5d(profile, vas=63))
    assert (result.is_valid, result.profile, result.vas) == (True, profile, 63)
    assert (result.total, result.index, result.band) == (None, None, None)


@pytest.mark.parametrize("vas", [0, 100])
def test_eq5d_vas_limits(vas):
    assert score(EQ5D5L, eq5d("11111", vas=vas)).vas == vas


def test_eq5d_missing_dimension_makes_the_profile_invalid():
    answers = eq5d("11223") | {"eq5d_ua": None}
    result = score(EQ5D5L, answers)
    assert (result.is_valid, result.profile, result.n_missing) == (False, None, 1)
    assert "Usual activities" in result.reason
    assert result.vas == 70


def test_eq5d_missing_vas_keeps_the_profile():
    result = score(EQ5D5L, eq5d("21111", vas=None))
    assert (result.is_valid, result.profile, result.vas, result.n_missing) == (
        True,
        "21111",
        None,
        1,
    )
    assert "VAS" in result.reason


# --- hypothesis properties ---------------------------------------------------------------


@st.composite
def complete_answers(draw, instrument: Instrument) -> dict[str, int]:
    return {
        i.code: draw(st.sampled_from([o.value for o in i.options])) for i in instrument.scored_items
    }


@st.composite
def scorable_answers(draw, instrument: Instrument) -> dict[str, int | None]:
    """Complete answers with up to the instrument's allowed number blanked out."""
    answers: dict[str, int | None] = dict(draw(complete_answers(instrument)))
    codes = [i.code for i in instrument.scored_items]
    n = draw(st.integers(0, instrument.missing_rule.max_missing))
    for code in draw(st.permutations(codes))[:n]:
        answers[code] = None
    return answers


@pytest.mark.parametrize("instrument", SUM_INSTRUMENTS, ids=lambda i: i.code)
def test_total_within_range(instrument):
    @settings(database=None, max_examples=150)
    @given(scorable_answers(instrument))
    def check(answers):
        result = score(instrument, answers)
        assert result.is_valid
        low, high = instrument.score_range
        assert low <= result.total <= high

    check()


@pytest.mark.parametrize("instrument", SUM_INSTRUMENTS, ids=lambda i: i.code)
def test_total_is_monotone_in_each_item(instrument):
    @settings(database=None, max_examples=150)
    @given(scorable_answers(instrument), st.data())
    def check(answers, data):
        answered = [c for c, v in answers.items() if v is not None]
        code = data.draw(st.sampled_from(answered))
        item = instrument.item(code)
        if answers[code] == item.max_value:
            return
        higher = answers | {code: answers[code] + 1}
        before, after = score(instrument, answers), score(instrument, higher)
        assert after.total >= before.total
        assert after.raw_total == before.raw_total + 1

    check()


def test_generic_reverse_scoring_flips_the_item():
    # None of the shipped instruments reverses items; the rule is still applied correctly.
    reversed_phq = dataclasses.replace(PHQ9, reverse_scored_items=("phq9_1",))
    assert score(reversed_phq, all_at(PHQ9, 0)).total == 3
    assert score(reversed_phq, all_at(PHQ9, 0) | {"phq9_1": 3}).total == 0
