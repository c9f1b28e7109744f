"""From a long DataFrame and a spec to the model's arrays, with our term names.

The design matrix is built here, not by a formula parser, so every model names its terms
the same way: ``Intercept``; a numeric covariate by its column name; a category level as
``COLUMN[LEVEL]`` (the first level in sorted order is the reference); and ``arm[LEVEL]``
for each arm other than the declared control.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaluation.stats.spec import AnalysisError, ModelSpec, level_name

ARM_TERM = "arm"


@dataclass(frozen=True)
class Design:
    """The complete-case rows of one model and the arrays fitted to them."""

    #: The rows used, with the spec's columns, index reset (participant order kept).
    data: pd.DataFrame
    y: pd.Series
    #: Columns named as terms: ``Intercept``, ``arm[FT]``, ``baseline``, ``site[DOR]``...
    X: pd.DataFrame
    #: Participant of each row as text (None when the spec names no participant column).
    groups: pd.Series | None
    offset: pd.Series | None
    #: Arm levels present, control first, then the others in sorted order.
    arm_levels: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_observations(self) -> int:
        return len(self.y)

    @property
    def n_participants(self) -> int:
        return int(self.groups.nunique()) if self.groups is not None else len(self.y)

    @property
    def arm_terms(self) -> list[str]:
        return [f"{ARM_TERM}[{level}]" for level in self.arm_levels[1:]]


def levels_of(column: pd.Series) -> list[str]:
    """Distinct values as level names, numbers in numeric order, text in sorted order."""
    values = column.dropna().unique()
    if pd.api.types.is_numeric_dtype(column):
        return [level_name(v) for v in sorted(values)]
    return sorted(str(v) for v in values)


def as_levels(column: pd.Series) -> pd.Series:
    """The column as level names (``1`` not ``1.0``), missing values kept missing."""
    return column.map(level_name, na_action="ignore")


def check_columns(data: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise AnalysisError(
            f"Column(s) not in the data: {', '.join(missing)}. "
            f"The data has: {', '.join(map(str, data.columns))}."
        )


def _numeric_outcome(frame: pd.DataFrame, spec: ModelSpec) -> pd.Series:
    raw = frame[spec.outcome]
    as_text = raw.astype("string").str.strip()
    values = pd.to_numeric(as_text.mask(as_text == ""), errors="coerce")
    bad = values.isna() & as_text.notna() & (as_text != "")
    if bad.any():
        first = frame.index[bad.to_numpy()][0]
        raise AnalysisError(
            f"The outcome column {spec.outcome!r} must hold numbers or be empty "
            f"(a missed visit); row {first + 1} holds {raw.loc[first]!r}."
        )
    return values.astype(float)


def _check_family(y: pd.Series, spec: ModelSpec) -> None:
    if spec.family == "binomial" and not y.isin([0.0, 1.0]).all():
        raise AnalysisError(
            f"A binomial model needs the outcome {spec.outcome!r} to be 0 or 1 in every row."
        )
    if spec.family in ("poisson", "negative_binomial"):
        if (y < 0).any():
            raise AnalysisError(f"A count outcome cannot be negative ({spec.outcome!r}).")
        if not np.allclose(y, np.round(y)):
            raise AnalysisError(f"A count outcome must be whole numbers ({spec.outcome!r}).")


def complete_rows(data: pd.DataFrame, spec: ModelSpec) -> tuple[pd.DataFrame, list[str]]:
    """The rows a model keeps: the spec's columns at its visit, the outcome as numbers, and
    only rows with every model value (complete case), with a note saying what was left out.

    Raises:
        AnalysisError: a column is missing, no row has the spec's visit, or an outcome is
            not a number.
    """
    check_columns(data, spec.columns)
    frame = data[spec.columns].reset_index(drop=True)
    if spec.visit is not None:
        frame = frame[as_levels(frame[spec.visit_column]) == spec.visit].reset_index(drop=True)
        if frame.empty:
            raise AnalysisError(f"No rows have {spec.visit_column} = {spec.visit!r}.")
    frame = frame.assign(**{spec.outcome: _numeric_outcome(frame, spec)})
    notes: list[str] = []
    model_columns = [c for c in spec.columns if c != spec.visit_column or spec.visit is None]
    incomplete = frame[model_columns].isna().any(axis=1)
    if incomplete.any():
        missed = int(frame[spec.outcome].isna().sum())
        notes.append(
            f"{int(incomplete.sum())} row(s) with a missing value left out (complete case), "
            f"{missed} of them with no outcome (a missed visit)."
        )
        frame = frame[~incomplete].reset_index(drop=True)
    return frame, notes


def build_design(data: pd.DataFrame, spec: ModelSpec) -> Design:
    """Check the data against the spec and build the model's arrays.

    Rows with a missing value in any model column are left out (complete case); the note
    says how many, and how many of those were missed visits (an empty outcome).

    Raises:
        AnalysisError: a column is missing, the control level is unknown, an outcome is
            not numeric or not valid for the family, or too little data remain.
    """
    frame, notes = complete_rows(data, spec)
    if frame.empty:
        raise AnalysisError("No rows have every value the model needs.")
    y = frame[spec.outcome]
    _check_family(y, spec)

    columns: dict[str, pd.Series] = {"Intercept": pd.Series(1.0, index=frame.index)}
    arm_levels: tuple[str, ...] = ()
    if spec.arm is not None:
        arms = as_levels(frame[spec.arm])
        present = levels_of(frame[spec.arm])
        if spec.control not in present:
            raise AnalysisError(
                f"The control level {spec.control!r} is not in column {spec.arm!r} "
                f"(its levels are {', '.join(present)})."
            )
        if len(present) < 2:
            raise AnalysisError("At least two arms with data are needed to compare arms.")
        arm_levels = (spec.control, *[lv for lv in present if lv != spec.control])  # type: ignore[list-item]
        for level in arm_levels[1:]:
            columns[f"{ARM_TERM}[{level}]"] = (arms == level).astype(float)
    for name in spec.covariates:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            columns[name] = column.astype(float)
            continue
        levels = levels_of(column)
        text = as_levels(column)
        for level in levels[1:]:
            columns[f"{name}[{level}]"] = (text == level).astype(float)
    X = pd.DataFrame(columns)
    if len(X) <= X.shape[1]:
        raise AnalysisError(
            f"Too few rows with complete data ({len(X)}) for a model with {X.shape[1]} terms."
        )
    if np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
        raise AnalysisError(
            "The model cannot be fitted: some terms are collinear (a covariate repeats "
            "another, or is constant within the data). Remove one of them."
        )
    offset = None
    if spec.offset is not None:
        raw = pd.to_numeric(frame[spec.offset.column], errors="coerce")
        if raw.isna().any():
            raise AnalysisError(f"The offset column {spec.offset.column!r} must hold numbers.")
        if spec.offset.log:
            if (raw <= 0).any():
                raise AnalysisError(
                    f"The offset column {spec.offset.column!r} must be above 0 to take its log."
                )
            raw = np.log(raw)
        offset = raw.astype(float)
    groups = as_levels(frame[spec.participant]) if spec.participant else None
    return Design(
        data=frame,
        y=y,
        X=X,
        groups=groups,
        offset=offset,
        arm_levels=arm_levels,
        notes=tuple(notes),
    )
