"""Frozen result types shared by every statistical method."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Coefficient:
    """One model term with its estimate, standard error, 95% CI and p-value.

    ``se`` is the one the spec asked for; GEE also reports both ``se_naive`` (model-based)
    and ``se_robust`` (sandwich).
    """

    term: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p: float
    se_naive: float | None = None
    se_robust: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def wald_coefficients(
    params: Mapping[str, float],
    se: Mapping[str, float],
    *,
    df: float | None = None,
    extra: Mapping[str, Mapping[str, float]] | None = None,
) -> tuple[Coefficient, ...]:
    """Coefficients with Wald 95% CIs and p-values: t with ``df`` degrees of freedom, else z.

    ``extra`` maps a field (``se_naive``, ``se_robust``) to per-term values.
    """
    dist = stats.t(df) if df is not None else stats.norm()
    q = float(dist.ppf(0.975))
    out = []
    for term, estimate in params.items():
        s = float(se[term])
        estimate = float(estimate)
        z = estimate / s if s > 0 else np.nan
        out.append(
            Coefficient(
                term=term,
                estimate=estimate,
                se=s,
                ci_low=estimate - q * s,
                ci_high=estimate + q * s,
                p=float(2 * dist.sf(abs(z))) if np.isfinite(z) else float("nan"),
                **{name: float(values[term]) for name, values in (extra or {}).items()},
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class ModelResult:
    """What every model returns; ``to_dict`` is the CLI's RESULT.json body.

    ``statistics`` holds the model's own figures (``loglik``, ``scale``,
    ``variance_components``, ``working_correlation``, ``residual_se``...), written at the
    top level of the JSON.
    """

    model: str
    family: str
    n_participants: int
    n_observations: int
    coefficients: tuple[Coefficient, ...]
    statistics: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def coefficient(self, term: str) -> Coefficient:
        for c in self.coefficients:
            if c.term == term:
                return c
        raise KeyError(term)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "family": self.family,
            "n_participants": self.n_participants,
            "n_observations": self.n_observations,
            "coefficients": [c.to_dict() for c in self.coefficients],
            **self.statistics,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class AncovaResult:
    """ANCOVA ``outcome ~ arm + baseline + covariates`` fitted by OLS."""

    formula: str
    control: str
    se_type: str
    coefficients: tuple[Coefficient, ...]
    #: Arm level -> the adjusted difference from control (the ``arm[LEVEL]`` coefficient).
    effects: dict[str, Coefficient]
    n_by_arm: dict[str, int]
    n_observations: int
    residual_se: float
    r_squared: float
    f_statistic: float
    df_resid: int
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
