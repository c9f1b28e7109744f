"""Generalised linear models for one row per participant: binary, count and continuous outcomes.

The fit reproduces R's ``glm`` (binomial logit, Poisson log, Gaussian identity) and
``MASS::glm.nb`` (negative binomial with its theta by maximum likelihood). Term names are ours
(see ``design.py``): the model is fitted on the design matrix, not through a formula.
"""

from __future__ import annotations

import warnings as py_warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special
from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

from evaluation.stats.design import Design, build_design
from evaluation.stats.results import ModelResult, wald_coefficients
from evaluation.stats.spec import AnalysisError, ModelSpec

#: A logit SE above this means the likelihood is flat: (quasi-)separation.
HUGE_LOGIT_SE = 50.0
#: Pearson chi-square / df above this suggests a Poisson model is too narrow.
OVERDISPERSION = 1.5
#: Fewer events (or non-events) than this in an arm makes a logistic model fragile.
SMALL_CELL = 5
RISK_DIFFERENCE_TEST = (
    "score test without continuity correction (the Pearson chi-square test, "
    "R prop.test(correct = FALSE))"
)


@dataclass(frozen=True)
class _Fit:
    """A statsmodels GLM fit plus what glm.nb adds (theta and its SE)."""

    result: Any
    theta: float | None = None
    theta_se: float | None = None


def statsmodels_family(name: str, alpha: float | None = None) -> sm.families.Family:
    """The statsmodels family of a spec's ``family`` (negative binomial at ``alpha``)."""
    if name == "binomial":
        return sm.families.Binomial()
    if name == "poisson":
        return sm.families.Poisson()
    if name == "negative_binomial":
        return sm.families.NegativeBinomial(alpha=alpha)
    return sm.families.Gaussian()


def _fit(design: Design, family: sm.families.Family, scale: str | None) -> Any:
    model = sm.GLM(design.y, design.X, family=family, offset=design.offset)
    return model.fit(scale=scale, tol=1e-10, maxiter=100)


def _theta_score_info(theta: float, y: np.ndarray, mu: np.ndarray) -> tuple[float, float]:
    """Score and observed information of the NB log-likelihood in theta, means held fixed."""
    score = np.sum(
        special.digamma(theta + y)
        - special.digamma(theta)
        + np.log(theta)
        + 1
        - np.log(theta + mu)
        - (y + theta) / (mu + theta)
    )
    info = np.sum(
        -special.polygamma(1, theta + y)
        + special.polygamma(1, theta)
        - 1 / theta
        + 2 / (mu + theta)
        - (y + theta) / (mu + theta) ** 2
    )
    return float(score), float(info)


def _theta_ml(y: np.ndarray, mu: np.ndarray, start: float | None) -> float:
    """Theta maximising the NB likelihood for fixed means (Newton steps, as MASS::theta.ml)."""
    theta = start if start else len(y) / np.sum((y / mu - 1) ** 2)
    for _ in range(50):
        score, info = _theta_score_info(theta, y, mu)
        step = score / info
        # Halve a step that would leave theta's domain.
        while theta + step <= 0:
            step /= 2
        theta += step
        if abs(step) <= 1e-10 * max(theta, 1.0):
            break
    return float(theta)


def _fit_negative_binomial(design: Design, scale: str | None) -> _Fit:
    """Alternate theta by ML and the GLM at that theta until both settle, like glm.nb.

    The coefficient SEs are then the GLM (expected information) SEs at the ML theta, which is
    what ``summary(glm.nb(...))`` prints.
    """
    y = design.y.to_numpy()
    fit = _fit(design, sm.families.Poisson(), None)
    theta: float | None = None
    for _ in range(100):
        new_theta = _theta_ml(y, fit.mu, theta)
        fit = _fit(design, statsmodels_family("negative_binomial", 1 / new_theta), scale)
        settled = theta is not None and abs(new_theta - theta) <= 1e-9 * new_theta
        theta = new_theta
        if settled:
            break
    theta = _theta_ml(y, fit.mu, theta)
    _, info = _theta_score_info(theta, y, fit.mu)
    return _Fit(result=fit, theta=theta, theta_se=float(1 / np.sqrt(info)))


def _hc3_se(fit: Any) -> np.ndarray:
    """HC3 sandwich SEs, as R ``sandwich::vcovHC(fit, type = "HC3")`` for a glm.

    bread (X'WX)^-1, meat sum over rows of (score_i / (1 - h_i))^2 x_i x_i'; the dispersion
    cancels, so the score is taken at scale 1.
    """
    X = fit.model.exog
    u = fit.model.score_factor(fit.params.to_numpy(), scale=1.0)
    h = fit.get_hat_matrix_diag()
    bread = fit.normalized_cov_params.to_numpy()
    weighted = X * (u / (1 - h))[:, None]
    return np.sqrt(np.diag(bread @ weighted.T @ weighted @ bread))


def _loglik(fit: Any, family: str, theta: float | None) -> float:
    """R's ``logLik``: ML variance for Gaussian, scale 1 otherwise (also under ``pearson``)."""
    y, mu = fit.model.endog, fit.mu
    if family == "gaussian":
        n = len(y)
        sigma2 = np.sum((y - mu) ** 2) / n
        return float(-n / 2 * (np.log(2 * np.pi * sigma2) + 1))
    if family == "negative_binomial":
        assert theta is not None
        return float(
            np.sum(
                special.gammaln(theta + y)
                - special.gammaln(theta)
                - special.gammaln(y + 1)
                + theta * np.log(theta)
                + y * np.log(mu + (y == 0))
                - (theta + y) * np.log(theta + mu)
            )
        )
    return float(fit.family.loglike(y, mu, scale=1.0))


def _odds_ratios(coefficients: tuple, arm_terms: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "term": c.term,
            "odds_ratio": float(np.exp(c.estimate)),
            "ci_low": float(np.exp(c.ci_low)),
            "ci_high": float(np.exp(c.ci_high)),
        }
        for c in coefficients
        if c.term in arm_terms
    ]


def _risk_differences(design: Design) -> list[dict[str, Any]]:
    """Unadjusted risk difference of each arm against control, Newcombe hybrid score CI."""
    arms = design.X[design.arm_terms].idxmax(axis=1).where(design.X[design.arm_terms].any(axis=1))
    y = design.y.to_numpy()
    control = arms.isna().to_numpy()
    n0, e0 = int(control.sum()), int(y[control].sum())
    out = []
    for term, level in zip(design.arm_terms, design.arm_levels[1:], strict=True):
        in_arm = (arms == term).to_numpy()
        n1, e1 = int(in_arm.sum()), int(y[in_arm].sum())
        low, high = confint_proportions_2indep(e1, n1, e0, n0, method="newcomb", compare="diff")
        test = test_proportions_2indep(
            e1, n1, e0, n0, method="score", compare="diff", correction=False
        )
        out.append(
            {
                "arm": level,
                "estimate": e1 / n1 - e0 / n0,
                "ci_low": float(low),
                "ci_high": float(high),
                "p": float(test.pvalue),
                "n_arm": n1,
                "events_arm": e1,
                "n_control": n0,
                "events_control": e0,
            }
        )
    return out


def _binomial_warnings(fit: Any, design: Design, se: np.ndarray) -> list[str]:
    out = []
    mu = fit.mu
    if np.any(mu < 1e-8) or np.any(mu > 1 - 1e-8) or np.any(se > HUGE_LOGIT_SE):
        out.append(
            "Perfect or quasi-complete separation: some fitted probabilities are 0 or 1 or "
            "some standard errors are huge; estimates are unreliable (consider fewer terms "
            "or an exact or penalised (Firth) method)."
        )
    if design.arm_levels:
        y = design.y.to_numpy()
        for level in design.arm_levels:
            term = f"arm[{level}]"
            in_arm = (
                design.X[term].to_numpy() == 1
                if term in design.X
                else ~design.X[design.arm_terms].to_numpy().any(axis=1)
            )
            events = int(y[in_arm].sum())
            for label, count in (("events", events), ("non-events", int(in_arm.sum()) - events)):
                if count < SMALL_CELL:
                    out.append(f"Arm {level} has only {count} {label} (fewer than {SMALL_CELL}).")
    return out


def _caught(caught: list[py_warnings.WarningMessage]) -> list[str]:
    """statsmodels' and numpy's warnings during the fit, as plain-English result warnings."""
    out = []
    for w in caught:
        text = str(w.message)
        if "separation" in text.lower() or "perfect" in type(w.message).__name__.lower():
            text = f"Perfect or quasi-complete separation reported by the fit: {text}"
        elif issubclass(w.category, RuntimeWarning):
            text = (
                "Numerical overflow or division by zero during the fit (often a sign of "
                f"separation or of a term with extreme values): {text}"
            )
        out.append(text)
    return list(dict.fromkeys(out))


def fit_glm(data: pd.DataFrame, spec: ModelSpec) -> ModelResult:
    """Fit the spec's GLM to the long data and return coefficients with Wald 95% CIs.

    Scale: binomial, Poisson and negative binomial use scale 1 unless ``spec.scale`` is
    ``pearson`` (then SEs are multiplied by sqrt(Pearson chi2 / df), as R's quasi families,
    with t-based p and CIs); Gaussian always estimates the residual variance.
    ``spec.se == "robust"`` gives HC3 sandwich SEs (R ``sandwich::vcovHC`` default). p and
    CIs are z-based, t with the residual df for Gaussian.

    Raises:
        AnalysisError: the spec is not a GLM or the data do not fit it (see ``build_design``).
    """
    if spec.model != "glm":
        raise AnalysisError(f"fit_glm fits the glm model, not {spec.model}.")
    design = build_design(data, spec)
    # Every statsmodels/numpy warning, even from lazily computed results, becomes a result
    # warning instead of escaping to the caller.
    with py_warnings.catch_warnings(record=True) as caught:
        py_warnings.simplefilter("always")
        coefficients, statistics, warnings = _analyse(design, spec)
    return ModelResult(
        model="glm",
        family=spec.family,
        n_participants=design.n_participants,
        n_observations=design.n_observations,
        coefficients=coefficients,
        statistics=statistics,
        warnings=tuple(dict.fromkeys([*design.notes, *_caught(caught), *warnings])),
    )


def _analyse(design: Design, spec: ModelSpec) -> tuple[tuple, dict[str, Any], list[str]]:
    """Fit, then gather coefficients, fit statistics and the model's own warnings."""
    scale = "X2" if spec.scale == "pearson" and spec.family != "gaussian" else None
    if spec.family == "negative_binomial":
        nb = _fit_negative_binomial(design, scale)
    else:
        nb = _Fit(result=_fit(design, statsmodels_family(spec.family), scale))
    fit = nb.result
    robust = spec.se == "robust"
    se = _hc3_se(fit) if robust else fit.bse.to_numpy()
    terms = list(design.X.columns)
    # t with the residual df when the scale is estimated (Gaussian, quasi), as R's summary.glm.
    df = float(fit.df_resid) if spec.family == "gaussian" or scale else None
    coefficients = wald_coefficients(
        dict(zip(terms, fit.params, strict=True)), dict(zip(terms, se, strict=True)), df=df
    )
    loglik = _loglik(fit, spec.family, nb.theta)
    n_params = len(terms) + (1 if spec.family in ("gaussian", "negative_binomial") else 0)
    statistics: dict[str, Any] = {
        "loglik": loglik,
        "aic": -2 * loglik + 2 * n_params,
        "deviance": float(fit.deviance),
        "null_deviance": float(fit.null_deviance),
        "df_resid": int(fit.df_resid),
        "scale": float(fit.scale),
        "scale_method": _scale_method(spec),
        "converged": bool(fit.converged),
        "se_type": "HC3 sandwich" if robust else "model-based",
        "ci_method": "Wald",
        "test": "t" if df is not None else "z",
    }
    warnings = []
    if not fit.converged:
        warnings.append("The model fit did not converge; estimates are unreliable.")
    if spec.family == "binomial":
        statistics["odds_ratios"] = _odds_ratios(coefficients, design.arm_terms)
        if design.arm_levels:
            statistics["risk_difference"] = _risk_differences(design)
            statistics["risk_difference_ci"] = "Newcombe hybrid score (Wilson), unadjusted"
            statistics["risk_difference_test"] = RISK_DIFFERENCE_TEST
        warnings += _binomial_warnings(fit, design, se)
    if spec.family == "poisson":
        dispersion = float(fit.pearson_chi2 / fit.df_resid)
        statistics["dispersion"] = dispersion
        if dispersion > OVERDISPERSION:
            warnings.append(
                f"Overdispersion: Pearson chi-square / df = {dispersion:.2f} (above "
                f"{OVERDISPERSION}); consider negative binomial."
            )
    if nb.theta is not None:
        statistics.update(theta=nb.theta, theta_se=nb.theta_se, alpha=1 / nb.theta)
    return coefficients, statistics, warnings


def _scale_method(spec: ModelSpec) -> str:
    if spec.family == "gaussian":
        return "residual variance (Pearson chi-square / df)"
    if spec.scale == "pearson":
        return "Pearson chi-square / df (quasi-likelihood, as R's quasi families)"
    return "fixed at 1"


__all__ = ["fit_glm"]
