"""Holm adjustment against R's ``p.adjust(p, "holm")`` (pure, no app)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from evaluation.stats.multiplicity import holm

R_FIXTURES = Path(__file__).parents[1] / "reference" / "r"


def test_matches_r_p_adjust_with_a_missing_p_value():
    fixture = json.loads((R_FIXTURES / "paired_holm.json").read_text())
    raw = {k: math.nan if v is None else v for k, v in fixture["p"].items()}
    adjusted = holm(raw)
    assert list(adjusted) == list(raw)
    for term, expected in fixture["holm"].items():
        if expected is None:
            assert math.isnan(adjusted[term])
        else:
            assert adjusted[term] == pytest.approx(expected, rel=1e-12), term


def test_missing_p_values_do_not_enlarge_the_family():
    adjusted = holm({"a": 0.02, "b": math.nan})
    assert adjusted["a"] == 0.02
    assert math.isnan(adjusted["b"])
    assert holm({"a": 0.02, "b": 0.5})["a"] == pytest.approx(0.04)


def test_adjusted_p_values_are_capped_at_one_and_never_below_the_raw_ones():
    adjusted = holm({"a": 0.6, "b": 0.7, "c": 0.01})
    assert adjusted == {"a": 1.0, "b": 1.0, "c": pytest.approx(0.03)}


def test_empty_family_and_all_missing():
    assert holm({}) == {}
    assert math.isnan(holm({"a": None})["a"])


def test_impossible_p_value_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        holm({"a": 1.5})
