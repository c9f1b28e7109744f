"""Server-side SVG charts (matplotlib), embedded as images; each page gives a table as text.

matplotlib is imported on first use: it is slow to import and most requests draw nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
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


#: Charts drawn lately, by their data: drawing takes far longer than the page's queries,
#: and the figures change only when someone is recruited.
CACHE_SIZE = 256


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
    return _recruitment_chart(
        tuple(sorted(progress.daily.items())),
        tuple(site_names.items()),
        progress.total.target,
        start,
        end,
    )


@functools.lru_cache(maxsize=CACHE_SIZE)
def _recruitment_chart(
    daily_items: tuple[tuple[tuple[dt.date, int], int], ...],
    site_items: tuple[tuple[int, str], ...],
    target: int,
    start: dt.date | None,
    end: dt.date | None,
) -> str:
    daily = dict(daily_items)
    site_names = dict(site_items)
    pyplot = _pyplot()
    figure, axes = pyplot.subplots(figsize=(7, 3.6))
    days = sorted({day for day, _site in daily})
    per_site: dict[int, list[int]] = defaultdict(list)
    running: dict[int, int] = defaultdict(int)
    totals = []
    for day in days:
        for site_id in site_names:
            running[site_id] += daily.get((day, site_id), 0)
            per_site[site_id].append(running[site_id])
        totals.append(sum(running.values()))
    for colour, (site_id, name) in zip(COLOURS[1:], site_names.items(), strict=False):
        axes.step(days, per_site[site_id], where="post", color=colour, label=name)
    axes.step(days, totals, where="post", color=COLOURS[0], linewidth=2.5, label="All sites")
    if target:
        line_start = start or days[0]
        line_end = end if end and end > line_start else max(days[-1], line_start)
        axes.plot(
            [line_start, line_end],
            [0, target],
            linestyle="--",
            color=GREY,
            label=f"Target ({target})",
        )
    axes.set_ylabel("Participants randomised")
    axes.set_ylim(bottom=0)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(frameon=False, loc="upper left")
    figure.autofmt_xdate()
    return _data_uri(figure)


def representativeness_chart(tables: list[DimensionTable]) -> str | None:
    """Participants' share of each group beside Dorset's, one panel per dimension."""
    shown = tuple(
        (table.label, tuple((row.label, row.share or 0, row.reference_share) for row in table.rows))
        for table in tables
        if not table.too_few
    )
    return _representativeness_chart(shown) if shown else None


@functools.lru_cache(maxsize=CACHE_SIZE)
def _representativeness_chart(
    shown: tuple[tuple[str, tuple[tuple[str, float, float], ...]], ...],
) -> str:
    pyplot = _pyplot()
    heights = [len(rows) for _label, rows in shown]
    figure, panels = pyplot.subplots(
        len(shown),
        1,
        figsize=(7, 0.42 * sum(heights) + 1.2 * len(shown)),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    for axes, (title, rows) in zip(panels[:, 0], shown, strict=True):
        labels = [label for label, _ours, _dorset in rows][::-1]
        ours = [100 * share for _label, share, _dorset in rows][::-1]
        dorset = [100 * share for _label, _ours, share in rows][::-1]
        positions = range(len(labels))
        axes.barh([p + 0.2 for p in positions], dorset, height=0.4, color=GREY, label="Dorset")
        axes.barh([p - 0.2 for p in positions], ours, height=0.4, color=COLOURS[0], label="Trial")
        axes.set_yticks(list(positions), labels)
        axes.set_title(title, loc="left", fontsize=11)
        axes.set_xlabel("Per cent")
        axes.spines[["top", "right"]].set_visible(False)
    panels[0, 0].legend(frameon=False, loc="lower right")
    figure.tight_layout()
    return _data_uri(figure)
