"""Forest plot and effect-against-MID figures: SVG data URIs, deterministic, with text."""

from __future__ import annotations

import base64

import pytest

from evaluation.reports.charts import (
    ForestRow,
    effect_vs_mid_svg,
    forest_figure,
    forest_plot_svg,
)
from evaluation.reports.tables import table_csv

ROWS = [
    {"label": "Product", "estimate": -1.8, "ci_low": -2.9, "ci_high": -0.7, "n": 40},
    {"label": "Product, per protocol", "estimate": None, "ci_low": None, "ci_high": None, "n": 0},
]


def _svg(uri: str) -> str:
    assert uri.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(uri.split(",", 1)[1]).decode()


def test_forest_plot_names_each_row_and_marks_missing_estimates():
    svg = _svg(forest_plot_svg(ROWS, label="Difference in seconds"))
    assert "Product (n=40)" in svg
    assert "−1.80 (−2.90 to −0.70)" in svg
    assert "not estimated" in svg
    assert "Difference in seconds" in svg
    assert "<dc:date>" not in svg


def test_same_data_give_the_same_bytes():
    rows = [ForestRow(**row) for row in ROWS]
    assert forest_plot_svg(rows) == forest_plot_svg(ROWS)
    assert effect_vs_mid_svg(-1.8, -2.9, -0.7, 1.5, True) == effect_vs_mid_svg(
        -1.8, -2.9, -0.7, 1.5, True
    )
    assert forest_plot_svg(ROWS) != forest_plot_svg(ROWS[:1])


@pytest.mark.parametrize(("lower_is_better", "line"), [(True, "(−1.50)"), (False, "(1.50)")])
def test_mid_is_drawn_on_the_side_of_benefit(lower_is_better, line):
    svg = _svg(effect_vs_mid_svg(-1.8, -2.9, -0.7, 1.5, lower_is_better))
    assert f"Minimal important difference {line}" in svg
    assert "No difference" in svg


def test_effect_without_mid_draws_only_no_difference():
    svg = _svg(effect_vs_mid_svg(0.4, -0.2, 1.0, None, False))
    assert "Minimal important difference" not in svg


def test_effect_without_estimate_is_refused_in_words():
    with pytest.raises(ValueError, match="estimate or its interval is missing"):
        effect_vs_mid_svg(float("nan"), -1.0, 1.0, 1.5, True)


def test_forest_partial_gives_alt_text_and_the_same_numbers_in_a_table(app):
    from flask import render_template_string

    forest = forest_figure(ROWS, label="Difference (seconds)", caption="Primary outcome")
    with app.test_request_context():
        html = render_template_string(
            '{% include "evaluation/reports/_forest.html" %}', forest=forest
        )
    assert 'alt="Forest plot of difference (seconds) with 95% confidence intervals. ' in html
    assert "Product: −1.80 (95% CI −2.90 to −0.70)" in html
    assert '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">−1.80</td>' in html
    assert "−2.90 to −0.70" in html
    assert "Not estimated" in html


def test_csv_neutralises_formulas_but_keeps_numbers():
    text = table_csv(
        [
            {"arm": '=HYPERLINK("http://x")', "n": 12, "estimate": "-1.5"},
            {"arm": "+SUM(A1)", "n": None, "estimate": -0.25},
            {"arm": "@cmd", "n": 3, "estimate": "-x"},
        ],
        ["arm", "n", "estimate"],
    )
    assert text.splitlines() == [
        "arm,n,estimate",
        '"\'=HYPERLINK(""http://x"")",12,-1.5',
        "'+SUM(A1),,-0.25",
        "'@cmd,3,'-x",
    ]
