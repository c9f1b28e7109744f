"""Linear mixed model with a random intercept per participant, reported by lme4's conventions.

Model: ``outcome ~ arm + covariates + (1 | participant)``, i.e.
``y = X beta + b[participant] + e`` with ``b ~ N(0, tau^2)`` and ``e ~ N(0, sigma^2)``,
fitted by REML (``spec.reml``, lme4's default) or ML with statsmodels ``MixedLM`` on arrays
so the term names stay ours. Standard errors, log-likelihood, AIC and BIC are then computed
here the way ``lme4::lmer`` reports them, so the numbers agree with R.
"""

from __future__ import annotations

import warnings as py_warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.regression.mixed_linear_model import MixedLM, MixedLMResults

from evaluation.stats.design import Design, build_design
from evaluation.stats.results import ModelResult, wald_coefficients
from evaluation.stats.spec import AnalysisError, ModelSpec

#: Optimisers tried in turn until one converges; lbfgs is the most reliable for MixedLM.
METHODS = ("lbfgs", "bfgs", "cg", "powell", "nm")
SE_CONVENTION = "lme4: (X'V^-1X)^-1 at the estimated variance components"
INFERENCE = (
    "Wald z-tests and 95% CIs from the lme4 standard errors. lme4 itself prints no p-values; "
    "lmerTest would use Satterthwaite degrees of freedom, which give slightly wider intervals "
    "when there are few participants."
)


@dataclass(frozen=True)
class GroupSums:
    """Per-participant sums that make every V^-1 product a cheap Woodbury update.

    With ``V_i = sigma^2 (I + g 11')`` and ``g = tau^2 / sigma^2``,
    ``V_i^-1 = (I - c_i 11') / sigma^2`` where ``c_i = g / (1 + n_i g)``.
    """

    sizes: np.ndarray  # n_i, one per participant
    x_sums: np.ndarray  # sum of X rows per participant (groups x p)
    codes: np.ndarray  # participant index of each row


def group_sums(X: np.ndarray, groups: pd.Series) -> GroupSums:
    """Row-to-participant codes, group sizes and per-participant column sums of ``X``."""
    codes, _ = pd.factorize(groups, sort=False)
    sizes = np.bincount(codes).astype(float)
    x_sums = np.zeros((len(sizes), X.shape[1]))
    np.add.at(x_sums, codes, X)
    return GroupSums(sizes=sizes, x_sums=x_sums, codes=codes)


def lme4_vcov(X: np.ndarray, sums: GroupSums, tau2: float, sigma2: float) -> np.ndarray:
    """``(X' V^-1 X)^-1`` at the given variance components: lme4's fixed-effect ``vcov()``."""
    return np.linalg.inv(_xtvinvx(X, sums, tau2, sigma2))


def _xtvinvx(X: np.ndarray, sums: GroupSums, tau2: float, sigma2: float) -> np.ndarray:
    g = tau2 / sigma2
    c = g / (1.0 + sums.sizes * g)
    return (X.T @ X - (sums.x_sums * c[:, None]).T @ sums.x_sums) / sigma2


def lme4_loglik(
    y: np.ndarray, X: np.ndarray, sums: GroupSums, tau2: float, sigma2: float, *, reml: bool
) -> float:
    """The (restricted) log-likelihood at the given variance components, as lme4's ``logLik``.

    Uses the GLS fixed effects at those components. The REML version is
    ``-(1/2)[(N - p) log 2pi + log|V| + log|X'V^-1X| + r'V^-1r]``, without a ``log|X'X|`` term,
    which is what lme4 reports.
    """
    g = tau2 / sigma2
    c = g / (1.0 + sums.sizes * g)
    xtvx = _xtvinvx(X, sums, tau2, sigma2)
    y_sums = np.bincount(sums.codes, weights=y)
    xtvy = (X.T @ y - (sums.x_sums * c[:, None]).T @ y_sums) / sigma2
    beta = np.linalg.solve(xtvx, xtvy)
    r = y - X @ beta
    r_sums = np.bincount(sums.codes, weights=r)
    quad = (r @ r - np.sum(c * r_sums**2)) / sigma2
    logdet_v = len(y) * np.log(sigma2) + np.sum(np.log1p(sums.sizes * g))
    n_obs, p = X.shape
    if not reml:
        return float(-0.5 * (n_obs * np.log(2 * np.pi) + logdet_v + quad))
    _, logdet_xtvx = np.linalg.slogdet(xtvx)
    return float(-0.5 * ((n_obs - p) * np.log(2 * np.pi) + logdet_v + logdet_xtvx + quad))


def _fit_statsmodels(design: Design, reml: bool) -> tuple[MixedLMResults, list[str]]:
    """Fit with each optimiser in turn until one converges; warnings become plain notes."""
    model = MixedLM(
        design.y.to_numpy(),
        design.X.to_numpy(),
        groups=design.groups.to_numpy(),  # type: ignore[union-attr]
        exog_re=np.ones((design.n_observations, 1)),
    )
    result: MixedLMResults | None = None
    messages: list[str] = []
    for method in METHODS:
        with py_warnings.catch_warnings(record=True) as caught:
            py_warnings.simplefilter("always")
            try:
                result = model.fit(reml=reml, method=[method], gtol=1e-10, maxiter=2000)
            except (np.linalg.LinAlgError, ValueError):
                continue
        messages = [str(w.message).lower() for w in caught]
        if result.converged:
            break
    if result is None:
        raise AnalysisError(
            "The mixed model could not be fitted to these data (the optimiser failed). "
            "Check that participants have repeated measurements and the outcome varies."
        )
    notes = []
    if not result.converged:
        notes.append(
            "The mixed model did not converge with any optimiser; estimates may be unreliable."
        )
    if any("boundary" in m for m in messages) or _on_boundary(result):
        notes.append(
            "The participant variance is estimated at (or very near) zero: repeated "
            "measurements look no more alike than measurements from different participants, "
            "so the model is close to ordinary regression."
        )
    return result, notes


def _on_boundary(result: MixedLMResults) -> bool:
    return float(np.asarray(result.cov_re)[0, 0]) <= 1e-8 * float(result.scale)


def _check_repeated(design: Design) -> None:
    if design.groups is None:
        raise AnalysisError('The mixed model needs "participant": the participant column.')
    if design.n_participants < 2:
        raise AnalysisError("The mixed model needs data from at least two participants.")
    if design.n_participants >= design.n_observations:
        raise AnalysisError(
            "The mixed model needs repeated measurements: every participant has only one row."
        )


def fit_mixed(data: pd.DataFrame, spec: ModelSpec) -> ModelResult:
    """Fit ``outcome ~ arm + covariates + (1 | participant)`` as ``lme4::lmer`` would.

    Args:
        data: long format, one row per participant per visit; an empty outcome is a
            missed visit and the row is left out (complete case, noted in the warnings).
        spec: ``model == "mixed"``; ``participant`` names the grouping column;
            ``reml`` chooses REML (default, as lme4) or ML.

    Returns:
        ModelResult whose coefficients carry lme4's standard errors with Wald z CIs and
        p-values; statistics hold ``variance_components`` (``participant`` = tau^2,
        ``residual`` = sigma^2, as variances), ``loglik`` (the REML criterion's
        log-likelihood for REML fits, as lme4's ``logLik``), ``aic``, ``bic``, ``reml``,
        ``se_convention``, ``inference``, ``converged``, ``n_groups``.

    Raises:
        AnalysisError: the spec is not a mixed model, columns are missing, or the data
            have no repeated measurements.
    """
    if spec.model != "mixed":
        raise AnalysisError(f"fit_mixed fits the mixed model, not {spec.model!r}.")
    design = build_design(data, spec)
    _check_repeated(design)
    result, notes = _fit_statsmodels(design, spec.reml)
    X, y = design.X.to_numpy(), design.y.to_numpy()
    sigma2 = float(result.scale)
    tau2 = max(float(np.asarray(result.cov_re)[0, 0]), 0.0)
    sums = group_sums(X, design.groups)  # type: ignore[arg-type]
    vcov = lme4_vcov(X, sums, tau2, sigma2)
    terms = list(design.X.columns)
    params = dict(zip(terms, np.asarray(result.fe_params, dtype=float), strict=True))
    se = dict(zip(terms, np.sqrt(np.diag(vcov)), strict=True))
    loglik = lme4_loglik(y, X, sums, tau2, sigma2, reml=spec.reml)
    n_params = X.shape[1] + 2
    statistics = {
        "variance_components": {"participant": tau2, "residual": sigma2},
        "loglik": loglik,
        "aic": -2 * loglik + 2 * n_params,
        "bic": -2 * loglik + np.log(design.n_observations) * n_params,
        "reml": spec.reml,
        "se_convention": SE_CONVENTION,
        "inference": INFERENCE,
        "converged": bool(result.converged),
        "n_groups": design.n_participants,
    }
    return ModelResult(
        model="mixed",
        family="gaussian",
        n_participants=design.n_participants,
        n_observations=design.n_observations,
        coefficients=wald_coefficients(params, se),
        statistics=statistics,
        warnings=(*design.notes, *notes),
    )
