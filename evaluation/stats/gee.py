"""Generalised estimating equations for repeated outcomes, with geepack's conventions.

The fit reproduces R ``geepack::geeglm(..., id = participant, corstr = ...)``: the same
estimates, sandwich ("Std.err") and model-based SEs, scale and exchangeable correlation.
It is a small Fisher-scoring loop written here rather than statsmodels' ``GEE`` because
geepack's moment estimators differ from statsmodels' defaults (see ``_moments``) and the
engine must print the same numbers as R. Cluster sums make the fit independent of row order,
so clusters need not be contiguous (geepack requires that; we do not).
"""

from __future__ import annotations

import warnings as py_warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from evaluation.stats.design import Design, build_design
from evaluation.stats.glm import statsmodels_family
from evaluation.stats.results import ModelResult, wald_coefficients
from evaluation.stats.spec import AnalysisError, ModelSpec

#: Below this many clusters the sandwich SEs are biased downwards.
FEW_CLUSTERS = 20
MAX_ITER = 100
TOLERANCE = 1e-10


@dataclass(frozen=True)
class _Clusters:
    """Cluster membership as integer codes, with each cluster's size."""

    codes: np.ndarray
    sizes: np.ndarray

    @classmethod
    def of(cls, groups: pd.Series) -> _Clusters:
        codes, _ = pd.factorize(groups, sort=True)
        return cls(codes=codes, sizes=np.bincount(codes))

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Per-cluster sums of a vector or of each column of a matrix."""
        out = np.zeros((len(self.sizes), *values.shape[1:]))
        np.add.at(out, self.codes, values)
        return out


@dataclass(frozen=True)
class _GeeFit:
    params: np.ndarray
    cov_naive: np.ndarray
    cov_robust: np.ndarray
    scale: float
    alpha: float
    converged: bool
    iterations: int


def _moments(
    pearson: np.ndarray, clusters: _Clusters, exchangeable: bool, fixed: bool
) -> tuple[float, float]:
    """Scale and exchangeable correlation from Pearson residuals, as geepack estimates them.

    scale = sum(r^2) / N (geepack's divisor is N, not N - p as in the gee package or
    statsmodels' ``ddof_scale``); alpha = sum over within-cluster pairs of r_j r_k divided by
    scale * (number of pairs), again with no correction for p. A fixed scale is 1.
    """
    scale = 1.0 if fixed else float(np.mean(pearson**2))
    if not exchangeable:
        return scale, 0.0
    totals = clusters.sums(pearson)
    squares = clusters.sums(pearson**2)
    pair_products = float(np.sum(totals**2 - squares) / 2)
    pairs = float(np.sum(clusters.sizes * (clusters.sizes - 1)) / 2)
    if pairs == 0:
        return scale, 0.0
    return scale, pair_products / (pairs * scale)


def _estimating_terms(
    X: np.ndarray,
    resid: np.ndarray,
    clusters: _Clusters,
    alpha: float,
    scale: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The information sum D'V^-1 D and each cluster's score D_i'V_i^-1 (y_i - mu_i).

    ``X`` holds the rows of D scaled by 1/sqrt(variance) and ``resid`` the Pearson residuals,
    so V_i^-1 reduces to the inverse exchangeable correlation: (I - c 11') / (1 - alpha)
    with c = alpha / (1 + (n_i - 1) alpha); independence is alpha = 0.
    """
    c = alpha / (1 + (clusters.sizes - 1) * alpha)
    x_totals = clusters.sums(X)
    r_totals = clusters.sums(resid)
    factor = 1 / ((1 - alpha) * scale)
    information = (X.T @ X - (x_totals * c[:, None]).T @ x_totals) * factor
    scores = (clusters.sums(X * resid[:, None]) - x_totals * (c * r_totals)[:, None]) * factor
    return information, scores


def _solve(design: Design, family: sm.families.Family, spec: ModelSpec) -> _GeeFit:
    """Fisher scoring for beta, with scale and alpha updated from each step's residuals."""
    X = design.X.to_numpy()
    y = design.y.to_numpy()
    offset = design.offset.to_numpy() if design.offset is not None else np.zeros(len(y))
    clusters = _Clusters.of(design.groups)  # type: ignore[arg-type]
    exchangeable = spec.correlation == "exchangeable"
    fixed = spec.scale == "fixed"
    start = sm.GLM(y, X, family=family, offset=offset).fit(tol=1e-10)
    params = np.asarray(start.params)
    converged, iterations = False, 0
    while not converged and iterations < MAX_ITER:
        iterations += 1
        std_x, pearson = _standardised(X, y, offset, params, family)
        scale, alpha = _moments(pearson, clusters, exchangeable, fixed)
        information, scores = _estimating_terms(std_x, pearson, clusters, alpha, scale)
        step = np.linalg.solve(information, scores.sum(axis=0))
        params = params + step
        converged = bool(np.max(np.abs(step)) <= TOLERANCE * max(1.0, np.max(np.abs(params))))
    std_x, pearson = _standardised(X, y, offset, params, family)
    scale, alpha = _moments(pearson, clusters, exchangeable, fixed)
    information, scores = _estimating_terms(std_x, pearson, clusters, alpha, scale)
    bread = np.linalg.inv(information)
    return _GeeFit(
        params=params,
        cov_naive=bread,
        cov_robust=bread @ scores.T @ scores @ bread,
        scale=scale,
        alpha=alpha,
        converged=converged,
        iterations=iterations,
    )


def _standardised(
    X: np.ndarray, y: np.ndarray, offset: np.ndarray, params: np.ndarray, family: Any
) -> tuple[np.ndarray, np.ndarray]:
    """D / sqrt(V(mu)) row by row, and the Pearson residuals (y - mu) / sqrt(V(mu))."""
    eta = X @ params + offset
    mu = family.link.inverse(eta)
    sd = np.sqrt(family.variance(mu))
    return X * (family.link.inverse_deriv(eta) / sd)[:, None], (y - mu) / sd


def fit_gee(data: pd.DataFrame, spec: ModelSpec) -> ModelResult:
    """Fit the spec's GEE and return coefficients with both SEs and Wald (z) 95% CIs.

    ``se`` is the sandwich SE when ``spec.se`` is ``robust`` (the default, geepack's
    "Std.err"), else the model-based one. The scale is Pearson chi-square / N unless
    ``spec.scale`` is ``fixed`` (scale 1, geepack ``scale.fix = TRUE``).

    Raises:
        AnalysisError: the spec is not a GEE, names no participant column, or the data do
            not fit it (see ``build_design``).
    """
    if spec.model != "gee":
        raise AnalysisError(f"fit_gee fits the gee model, not {spec.model}.")
    if spec.participant is None:
        raise AnalysisError('A GEE needs "participant": the column that groups repeated rows.')
    design = build_design(data, spec)
    with py_warnings.catch_warnings(record=True) as caught:
        py_warnings.simplefilter("always")
        try:
            fit = _solve(design, statsmodels_family(spec.family), spec)
        except np.linalg.LinAlgError as error:
            raise AnalysisError(
                "The GEE cannot be fitted: its information matrix is singular "
                "(a term may be constant within the data)."
            ) from error
    naive = np.sqrt(np.diag(fit.cov_naive))
    robust = np.sqrt(np.diag(fit.cov_robust))
    terms = list(design.X.columns)
    chosen = robust if spec.se == "robust" else naive
    coefficients = wald_coefficients(
        dict(zip(terms, fit.params, strict=True)),
        dict(zip(terms, chosen, strict=True)),
        extra={
            "se_naive": dict(zip(terms, naive, strict=True)),
            "se_robust": dict(zip(terms, robust, strict=True)),
        },
    )
    n_clusters = design.n_participants
    warnings = list(design.notes) + list(dict.fromkeys(str(w.message) for w in caught))
    if not fit.converged:
        warnings.append(
            f"The GEE did not converge in {MAX_ITER} iterations; estimates are unreliable."
        )
    if n_clusters < FEW_CLUSTERS:
        warnings.append(
            f"Only {n_clusters} participants (clusters): robust SEs unreliable with few "
            f"clusters (fewer than {FEW_CLUSTERS})."
        )
    return ModelResult(
        model="gee",
        family=spec.family,
        n_participants=n_clusters,
        n_observations=design.n_observations,
        coefficients=coefficients,
        statistics={
            "scale": fit.scale,
            "scale_method": "fixed at 1" if spec.scale == "fixed" else "Pearson chi2 / N (geepack)",
            "working_correlation": fit.alpha,
            "correlation": spec.correlation,
            "n_clusters": n_clusters,
            "max_cluster_size": int(design.groups.value_counts().max()),  # type: ignore[union-attr]
            "converged": fit.converged,
            "iterations": fit.iterations,
            "se_type": "sandwich (robust)" if spec.se == "robust" else "model-based (naive)",
            "ci_method": "Wald",
            "test": "z",
        },
        warnings=tuple(warnings),
    )


__all__ = ["fit_gee"]
