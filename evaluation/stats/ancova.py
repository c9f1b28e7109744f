"""ANCOVA for a continuous outcome in a parallel trial (OLS, classical or HC3 errors)."""

from __future__ import annotations

import warnings as py_warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm

from evaluation.stats.design import build_design
from evaluation.stats.results import AncovaResult, ModelResult, wald_coefficients
from evaluation.stats.spec import AnalysisError, ModelSpec

__all__ = ["AnalysisError", "ancova", "fit_ancova"]


def fit_ancova(data: pd.DataFrame, spec: ModelSpec) -> ModelResult:
    """Fit ``outcome ~ arm + covariates`` by ordinary least squares, as R's ``lm``.

    ``spec.se`` is ``classical`` (t with the residual degrees of freedom) or ``robust``
    (HC3 sandwich, the default of R's ``sandwich::vcovHC``, also with t). The F statistic,
    R² and residual SE are the classical ones that ``summary(lm(...))`` prints.

    Raises:
        AnalysisError: missing columns, unknown control level, too few participants.
    """
    design = build_design(data, spec)
    if design.groups is not None and design.groups.duplicated().any():
        raise AnalysisError(
            "ANCOVA needs one row per participant, but some participants have several rows. "
            'Choose one visit with "visit", or use the mixed or GEE model for repeated visits.'
        )
    notes = list(design.notes)
    with py_warnings.catch_warnings(record=True) as caught:
        py_warnings.simplefilter("always")
        model = sm.OLS(design.y, design.X)
        classical = model.fit()
        fit = model.fit(cov_type="HC3") if spec.se == "robust" else classical
    notes += [str(w.message) for w in caught]
    if np.linalg.cond(design.X.to_numpy()) > 1e10:
        notes.append("The design matrix is nearly singular; estimates may be unstable.")
    if design.arm_levels:
        counts = design.data[spec.arm].map(str).value_counts()  # type: ignore[index]
        small = [lv for lv in design.arm_levels if counts.get(lv, 0) < 5]
        if small:
            notes.append(f"Fewer than 5 participants in arm(s): {', '.join(small)}.")
    df_resid = float(classical.df_resid)
    return ModelResult(
        model="ancova",
        family="gaussian",
        n_participants=design.n_participants,
        n_observations=design.n_observations,
        coefficients=wald_coefficients(fit.params, fit.bse, df=df_resid),
        statistics={
            "se_type": "HC3 (robust)" if spec.se == "robust" else "classical",
            "residual_se": float(np.sqrt(classical.mse_resid)),
            "r_squared": float(classical.rsquared),
            "adj_r_squared": float(classical.rsquared_adj),
            "f_statistic": float(classical.fvalue) if design.X.shape[1] > 1 else None,
            "f_p": float(classical.f_pvalue) if design.X.shape[1] > 1 else None,
            "df_model": float(classical.df_model),
            "df_resid": int(df_resid),
            "loglik": float(classical.llf),
            "aic": float(classical.aic),
            "n_by_arm": _n_by_arm(design.data, spec, design.arm_levels),
        },
        warnings=tuple(notes),
    )


def _n_by_arm(frame: pd.DataFrame, spec: ModelSpec, levels: tuple[str, ...]) -> dict[str, int]:
    if not levels or spec.arm is None:
        return {}
    from evaluation.stats.design import as_levels

    counts = as_levels(frame[spec.arm]).value_counts()
    return {level: int(counts.get(level, 0)) for level in levels}


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
    """The trial's primary ANCOVA ``outcome ~ arm + baseline + covariates``, one row each.

    Raises:
        AnalysisError: missing columns, unknown control level, too few participants.
    """
    if se not in ("classical", "robust"):
        raise AnalysisError("se must be 'classical' or 'robust'")
    spec = ModelSpec(
        model="ancova",
        outcome=outcome,
        arm=arm,
        control=control,
        covariates=tuple(c for c in ([baseline] if baseline else []) + list(covariates)),
        se=se,
    )
    result = fit_ancova(data, spec)
    stats = result.statistics
    return AncovaResult(
        formula=f"{outcome} ~ {' + '.join(['arm', *spec.covariates])}",
        control=control,
        se_type=se,
        coefficients=result.coefficients,
        effects={c.term[4:-1]: c for c in result.coefficients if c.term.startswith("arm[")},
        n_by_arm=stats["n_by_arm"],
        n_observations=result.n_observations,
        residual_se=stats["residual_se"],
        r_squared=stats["r_squared"],
        f_statistic=stats["f_statistic"],
        df_resid=stats["df_resid"],
        warnings=result.warnings,
    )
