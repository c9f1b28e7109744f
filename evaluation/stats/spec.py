"""The analysis specification: which model, on which columns (the CLI's SPEC.json).

A spec is plain data so the same analysis can be stored with a run, exported beside its
dataset and rerun by an auditor with ``python -m evaluation analyse``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

MODELS = ("ancova", "glm", "mixed", "gee", "paired")
FAMILIES = ("gaussian", "binomial", "poisson", "negative_binomial")
#: Families each model accepts (ANCOVA and the mixed model are Gaussian by definition).
FAMILIES_BY_MODEL = {
    "ancova": ("gaussian",),
    "glm": FAMILIES,
    "mixed": ("gaussian",),
    "gee": ("gaussian", "binomial", "poisson"),
    "paired": ("gaussian",),
}
CORRELATIONS = ("independence", "exchangeable")
SCALES = ("fixed", "pearson")
SE_TYPES = ("classical", "robust")


class AnalysisError(ValueError):
    """The data or the spec do not allow the analysis; the message says why, in plain words."""


@dataclass(frozen=True)
class Offset:
    """An exposure offset: ``log(column)`` when ``log`` is true, else the column as it is."""

    column: str
    log: bool = True


@dataclass(frozen=True)
class ModelSpec:
    """One model fitted to one long dataset.

    ``covariates`` are column names: numeric columns enter as numbers, text columns as
    categories whose first level in sorted order is the reference. ``arm`` may be None
    (a model without a treatment term, for example growth over time).
    """

    model: str
    outcome: str
    family: str = "gaussian"
    participant: str | None = None
    arm: str | None = None
    control: str | None = None
    covariates: tuple[str, ...] = ()
    offset: Offset | None = None
    reml: bool = True
    correlation: str = "exchangeable"
    scale: str = "pearson"
    se: str = "classical"
    #: Paired before/after only: the column holding the "before" value.
    baseline: str | None = None
    #: Optional: keep only rows whose ``visit`` column equals this (e.g. an ANCOVA at week 12).
    visit: str | None = None
    visit_column: str = "visit"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """Every data column the model reads, in a stable order, without repeats."""
        named = [
            self.outcome,
            self.participant,
            self.arm,
            *self.covariates,
            self.offset.column if self.offset else None,
            self.baseline,
            self.visit_column if self.visit is not None else None,
        ]
        return list(dict.fromkeys(c for c in named if c))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["covariates"] = list(self.covariates)
        data.pop("extra")
        return data


def _choice(raw: dict[str, Any], key: str, allowed: tuple[str, ...], default: str) -> str:
    value = raw.get(key, default)
    if value is None:
        value = default
    if value not in allowed:
        raise AnalysisError(f'"{key}" must be one of {", ".join(allowed)} (got {value!r}).')
    return value


def _column(raw: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise AnalysisError(f'The spec needs "{key}": the name of a column.')
        return None
    if not isinstance(value, str) or not value.strip():
        raise AnalysisError(f'"{key}" must be a column name (text).')
    return value


def level_name(value: Any) -> str:
    """How an arm or category level is written in term names: ``1`` not ``1.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_spec(raw: Any) -> ModelSpec:
    """Check a SPEC.json object and return the spec, or raise AnalysisError saying what is wrong."""
    if not isinstance(raw, dict):
        raise AnalysisError("The spec must be a JSON object.")
    model = raw.get("model")
    if model not in MODELS:
        raise AnalysisError(f'"model" must be one of {", ".join(MODELS)} (got {model!r}).')
    family = _choice(raw, "family", FAMILIES, "gaussian")
    if family not in FAMILIES_BY_MODEL[model]:
        raise AnalysisError(
            f"The {model} model takes family {' or '.join(FAMILIES_BY_MODEL[model])}, not {family}."
        )
    covariates = raw.get("covariates") or []
    if not isinstance(covariates, list) or not all(isinstance(c, str) and c for c in covariates):
        raise AnalysisError('"covariates" must be a list of column names.')
    arm = _column(raw, "arm")
    control = raw.get("control")
    if arm is not None and control is None:
        raise AnalysisError('The spec names an "arm" column, so it needs "control": its level.')
    offset_raw = raw.get("offset")
    offset = None
    if offset_raw is not None:
        if not isinstance(offset_raw, dict) or not isinstance(offset_raw.get("column"), str):
            raise AnalysisError('"offset" must be {"column": NAME, "log": true or false}.')
        log = offset_raw.get("log", True)
        if not isinstance(log, bool):
            raise AnalysisError('"offset.log" must be true or false.')
        offset = Offset(column=offset_raw["column"], log=log)
        if model in ("ancova", "mixed", "paired"):
            raise AnalysisError(f"The {model} model does not take an offset.")
    reml = raw.get("reml", True)
    if not isinstance(reml, bool):
        raise AnalysisError('"reml" must be true or false.')
    visit = raw.get("visit")
    return ModelSpec(
        model=model,
        family=family,
        outcome=_column(raw, "outcome", required=True),  # type: ignore[arg-type]
        participant=_column(raw, "participant", required=model in ("mixed", "gee", "paired")),
        arm=arm,
        control=None if control is None else level_name(control),
        covariates=tuple(dict.fromkeys(covariates)),
        offset=offset,
        reml=reml,
        correlation=_choice(raw, "correlation", CORRELATIONS, "exchangeable"),
        scale=_choice(
            raw, "scale", SCALES, "pearson" if family == "gaussian" or model == "gee" else "fixed"
        ),
        se=_choice(raw, "se", SE_TYPES, "robust" if model == "gee" else "classical"),
        baseline=_column(raw, "baseline", required=model == "paired"),
        visit=None if visit is None else level_name(visit),
        visit_column=_column(raw, "visit_column") or "visit",
    )
