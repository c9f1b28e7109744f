"""Multiple imputation (MICE) sensitivity analysis for the primary ANCOVA.

Model: ``outcome ~ arm + baseline + covariates`` by OLS, refitted on each of ``imputations``
completed datasets and pooled by Rubin's rules. Missing outcomes and missing numeric
covariates (the baseline among them) are imputed by chained equations with predictive mean
matching, each from every other model column (arm, outcome, baseline, numeric covariates and
the dummies of text covariates), with statsmodels' ``MICEData`` and ``MICE``. The complete-case
ANCOVA assumes missingness unrelated to the outcome; this analysis assumes it is explained by
the observed columns (missing at random), so agreement between the two is reassuring.
"""

from __future__ import annotations

import warnings as py_warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.imputation.mice import MICE, MICEData

from evaluation.stats.design import as_levels, build_design
from evaluation.stats.results import ModelResult, wald_coefficients
from evaluation.stats.spec import AnalysisError, ModelSpec

METHOD = "MICE (statsmodels), predictive mean matching, Rubin's rules"
BURN_IN = 10
#: statsmodels' internal deprecation notices say nothing about the analysis; others are kept.
SILENT_WARNINGS = (DeprecationWarning, FutureWarning, PendingDeprecationWarning)


@dataclass(frozen=True)
class ImputationFrame:
    """The model's columns with our term names, missing values kept as NaN."""

    y: pd.Series
    #: Design columns without the intercept; imputable numeric columns may hold NaN.
    X: pd.DataFrame
    n_participants: int
    notes: tuple[str, ...]


@contextmanager
def seeded_global_rng(seed: int) -> Iterator[None]:
    """Seed numpy's global RNG for the block and restore its previous state afterwards."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def _numeric(column: pd.Series) -> pd.Series:
    text = column.astype("string").str.strip()
    return pd.to_numeric(text.mask(text == ""), errors="coerce")


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column)


def imputation_frame(data: pd.DataFrame, spec: ModelSpec) -> ImputationFrame:
    """The ANCOVA design with missing outcomes and numeric covariates left as NaN.

    Rows missing the arm, the participant or a text covariate cannot be imputed and are
    left out with a note. ``build_design`` names the terms, run on a placeholder-filled copy
    so no row is dropped, then the placeholders are put back to NaN.
    """
    build_design(data, spec)  # the same checks and messages as the complete-case model
    frame = data[spec.columns].reset_index(drop=True)
    if spec.visit is not None:
        frame = frame[as_levels(frame[spec.visit_column]) == spec.visit].reset_index(drop=True)
    frame[spec.outcome] = _numeric(frame[spec.outcome])
    imputable = [spec.outcome, *(c for c in spec.covariates if _is_numeric(frame[c]))]
    fixed = [c for c in spec.columns if c not in imputable and c != spec.visit_column]
    unusable = frame[fixed].isna().any(axis=1)
    notes = []
    if unusable.any():
        notes.append(
            f"{int(unusable.sum())} row(s) missing the arm, participant or a text covariate "
            "left out (these cannot be imputed)."
        )
        frame = frame[~unusable].reset_index(drop=True)
    missing = frame[imputable].isna()
    empty = [c for c in imputable if missing[c].all()]
    if empty:
        raise AnalysisError(f"Nothing to impute from: {', '.join(empty)} has no values at all.")
    filled = frame.fillna({c: float(frame[c].mean()) for c in imputable})
    design = build_design(filled, replace(spec, visit=None))
    X = design.X.drop(columns="Intercept").astype(float)
    for column in imputable[1:]:
        X.loc[missing[column].to_numpy(), column] = np.nan
    y = design.y.mask(missing[spec.outcome].to_numpy())
    return ImputationFrame(y=y, X=X, n_participants=design.n_participants, notes=tuple(notes))


def _run_mice(
    frame: ImputationFrame, imputations: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Impute, fit and pool; returns params, SEs, fractions of missing information, notes."""
    safe = {f"v{i}": term for i, term in enumerate(frame.X.columns)}
    table = frame.X.set_axis(list(safe), axis=1).assign(y=frame.y.to_numpy())
    table.columns = pd.Index(list(table.columns), dtype=object)
    formula = "y ~ " + " + ".join(safe)
    with seeded_global_rng(seed), py_warnings.catch_warnings(record=True) as caught:
        py_warnings.simplefilter("always")
        imputed = MICEData(table, rng=np.random.default_rng(seed))
        pooled = MICE(formula, sm.OLS, imputed).fit(n_burnin=BURN_IN, n_imputations=imputations)
    notes = [
        f"The imputation reported: {w.message}"
        for w in caught
        if not issubclass(w.category, SILENT_WARNINGS)
    ]
    fmi = getattr(pooled, "frac_miss_info", None)
    return (
        np.asarray(pooled.params, dtype=float),
        np.asarray(pooled.bse, dtype=float),
        np.full(len(safe) + 1, np.nan) if fmi is None else np.asarray(fmi, dtype=float),
        notes,
    )


def mice_ancova(
    data: pd.DataFrame, spec: ModelSpec, *, imputations: int = 20, seed: int = 2026
) -> ModelResult:
    """The ANCOVA refitted on multiply imputed data and pooled by Rubin's rules.

    Args:
        data: the trial's data; ``spec.visit`` picks the analysis visit, and an empty
            outcome there (a missed visit) is imputed rather than dropped.
        spec: the primary ANCOVA spec (``model == "ancova"``, ``arm``, ``control``, the
            baseline among ``covariates``).
        imputations: completed datasets to pool (at least 2).
        seed: the same data and seed give identical numbers; numpy's global RNG is seeded
            for the run and restored afterwards.

    Returns:
        ModelResult with our term names and Wald z intervals from the pooled SEs;
        statistics ``imputations``, ``fraction_missing_information`` (per term),
        ``imputed_values`` (per column), ``method``.

    Raises:
        AnalysisError: the spec is not an ANCOVA, ``imputations`` < 2, or a column to
            impute has no values at all (and every check of the complete-case model).
    """
    if spec.model != "ancova":
        raise AnalysisError(f"The MICE sensitivity analysis is for the ANCOVA, not {spec.model}.")
    if imputations < 2:
        raise AnalysisError("Multiple imputation needs at least 2 imputations.")
    frame = imputation_frame(data, spec)
    params, se, fmi, notes = _run_mice(frame, imputations, seed)
    terms = ["Intercept", *frame.X.columns]
    imputed = {spec.outcome: int(frame.y.isna().sum())}
    imputed.update({c: int(n) for c, n in frame.X.isna().sum().items() if n})
    if not any(imputed.values()):
        notes.append("No values were missing: the pooled result equals the complete-case ANCOVA.")
    statistics = {
        "imputations": imputations,
        "fraction_missing_information": dict(zip(terms, fmi.tolist(), strict=True)),
        "imputed_values": imputed,
        "method": METHOD,
        "seed": seed,
    }
    return ModelResult(
        model="ancova",
        family="gaussian",
        n_participants=frame.n_participants,
        n_observations=len(frame.y),
        coefficients=wald_coefficients(
            dict(zip(terms, params, strict=True)), dict(zip(terms, se, strict=True))
        ),
        statistics=statistics,
        warnings=(*frame.notes, *notes),
    )
