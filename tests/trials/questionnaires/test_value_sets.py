"""EQ-5D-5L value sets: loading CSV and JSON files and looking up index values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trials.questionnaires import (
    EQ5D5L,
    EQ5D_DIMENSIONS,
    InvalidProfileError,
    ValueSetError,
    index_value,
    load_value_set,
    score,
)
from trials.questionnaires.value_sets import ALL_PROFILES

TINY = Path(__file__).parent / "fixtures" / "tiny_value_set.json"


@pytest.fixture(scope="module")
def tiny():
    return load_value_set(TINY)


@pytest.mark.parametrize(
    ("profile", "value"),
    [
        ("11111", 1.0),
        ("11223", 0.76),  # 1 − 0.05 − (0.03 + 0.06 + 0.10)
        ("21111", 0.90),
        ("55555", -0.43),  # 1 − 0.05 − 1.38
    ],
)
def test_index_from_the_tiny_additive_fixture(tiny, profile, value):
    assert index_value(profile, tiny) == pytest.approx(value)


def test_fixture_covers_every_profile_and_names_itself(tiny):
    assert len(tiny.values) == 3125
    assert "TEST FIXTURE" in tiny.name
    assert tiny.country == "Testland"


def test_score_fills_the_index_only_with_a_value_set(tiny):
    answers = {"eq5d_mo": 1, "eq5d_sc": 1, "eq5d_ua": 2, "eq5d_pd": 2, "eq5d_ad": 3}
    assert score(EQ5D5L, answers).index is None
    assert score(EQ5D5L, answers, value_set=tiny).index == pytest.approx(0.76)
    incomplete = answers | {"eq5d_ad": None}
    assert score(EQ5D5L, incomplete, value_set=tiny).index is None


@pytest.mark.parametrize("profile", ["1122", "112233", "11263", "01111", "abcde", "", 11111])
def test_index_refuses_bad_profiles(tiny, profile):
    with pytest.raises(InvalidProfileError):
        index_value(profile, tiny)


def test_csv_table_round_trip(tiny, tmp_path):
    path = tmp_path / "set.csv"
    rows = [f"{p},{tiny.values[p]!r}" for p in ALL_PROFILES]
    path.write_text("profile,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    loaded = load_value_set(path)
    assert dict(loaded.values) == dict(tiny.values)
    assert loaded.name == "set"


def test_csv_accepts_an_index_column(tmp_path):
    path = tmp_path / "set.csv"
    path.write_text("Profile,Index\n" + "".join(f"{p},0.5\n" for p in ALL_PROFILES))
    assert index_value("34512", load_value_set(path)) == 0.5


def test_json_full_table(tmp_path):
    path = tmp_path / "set.json"
    values = {p: 1 - int(p[0]) / 10 for p in ALL_PROFILES}
    path.write_text(json.dumps({"name": "Full", "country": "X", "values": values}))
    loaded = load_value_set(path)
    assert (loaded.name, index_value("31111", loaded)) == ("Full", pytest.approx(0.7))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", "profile,value\n11111,1\n", "3124 of 3125"),
        ("a.csv", "state,utility\n11111,1\n", "header"),
        ("a.csv", "profile,value\n11111,1\n11111,1\n", "twice"),
        ("a.csv", "profile,value\n11111,high\n", "not a number"),
        ("a.csv", "profile,value\n11111,nan\n", "finite"),
        ("a.csv", "profile,value\n61111,1\n", "not EQ-5D-5L profiles"),
        ("a.json", "{not json", "not valid JSON"),
        ("a.json", "[]", "JSON object"),
        ("a.json", '{"name": "x"}', "'values' or 'model'"),
        ("a.json", '{"model": "additive", "decrements": {"MO": [0, 1, 2, 3, 4]}}', "MO, SC"),
        (
            "a.json",
            json.dumps({"model": "additive", "decrements": {d: [0, 1] for d in EQ5D_DIMENSIONS}}),
            "five decrements",
        ),
        ("a.txt", "profile,value\n", ".csv or .json"),
    ],
)
def test_malformed_value_sets_are_refused(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueSetError, match=message):
        load_value_set(path)


def test_missing_file(tmp_path):
    with pytest.raises(ValueSetError, match="Cannot read"):
        load_value_set(tmp_path / "absent.csv")


DIMENSION_CODES = ("eq5d_mo", "eq5d_sc", "eq5d_ua", "eq5d_pd", "eq5d_ad")


@settings(database=None, max_examples=150)
@given(
    levels=st.lists(st.integers(1, 5), min_size=5, max_size=5),
    vas=st.none() | st.integers(0, 100),
    worse=st.integers(0, 4),
)
def test_profile_property_and_index_monotone_in_each_dimension(levels, vas, worse):
    tiny = load_value_set(TINY)
    answers = dict(zip(DIMENSION_CODES, levels, strict=True)) | {"eq5d_vas": vas}
    result = score(EQ5D5L, answers, value_set=tiny)
    assert result.is_valid
    assert result.profile == "".join(map(str, levels))
    assert result.vas == vas
    assert -1.0 <= result.index <= 1.0
    if levels[worse] < 5:
        worse_levels = [*levels]
        worse_levels[worse] += 1
        assert index_value("".join(map(str, worse_levels)), tiny) <= result.index
