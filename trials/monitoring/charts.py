"""Server-side SVG charts (matplotlib), embedded as images; each page gives a table as text.

matplotlib is imported on first use: it is slow to import and most requests draw nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections import defaultdict
from typing import Any

from trials.monitoring.recruitment import Progress
from trials.monitoring.representativeness import DimensionTable

#: NHS.UK palette: blue, dark pink, green, warm yellow.
COLOURS = ("#005eb8", "#7c2855", "#007f3b", "#ffb81c")
GREY = "#768692"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update(
        {"svg.fonttype": "none", "svg.hashsalt": "livinglab", "font.size": 10}
    )
    from matplotlib import pyplot

    return pyplot


def _data_uri(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    _pyplot().close(figure)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def recruitment_chart(
    progress: Progress,
    site_names: dict[int, str],
    *,
    start: dt.date | None,
    end: dt.date | None,
) -> str | None:
    """Cumulative recruits per site and in all, against a straight line to the target."""
    if not progress.daily:
        return None
    pyplot = _pyplot()
    figure, axes = pyplot.subplots(figsize=(7, 3.6))
    days = sorted({day for day, _site in progress.daily})
    per_site: dict[int, list[int]] = defaultdict(list)
    running: dict[int, int] = defaultdict(int)
    totals = []
    for day in days:
        for site_id in site_names:
            running[site_id] += progress.daily.get((day, site_id), 0)
            per_site[site_id].append(running[site_id])
        totals.append(sum(running.values()))
    for colour, (site_id, name) in zip(COLOURS[1:], site_names.items(), strict=False):
        axes.step(days, per_site[site_id], where="post", color=colour, label=name)
    axes.step(days, totals, where="post", color=COLOURS[0], linewidth=2.5, label="All sites")
    if progress.total.target:
        line_start = start or days[0]
        line_end = end if end and end > line_start else max(days[-1], line_start)
        axes.plot(
            [line_start, line_end],
            [0, progress.total.target],
            linestyle="--",
            color=GREY,
            label=f"Target ({progress.total.target})",
        )
    axes.set_ylabel("Participants randomised")
    axes.set_ylim(bottom=0)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(frameon=False, loc="upper left")
    figure.autofmt_xdate()
    return _data_uri(figure)


def representativeness_chart(tables: list[DimensionTable]) -> str | None:
    """Participants' share of each group beside Dorset's, one panel per dimension."""
    shown = [table for table in tables if not table.too_few]
    if not shown:
        return None
    pyplot = _pyplot()
    heights = [len(table.rows) for table in shown]
    figure, panels = pyplot.subplots(
        len(shown),
        1,
        figsize=(7, 0.42 * sum(heights) + 1.2 * len(shown)),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    for axes, table in zip(panels[:, 0], shown, strict=True):
        labels = [row.label for row in table.rows][::-1]
        ours = [100 * (row.share or 0) for row in table.rows][::-1]
        dorset = [100 * row.reference_share for row in table.rows][::-1]
        positions = range(len(labels))
        axes.barh([p + 0.2 for p in positions], dorset, height=0.4, color=GREY, label="Dorset")
        axes.barh([p - 0.2 for p in positions], ours, height=0.4, color=COLOURS[0], label="Trial")
        axes.set_yticks(list(positions), labels)
        axes.set_title(table.label, loc="left", fontsize=11)
        axes.set_xlabel("Per cent")
        axes.spines[["top", "right"]].set_visible(False)
    panels[0, 0].legend(frameon=False, loc="lower right")
    figure.tight_layout()
    return _data_uri(figure)
