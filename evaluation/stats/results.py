"""Frozen result types shared by every statistical method."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Coefficient:
    """One model term with its estimate, standard error, 95% CI and p-value."""

    term: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p: float


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
