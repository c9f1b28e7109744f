"""The baseline table describes the randomised participants whose data are still used."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from evaluation.dataset import build_long_dataset
from evaluation.reports.baseline import baseline_measure_summary, baseline_table
from tests.evaluation.reports import BASELINES, build_scenario


def _row(table, section, label):
    return next(r for r in table.section(section) if r.label == label)


def test_table_counts_arms_and_total_with_percentages(session, world):
    scenario = build_scenario(session, world)
    table = baseline_table(session, scenario.trial)

    arms = [arm.name for arm in scenario.trial.arms]
    assert table.columns == (*arms, "Total")
    kept = [e for e in scenario.randomised if e is not scenario.data_withdrawn]
    expected_n = tuple(sum(e.arm.name == arm for e in kept) for arm in arms)
    assert table.n == (*expected_n, 9)  # the participant who stopped data use is left out
    # Every factory resident is a woman born in 1950, with no deprivation or ethnic group.
    female = _row(table, "Sex", "Female")
    assert female.counts == table.n
    assert female.texts[-1] == "9 (100.0%)"
    assert _row(table, "Sex", "Male").counts == (0, 0, 0)
    assert (
        _row(table, "Age band", "65 to 74").counts[-1]
        + _row(table, "Age band", "75 and over").counts[-1]
        == 9
    )
    assert _row(table, "Deprivation quintile", "Not known").counts[-1] == 9
    assert _row(table, "Ethnic group", "Not known").percents[-1] == pytest.approx(100.0)
    sites = {r.label: r.counts[-1] for r in table.section("Site")}
    assert sum(sites.values()) == 9 and len(sites) == 2
    measure = table.rows[-1]
    assert measure.label == "Mean (SD)"
    values = [BASELINES[i] for i, e in enumerate(scenario.randomised) if e in kept]
    assert measure.counts[-1] == 9
    assert measure.texts[-1] == f"{np.mean(values):.1f} ({np.std(values, ddof=1):.1f})"
    assert "p" not in {r.label for r in table.rows}
    assert json.loads(json.dumps(table.to_dict()))["n"][-1] == 9


def test_table_takes_a_bounded_number_of_queries(session, world, count_queries):
    small = build_scenario(session, world, n=4)
    long = build_long_dataset(session, small.trial)
    with count_queries() as few:
        baseline_table(session, small.trial, long=long)
    large = build_scenario(session, world, n=10)
    with count_queries() as many:
        baseline_table(session, large.trial)
    assert len(few) == 4 and len(many) == 5


def test_measure_summary_is_mean_and_sd_per_arm_skipping_missing_values():
    long = pd.DataFrame(
        {
            "participant": ["A", "B", "C", "D", "A", "E"],
            "site": ["S"] * 6,
            "arm": ["Care", "Care", "Product", "Product", "Care", "Other"],
            "visit": ["baseline"] * 4 + ["follow_up", "baseline"],
            "measure": ["TUG"] * 6,
            "value": [10.0, 14.0, 20.0, np.nan, 99.0, np.nan],
        }
    )
    summary = baseline_measure_summary(long, "TUG", "baseline")
    assert summary["Care"].n == 2 and summary["Care"].mean == 12.0
    assert summary["Care"].sd == pytest.approx(np.sqrt(8.0))
    assert summary["Product"].n == 1 and summary["Product"].sd is None
    assert summary["Other"].n == 0 and summary["Other"].mean is None
    assert summary["Total"].n == 3 and summary["Total"].mean == pytest.approx(44 / 3)


def test_partial_renders_every_row(app, session, world):
    from flask import render_template_string

    table = baseline_table(session, build_scenario(session, world, n=4).trial)
    with app.test_request_context():
        html = render_template_string(
            '{% include "evaluation/reports/_baseline.html" %}', baseline=table.to_dict()
        )
    assert "Total (n=3)" in html  # one of the four stopped data use
    assert "3 (100.0%)" in html
    assert "No significance tests are shown" in html
