"""ANCOVA for a continuous outcome in a parallel trial (OLS, classical or HC3 errors)."""

from __future__ import annotations

import re
import warnings as py_warnings

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from evaluation.stats.results import AncovaResult, Coefficient


class AnalysisError(ValueError):
    """The data or parameters do not allow the analysis; the message says why."""


_SAFE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _check_columns(data: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise AnalysisError(f"Column(s) not in the data: {', '.join(missing)}")
    unsafe = [c for c in columns if not _SAFE.match(c)]
    if unsafe:
        raise AnalysisError(f"Column names must be plain identifiers: {', '.join(unsafe)}")


def _term_name(raw: str, arm: str, numeric: set[str]) -> str:
    """statsmodels names -> ours: ``Intercept``, ``baseline``, ``arm[FT]``, ``site[DOR]``."""
    if raw == "Intercept" or raw in numeric:
        return raw
    match = re.match(r"^C\((\w+)(?:, Treatment\(.*\))?\)\[T\.(.+)\]$", raw)
    if match:
        column, level = match.groups()
        return f"{column}[{level}]"
    return raw


def ancova(
    data: pd.DataFrame,
    *,
    outcome: str,
    arm: str,
    control: str,
    baseline: str | None = None,
    covariates: tuple[str, ...] = (),
    se: str = "classical",
) -> AncovaResult:
    """Fit ``outcome ~ C(arm, Treatment(control)) + baseline + covariates`` by OLS.

    Args:
        data: one row per participant; rows with any missing model variable are dropped
            (complete-case analysis, reported in ``warnings``).
        outcome, arm, baseline: column names.
        control: the arm level used as reference.
        covariates: further columns; numeric ones enter as numbers, text ones as
            categories with the first sorted level as reference.
        se: ``classical`` (OLS) or ``robust`` (HC3 sandwich).

    Returns:
        AncovaResult with every coefficient (estimate, SE, 95% CI, p) and the arm effects.

    Raises:
        AnalysisError: missing columns, unknown control level, too few participants.
    """
    if se not in ("classical", "robust"):
        raise AnalysisError("se must be 'classical' or 'robust'")
    columns = [outcome, arm, *([baseline] if baseline else []), *covariates]
    _check_columns(data, columns)
    frame = data[columns].copy()
    notes: list[str] = []
    complete = frame.dropna()
    dropped = len(frame) - len(complete)
    if dropped:
        notes.append(f"{dropped} participant(s) with missing values excluded (complete case).")
    complete[arm] = complete[arm].astype(str)
    levels = sorted(complete[arm].unique())
    if control not in levels:
        raise AnalysisError(
            f"Control level {control!r} is not in column {arm!r} ({', '.join(levels)})."
        )
    if len(levels) < 2:
        raise AnalysisError("At least two arms with data are needed.")

    numeric = {
        c for c in [baseline, *covariates] if c and pd.api.types.is_numeric_dtype(complete[c])
    }
    terms = [f"C({arm}, Treatment(reference={control!r}))"]
    terms += [baseline] if baseline else []
    terms += [c if c in numeric else f"C({c})" for c in covariates]
    formula = f"{outcome} ~ " + " + ".join(terms)

    with py_warnings.catch_warnings(record=True) as caught:
        py_warnings.simplefilter("always")
        model = smf.ols(formula, data=complete)
        # Count the design's columns (a category adds one per non-reference level) and
        # keep at least two residual degrees of freedom, so every SE is finite.
        if len(complete) < model.exog.shape[1] + 2:
            raise AnalysisError("Too few participants with complete data to fit the model.")
        fit = model.fit(cov_type="HC3") if se == "robust" else model.fit()
    notes += [str(w.message) for w in caught]
    if np.linalg.cond(model.exog) > 1e10:
        notes.append("The design matrix is nearly singular; estimates may be unstable.")

    ci = fit.conf_int(alpha=0.05)
    coefficients = tuple(
        Coefficient(
            term=_term_name(name, arm, numeric),
            estimate=float(fit.params[name]),
            se=float(fit.bse[name]),
            ci_low=float(ci.loc[name, 0]),
            ci_high=float(ci.loc[name, 1]),
            p=float(fit.pvalues[name]),
        )
        for name in fit.params.index
    )
    prefix = f"{arm}["
    effects = {c.term[len(prefix) : -1]: c for c in coefficients if c.term.startswith(prefix)}
    counts = complete[arm].value_counts()
    small = [level for level in levels if counts[level] < 5]
    if small:
        notes.append(f"Fewer than 5 participants in arm(s): {', '.join(small)}.")
    return AncovaResult(
        formula=formula,
        control=control,
        se_type=se,
        coefficients=coefficients,
        effects=effects,
        n_by_arm={level: int(counts[level]) for level in levels},
        n_observations=int(fit.nobs),
        residual_se=float(np.sqrt(fit.mse_resid)),
        r_squared=float(fit.rsquared),
        f_statistic=float(fit.fvalue),
        df_resid=int(fit.df_resid),
        warnings=tuple(notes),
    )
