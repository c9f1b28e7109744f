"""The report's figures as deterministic SVG data URIs: forest plot, effect against the MID,
and the CONSORT flow diagram.

Drawn on a bare matplotlib ``Figure`` (no pyplot, so no global state is shared between
requests) inside an ``rc_context`` with a fixed ``svg.hashsalt`` and no date metadata: the
same numbers always give the same bytes, so a stored report can be checked against a
re-run. Every figure has a text alternative (alt text and a table of the same numbers).
"""

from __future__ import annotations

import base64
import io
import math
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evaluation.reports.consort import ConsortFlow

#: NHS.UK palette: blue, dark pink, green, warm yellow; grey for reference lines.
BLUE, PINK, GREEN = "#005eb8", "#7c2855", "#007f3b"
GREY, TEXT = "#768692", "#212b32"
RC = {"svg.fonttype": "none", "svg.hashsalt": "livinglab-report", "font.size": 9}


@dataclass(frozen=True)
class ForestRow:
    """One line of a forest plot; ``estimate`` is ``None`` when it could not be estimated."""

    label: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int | None = None

    @property
    def is_estimated(self) -> bool:
        values = (self.estimate, self.ci_low, self.ci_high)
        return all(v is not None and math.isfinite(v) for v in values)


def as_forest_row(row: ForestRow | Mapping[str, Any]) -> ForestRow:
    """A :class:`ForestRow` from itself or a mapping with the same keys (``n`` optional)."""
    if isinstance(row, ForestRow):
        return row
    return ForestRow(
        label=str(row["label"]),
        estimate=row.get("estimate"),
        ci_low=row.get("ci_low"),
        ci_high=row.get("ci_high"),
        n=row.get("n"),
    )


def number(value: float | None, places: int = 2) -> str:
    """``value`` to ``places`` decimals with a true minus sign; a dash when missing."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.{places}f}".replace("-", "−")


def _render(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _new_figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _draw(draw: Any, *args: Any) -> str:
    """Run ``draw(*args) -> Figure`` and render it, both under the fixed settings."""
    import matplotlib

    with matplotlib.rc_context(RC):
        return _render(draw(*args))


# --- forest plot ---------------------------------------------------------------------------


def forest_plot_svg(
    rows: Iterable[ForestRow | Mapping[str, Any]],
    *,
    null_value: float = 0.0,
    label: str = "Difference",
) -> str:
    """A forest plot: each row's estimate and 95% CI against the line of no effect.

    Rows without an estimate keep their line, marked "not estimated".

    Args:
        rows: ``ForestRow`` or mappings with ``label, estimate, ci_low, ci_high, n``.
        null_value: no effect (0 for a difference, 1 for a ratio).
        label: the x-axis title.
    """
    return _draw(_forest, tuple(as_forest_row(r) for r in rows), null_value, label)


def _forest(rows: tuple[ForestRow, ...], null_value: float, label: str) -> Any:
    figure = _new_figure(7, 0.45 * max(len(rows), 1) + 1.0)
    axes = figure.add_subplot()
    positions = list(range(len(rows)))[::-1]
    estimated = [r for r in rows if r.is_estimated]
    span = [v for r in estimated for v in (r.ci_low, r.ci_high)] + [null_value]
    low, high = min(span), max(span)
    pad = (high - low) * 0.08 or 1.0
    for y, row in zip(positions, rows, strict=True):
        if row.is_estimated:
            axes.plot([row.ci_low, row.ci_high], [y, y], color=BLUE, linewidth=1.6)
            axes.plot([row.estimate], [y], marker="s", color=BLUE, markersize=6)
            text = f"{number(row.estimate)} ({number(row.ci_low)} to {number(row.ci_high)})"
        else:
            axes.text(
                null_value,
                y,
                "not estimated",
                ha="center",
                va="center",
                color=GREY,
                bbox={"facecolor": "white", "edgecolor": "none"},
            )
            text = "not estimated"
        axes.text(1.02, y, text, transform=axes.get_yaxis_transform(), va="center")
    axes.axvline(null_value, color=GREY, linewidth=1, linestyle="-")
    axes.set_yticks(positions, [_row_label(r) for r in rows])
    axes.set_ylim(-0.7, len(rows) - 0.3)
    axes.set_xlim(low - pad, high + pad)
    axes.set_xlabel(label)
    axes.spines[["top", "right", "left"]].set_visible(False)
    axes.tick_params(axis="y", length=0)
    return figure


def _row_label(row: ForestRow) -> str:
    return row.label if row.n is None else f"{row.label} (n={row.n})"


def forest_alt_text(rows: Iterable[ForestRow | Mapping[str, Any]], *, label: str) -> str:
    """The forest plot in words, for the image's alt text."""
    parts = []
    for row in map(as_forest_row, rows):
        if row.is_estimated:
            parts.append(
                f"{row.label}: {number(row.estimate)} "
                f"(95% CI {number(row.ci_low)} to {number(row.ci_high)})"
            )
        else:
            parts.append(f"{row.label}: not estimated")
    return f"Forest plot of {label.lower()} with 95% confidence intervals. " + "; ".join(parts)


def forest_figure(
    rows: Iterable[ForestRow | Mapping[str, Any]],
    *,
    null_value: float = 0.0,
    label: str = "Difference",
    caption: str = "Effect estimates with 95% confidence intervals",
) -> dict[str, Any]:
    """What ``_forest.html`` expects as ``forest``: image, alt, caption and rows (JSON-safe)."""
    rows = tuple(map(as_forest_row, rows))
    return {
        "image": forest_plot_svg(rows, null_value=null_value, label=label),
        "alt": forest_alt_text(rows, label=label),
        "label": label,
        "caption": caption,
        "rows": [{**asdict(row), "is_estimated": row.is_estimated} for row in rows],
    }


# --- primary effect against the minimal important difference -------------------------------


def effect_vs_mid_svg(
    estimate: float,
    ci_low: float,
    ci_high: float,
    mid: float | None,
    lower_is_better: bool,
    *,
    label: str = "Difference from control",
) -> str:
    """The primary effect's 95% CI against no difference (0) and the minimal important
    difference on the side of benefit (−MID when a lower value is better, else +MID).

    Raises:
        ValueError: the estimate or an end of the interval is missing.
    """
    values = (estimate, ci_low, ci_high)
    if any(v is None or not math.isfinite(v) for v in values):
        raise ValueError("The effect cannot be drawn: the estimate or its interval is missing.")
    signed_mid = None if mid is None else (-abs(mid) if lower_is_better else abs(mid))
    return _draw(_effect, estimate, ci_low, ci_high, signed_mid, lower_is_better, label)


def _effect(
    estimate: float,
    ci_low: float,
    ci_high: float,
    signed_mid: float | None,
    lower_is_better: bool,
    label: str,
) -> Any:
    figure = _new_figure(7, 1.9)
    axes = figure.add_subplot()
    span = [ci_low, ci_high, 0.0] + ([signed_mid] if signed_mid is not None else [])
    pad = (max(span) - min(span)) * 0.15 or 1.0
    axes.set_xlim(min(span) - pad, max(span) + pad)
    axes.set_ylim(-1, 1)
    axes.axvline(0, color=GREY, linewidth=1)
    axes.text(0, 0.75, "No difference", ha="center", color=GREY)
    if signed_mid is not None:
        axes.axvline(signed_mid, color=PINK, linewidth=1.2, linestyle="--")
        axes.text(
            signed_mid,
            -0.85,
            f"Minimal important difference ({number(signed_mid)})",
            ha="center",
            color=PINK,
        )
    axes.plot([ci_low, ci_high], [0, 0], color=BLUE, linewidth=2.5)
    axes.plot([estimate], [0], marker="s", color=BLUE, markersize=8)
    better = "Favours intervention" + (" ←" if lower_is_better else " →")
    axes.text(
        0.0 if lower_is_better else 1.0,
        1.02,
        better,
        transform=axes.transAxes,
        ha="left" if lower_is_better else "right",
        color=TEXT,
    )
    axes.set_yticks([])
    axes.set_xlabel(label)
    axes.spines[["top", "right", "left"]].set_visible(False)
    return figure


# --- CONSORT flow diagram ------------------------------------------------------------------


def consort_diagram(flow: ConsortFlow) -> str:
    """The CONSORT flow as a data-URI SVG: one column of boxes per arm."""
    return _draw(_consort, flow)


def _wrap(text: str, width: int = 30) -> str:
    return "\n".join(textwrap.fill(line, width) for line in text.split("\n"))


def _excluded_text(flow: ConsortFlow) -> str:
    lines = [f"Excluded (n={flow.excluded})"]
    for group in flow.exclusions:
        lines.append(f"• {group.label} (n={group.count})")
        lines.extend(f"    {reason.label} (n={reason.count})" for reason in group.reasons)
    return "\n".join(textwrap.fill(line, 52, subsequent_indent="      ") for line in lines)


def _arm_texts(arm: Any) -> tuple[str, str, str]:
    allocated = f"Allocated to {arm.arm} (n={arm.allocated})"
    if arm.received_allocated is not None:
        allocated += f"\nReceived allocated intervention (n={arm.received_allocated})"
    follow_up = (
        f"Lost to follow-up (n={arm.lost_to_follow_up})\n"
        f"Discontinued (n={arm.discontinued})\n"
        f"  data still used (n={arm.discontinued_kept_data})\n"
        f"  data withdrawn (n={arm.discontinued_data_withdrawn})"
    )
    analysed = (
        f"Analysed (n={arm.analysed})\nExcluded from analysis (n={arm.excluded_from_analysis})"
    )
    return _wrap(allocated), follow_up, analysed


def _box(axes: Any, x: float, y: float, text: str, *, ha: str = "center") -> Any:
    return axes.text(
        x,
        y,
        text,
        ha=ha,
        va="center",
        color=TEXT,
        bbox={"boxstyle": "square,pad=0.6", "facecolor": "white", "edgecolor": BLUE},
    )


def _arrow(axes: Any, source: Any, target: Any, *, sideways: bool = False) -> None:
    """An arrow from the bottom (or right) edge of ``source`` to the top (or left) of ``target``."""
    start, end = ((1.0, 0.5), (0.0, 0.5)) if sideways else ((0.5, 0.0), (0.5, 1.0))
    axes.annotate(
        "",
        xy=end,
        xycoords=target,
        xytext=start,
        textcoords=source,
        arrowprops={"arrowstyle": "-|>", "color": TEXT, "shrinkA": 6, "shrinkB": 6},
    )


def _consort(flow: ConsortFlow) -> Any:
    columns = max(len(flow.arms), 2)
    width = 3.2 * columns
    figure = _new_figure(width, 8.5)
    axes = figure.add_subplot()
    axes.set_xlim(0, width)
    axes.set_ylim(0, 10)
    axes.axis("off")
    middle = width / 2
    assessed = _box(axes, middle * 0.6, 9.6, f"Assessed for eligibility (n={flow.assessed})")
    excluded = _box(axes, middle * 0.6 + 1.6, 7.9, _excluded_text(flow), ha="left")
    randomised = _box(axes, middle * 0.6, 6.2, f"Randomised (n={flow.randomised})")
    _arrow(axes, assessed, randomised)
    axes.annotate(
        "",
        xy=(0.0, 0.5),
        xycoords=excluded,
        xytext=(middle * 0.6, 7.9),
        textcoords="data",
        arrowprops={"arrowstyle": "-|>", "color": TEXT, "shrinkB": 6},
    )
    step = width / len(flow.arms) if flow.arms else width
    for i, arm in enumerate(flow.arms):
        x = step * (i + 0.5)
        allocated_text, follow_up_text, analysed_text = _arm_texts(arm)
        allocated = _box(axes, x, 4.6, allocated_text)
        follow_up = _box(axes, x, 2.6, follow_up_text)
        analysed = _box(axes, x, 0.6, analysed_text)
        _arrow(axes, randomised, allocated)
        _arrow(axes, allocated, follow_up)
        _arrow(axes, follow_up, analysed)
    for y, stage in ((4.6, "Allocation"), (2.6, "Follow-up"), (0.6, "Analysis")):
        axes.text(-0.1, y, stage, rotation=90, ha="right", va="center", color=GREY)
    return figure


def consort_alt_text(flow: ConsortFlow) -> str:
    """The flow diagram in one sentence per stage, for the image's alt text."""
    arms = "; ".join(
        f"{arm.arm}: {arm.allocated} allocated, {arm.lost_to_follow_up} lost to follow-up, "
        f"{arm.discontinued} discontinued, {arm.analysed} analysed"
        for arm in flow.arms
    )
    return (
        f"CONSORT flow diagram. {flow.assessed} assessed for eligibility, {flow.excluded} "
        f"excluded, {flow.randomised} randomised. {arms}. The same figures are listed in text."
    )
