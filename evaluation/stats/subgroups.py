"""Treatment effects within subgroups (site, age band, IMD quintile, sex) and the interaction test.

For a parallel-arm spec (``ancova``, or ``glm`` of any family) the arm effect is estimated
separately in each level of the subgroup column, and the question "does the effect differ
between subgroups?" is answered by one test of the arm x subgroup interaction:
``outcome ~ arm + covariates + subgroup + arm:subgroup`` against the same model without the
``arm:subgroup`` terms (an F-test for Gaussian outcomes, a likelihood-ratio test otherwise).
Within-subgroup effects are descriptive; the interaction test is the one to read.
"""

from __future__ import annotations

import warnings as py_warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial

from evaluation.stats.design import Design, as_levels, build_design, complete_rows, levels_of
from evaluation.stats.engine import fitter
from evaluation.stats.glm import statsmodels_family
from evaluation.stats.results import Coefficient, ModelResult
from evaluation.stats.spec import AnalysisError, ModelSpec

#: A subgroup level needs at least this many participants (and every arm) to be fitted.
MIN_PARTICIPANTS = 10

Fitter = Callable[[pd.DataFrame, ModelSpec], ModelResult]


@dataclass(frozen=True)
class SubgroupLevel:
    """The arm effect(s) within one level of the subgroup, or why it was not estimated."""

    level: str
    n_participants: int
    n_by_arm: dict[str, int]
    #: The ``arm[LEVEL]`` coefficients of the model fitted to this level only.
    effects: tuple[Coefficient, ...] = ()
    note: str | None = None

    @property
    def fitted(self) -> bool:
        return self.note is None


@dataclass(frozen=True)
class InteractionTest:
    """Arm x subgroup interaction: the model with ``arm[L]:subgroup[K]`` terms vs without."""

    test: str
    statistic: float
    df: tuple[float, ...]
    p: float
    terms: tuple[str, ...]


@dataclass(frozen=True)
class SubgroupResult:
    """Arm effects per subgroup level plus the interaction test (``interaction_p``)."""

    subgroup: str
    model: str
    family: str
    levels: tuple[SubgroupLevel, ...]
    interaction: InteractionTest | None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def interaction_p(self) -> float | None:
        return self.interaction.p if self.interaction else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "subgroup": self.subgroup,
            "model": self.model,
            "family": self.family,
            "levels": [
                {
                    "level": lv.level,
                    "n_participants": lv.n_participants,
                    "n_by_arm": lv.n_by_arm,
                    "effects": [c.to_dict() for c in lv.effects],
                    "note": lv.note,
                }
                for lv in self.levels
            ],
            "interaction_p": self.interaction_p,
            "interaction": asdict(self.interaction) if self.interaction else None,
            "notes": list(self.notes),
        }


def _fit_arrays(design: Design, spec: ModelSpec) -> tuple[Any, list[str]]:
    """The interaction test's pair of fits, as statsmodels results (their F-test and
    log-likelihoods): OLS for Gaussian specs, a GLM (or ML negative binomial) otherwise."""
    y, X = design.y.to_numpy(), design.X.to_numpy()
    offset = None if design.offset is None else design.offset.to_numpy()
    with py_warnings.catch_warnings(record=True) as caught:
        py_warnings.simplefilter("always")
        if spec.family == "gaussian":
            result = sm.OLS(y - (0 if offset is None else offset), X).fit()
        elif spec.family == "negative_binomial":
            result = NegativeBinomial(y, X, offset=offset).fit(disp=0, maxiter=200)
        else:
            family = statsmodels_family(spec.family)
            result = sm.GLM(y, X, family=family, offset=offset).fit()
    notes = [f"The fit reported: {w.message}" for w in caught]
    return result, notes


def _complete_counts(rows: pd.DataFrame, spec: ModelSpec) -> tuple[int, dict[str, int]]:
    """Participants with every model value, in total and per arm (the rows the model keeps)."""
    try:
        frame, _notes = complete_rows(rows, spec)
    except AnalysisError:  # e.g. no row of this level at the spec's visit
        return 0, {}
    who = frame[spec.participant] if spec.participant else pd.Series(frame.index, frame.index)
    arms = as_levels(frame[spec.arm])  # type: ignore[index]
    return int(who.nunique()), {str(a): int(who[arms == a].nunique()) for a in arms.unique()}


def _one_level(
    level: str, rows: pd.DataFrame, spec: ModelSpec, arms: tuple[str, ...], fit: Fitter
) -> SubgroupLevel:
    """Fit one subgroup level, or explain why it is too small to fit."""
    n, present = _complete_counts(rows, spec)
    counts = {arm: present.get(arm, 0) for arm in arms}
    missing = [arm for arm, count in counts.items() if count == 0]
    if n < MIN_PARTICIPANTS or missing:
        reason = (
            f"no participants in arm {', '.join(missing)}"
            if missing
            else f"only {n} participants (at least {MIN_PARTICIPANTS} are needed)"
        )
        return SubgroupLevel(level, n, counts, note=f"Not estimated: {reason}.")
    try:
        result = fit(rows, spec)
    except AnalysisError as error:
        return SubgroupLevel(level, n, counts, note=f"Not estimated: {error}")
    terms = {f"arm[{arm}]" for arm in arms[1:]}
    effects = tuple(c for c in result.coefficients if c.term in terms)
    return SubgroupLevel(level, n, counts, effects=effects)


def _interaction_design(rows: pd.DataFrame, spec: ModelSpec, subgroup: str) -> Design:
    """The design with subgroup dummies (as categories) plus ``arm[L]:subgroup[K]`` products."""
    as_text = rows.assign(**{subgroup: as_levels(rows[subgroup]).astype(object)})
    design = build_design(as_text, replace(spec, covariates=(*spec.covariates, subgroup)))
    sub_terms = [c for c in design.X.columns if c.startswith(f"{subgroup}[")]
    products = {
        f"{arm}:{sub}": design.X[arm] * design.X[sub]
        for arm in design.arm_terms
        for sub in sub_terms
    }
    return replace(design, X=design.X.assign(**products))


def interaction_test(
    rows: pd.DataFrame, spec: ModelSpec, subgroup: str
) -> tuple[InteractionTest | None, list[str]]:
    """Compare the models with and without the arm x subgroup terms on the same rows."""
    full = _interaction_design(rows, spec, subgroup)
    product_terms = tuple(c for c in full.X.columns if ":" in c)
    if np.linalg.matrix_rank(full.X.to_numpy()) < full.X.shape[1]:
        return None, [
            "The interaction test could not be computed: some arm and subgroup "
            "combinations have no participants with complete data."
        ]
    reduced = replace(full, X=full.X.drop(columns=list(product_terms)))
    fitted_full, notes = _fit_arrays(full, spec)
    fitted_reduced, more = _fit_arrays(reduced, spec)
    k = len(product_terms)
    if spec.family == "gaussian":
        f_value, p, _ = fitted_full.compare_f_test(fitted_reduced)
        test = InteractionTest(
            "F", float(f_value), (k, float(fitted_full.df_resid)), float(p), product_terms
        )
    else:
        lr = max(2.0 * (float(fitted_full.llf) - float(fitted_reduced.llf)), 0.0)
        test = InteractionTest(
            "likelihood ratio", lr, (k,), float(stats.chi2.sf(lr, k)), product_terms
        )
    return test, [*notes, *more]


def subgroup_effects(
    data: pd.DataFrame,
    spec: ModelSpec,
    subgroup: str,
    *,
    fit: Fitter | None = None,
) -> SubgroupResult:
    """Arm effects within each level of ``subgroup`` and the arm x subgroup interaction test.

    Args:
        data: the trial's data (long; ``spec.visit`` picks the visit as usual).
        spec: a parallel-arm ``ancova`` or ``glm`` spec with an ``arm``. If the subgroup
            column is also a covariate it is left out of the within-level fits (it is
            constant there) and enters the interaction model as a category.
        subgroup: the column defining subgroups (e.g. ``site``, ``age_65_plus``); numeric
            codes are treated as categories.
        fit: the fitter for the within-level models; by default the engine's own ANCOVA or
            GLM, so the within-level effects are the ones the engine reports.

    Returns:
        SubgroupResult; levels with fewer than 10 participants or an empty arm carry a note
        and no estimate, and are left out of the interaction test.

    Raises:
        AnalysisError: the spec is not a parallel-arm ANCOVA or GLM, or a column is missing.
    """
    if spec.model not in ("ancova", "glm") or spec.arm is None:
        raise AnalysisError(
            "Subgroup analyses need a parallel-arm ANCOVA or GLM spec with an arm column."
        )
    if subgroup not in data.columns:
        raise AnalysisError(f"The subgroup column {subgroup!r} is not in the data.")
    if subgroup in (spec.arm, spec.outcome):
        raise AnalysisError("The subgroup column must differ from the arm and the outcome.")
    base = replace(spec, covariates=tuple(c for c in spec.covariates if c != subgroup))
    arms = build_design(data, base).arm_levels
    notes: list[str] = []
    known = data[subgroup].notna()
    if not known.all():
        notes.append(f"{int((~known).sum())} row(s) with no {subgroup} left out.")
    rows = data[known]
    labels = as_levels(rows[subgroup])
    levels = tuple(
        _one_level(level, rows[labels == level], base, arms, fit or fitter(spec.model))
        for level in levels_of(rows[subgroup])
    )
    fitted = [lv.level for lv in levels if lv.fitted]
    interaction = None
    if len(fitted) < 2:
        notes.append("The interaction test needs at least two subgroup levels that can be fitted.")
    else:
        if len(fitted) < len(levels):
            notes.append("Levels that were not estimated are left out of the interaction test.")
        interaction, more = interaction_test(rows[labels.isin(fitted)], base, subgroup)
        notes.extend(more)
    return SubgroupResult(
        subgroup=subgroup,
        model=spec.model,
        family=spec.family,
        levels=levels,
        interaction=interaction,
        notes=tuple(notes),
    )
