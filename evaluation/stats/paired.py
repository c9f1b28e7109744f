"""Single-arm before/after comparison: paired t-test and Wilcoxon signed-rank test, as R does them.

Model: ``difference = after - before``, one row per participant. The paired t-test is R's
``t.test(after, before, paired = TRUE)``; the signed-rank test follows R's
``wilcox.test(after, before, paired = TRUE, conf.int = TRUE)``: zero differences are dropped,
the exact distribution is used when fewer than 50 pairs remain with no ties and no zeros,
otherwise the normal approximation with tie and continuity corrections, and the CI and
(pseudo)median come from the same statistic R inverts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from evaluation.stats.design import build_design
from evaluation.stats.results import ModelResult, wald_coefficients
from evaluation.stats.spec import AnalysisError, ModelSpec

#: Below this many pairs R (and we) use the exact signed-rank distribution when possible.
EXACT_BELOW = 50
SMALL_SAMPLE = 10
CONF_LEVEL = 0.95
#: R's ``wilcox.test(tol.root = 1e-4)``: the tolerance of its root search for CI and estimate.
R_ROOT_TOL = 1e-4


def signrank_pmf(n: int) -> np.ndarray:
    """P(V = v) for v = 0..n(n+1)/2 under H0, by counting subsets of ranks 1..n."""
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1.0
    for rank in range(1, n + 1):
        counts[rank:] = counts[rank:] + counts[:-rank].copy()
    return counts / counts.sum()


def _exact_test(d: np.ndarray, statistic: float) -> dict[str, Any]:
    """Exact p-value and CI (order statistics of the Walsh averages), as R's exact branch."""
    n = len(d)
    cdf = np.cumsum(signrank_pmf(n))
    v = int(statistic)
    # R: psignrank(V - 1, n, lower.tail = FALSE) above the centre, psignrank(V, n) below it.
    one_sided = 1.0 - cdf[v - 1] if statistic > n * (n + 1) / 4 else cdf[v]
    walsh = np.sort((d[:, None] + d[None, :])[np.triu_indices(n)] / 2.0)
    alpha = 1.0 - CONF_LEVEL
    # qsignrank(alpha/2, n): the smallest q with P(V <= q) >= alpha/2.
    qu = max(int(np.searchsorted(cdf, alpha / 2 - 1e-12)), 1)
    ql = n * (n + 1) // 2 - qu
    return {
        "p": min(1.0, 2.0 * float(one_sided)),
        "method": "Wilcoxon signed rank exact test",
        "hodges_lehmann": float(np.median(walsh)),
        "ci_low": float(walsh[qu - 1]),
        "ci_high": float(walsh[ql]),
    }


def _normal_z(d: np.ndarray, shift: float = 0.0, *, correct: bool = True) -> float:
    """R's standardised signed-rank statistic of ``d - shift`` (zeros dropped, ties corrected)."""
    x = d - shift
    x = x[x != 0]
    n = len(x)
    ranks = stats.rankdata(np.abs(x))
    z = ranks[x > 0].sum() - n * (n + 1) / 4
    _, ties = np.unique(ranks, return_counts=True)
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - np.sum(ties**3 - ties) / 48)
    if sigma == 0:
        raise AnalysisError("The Wilcoxon test cannot be computed: every difference is tied.")
    correction = 0.5 * np.sign(z) if correct else 0.0
    return float((z - correction) / sigma)


def _invert(d: np.ndarray, target: float, *, correct: bool = True) -> float:
    """The shift at which R's z statistic crosses ``target``, found as R's ``uniroot`` does.

    The statistic is a step function, so where it is flat any point is a root: Brent's
    method with R's tolerance (``tol.root = 1e-4``) follows R's path and lands on R's point.
    """
    low, high = float(d.min()), float(d.max())
    f_low = _normal_z(d, low, correct=correct) - target
    f_high = _normal_z(d, high, correct=correct) - target
    if f_low <= 0:
        return low
    if f_high >= 0:
        return high
    return float(
        optimize.brentq(
            lambda s: _normal_z(d, s, correct=correct) - target, low, high, xtol=R_ROOT_TOL
        )
    )


def _normal_test(d: np.ndarray) -> dict[str, Any]:
    """Normal approximation with continuity correction: R's branch for ties, zeros or n >= 50."""
    z = _normal_z(d)
    q = float(stats.norm.ppf(1 - (1 - CONF_LEVEL) / 2))
    return {
        "p": float(2 * stats.norm.sf(abs(z))),
        "method": "Wilcoxon signed rank test with continuity correction",
        # R drops the continuity correction for the point estimate.
        "hodges_lehmann": _invert(d, 0.0, correct=False),
        "ci_low": _invert(d, q),
        "ci_high": _invert(d, -q),
    }


def wilcoxon_signed_rank(difference: np.ndarray) -> dict[str, Any]:
    """R's paired ``wilcox.test`` with ``conf.int = TRUE`` on the differences after - before.

    Returns ``statistic`` (R's V: the sum of ranks of positive differences), ``p``,
    ``method``, ``effect_size_r`` (Z / sqrt(n) with n the non-zero pairs; positive when
    after tends to exceed before), ``hodges_lehmann`` (R's "(pseudo)median"), ``ci_low``,
    ``ci_high`` (95%), ``n_zero`` and ``tied``.
    """
    nonzero = difference[difference != 0]
    n = len(nonzero)
    if n == 0:
        raise AnalysisError("The Wilcoxon test cannot be computed: every difference is zero.")
    ranks = stats.rankdata(np.abs(nonzero))
    statistic = float(ranks[nonzero > 0].sum())
    n_zero = int(len(difference) - n)
    tied = len(np.unique(ranks)) < n
    exact = n < EXACT_BELOW and not tied and n_zero == 0
    test = _exact_test(nonzero, statistic) if exact else _normal_test(nonzero)
    return {
        "statistic": statistic,
        **test,
        "effect_size_r": _normal_z(nonzero, correct=False) / math.sqrt(n),
        "n_zero": n_zero,
        "tied": bool(tied),
    }


def _pairs(data: pd.DataFrame, spec: ModelSpec) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The complete before and after values, checked to be numbers and one row per person."""
    if spec.baseline is None:
        raise AnalysisError('The paired analysis needs "baseline": the column with "before".')
    design = build_design(data, spec)
    if design.groups is not None and design.groups.duplicated().any():
        raise AnalysisError(
            "The paired analysis needs one row per participant; "
            f"{design.groups[design.groups.duplicated()].iloc[0]!r} has more than one. "
            'Choose one visit with "visit".'
        )
    before = pd.to_numeric(design.data[spec.baseline], errors="coerce")
    if before.isna().any():
        raise AnalysisError(f"The before column {spec.baseline!r} must hold numbers.")
    return before.to_numpy(float), design.y.to_numpy(float), list(design.notes)


def _warnings(n: int, wilcoxon: dict[str, Any]) -> list[str]:
    notes = []
    if n < SMALL_SAMPLE:
        notes.append(
            f"Only {n} participants have both values: tests and intervals are imprecise "
            "and the t-test relies on the differences being roughly normal."
        )
    if wilcoxon["n_zero"]:
        notes.append(
            f"{wilcoxon['n_zero']} participant(s) had no change (after = before); the "
            "Wilcoxon test leaves them out, as R does, and uses the normal approximation."
        )
    if wilcoxon["tied"]:
        notes.append(
            "Some differences are tied: the Wilcoxon test uses the normal approximation "
            "with tie and continuity corrections (as R does), so its p-value is approximate."
        )
    return notes


def fit_paired(data: pd.DataFrame, spec: ModelSpec) -> ModelResult:
    """Compare after (``spec.outcome``) with before (``spec.baseline``) in the same participants.

    Args:
        data: one row per participant (use ``spec.visit`` to pick one visit from long data);
            rows missing either value are left out with a note.
        spec: ``model == "paired"``, ``outcome`` = after, ``baseline`` = before.

    Returns:
        ModelResult with one coefficient ``difference`` (mean of after - before, SE, t-based
        95% CI and paired t-test p, as R's ``t.test(after, before, paired = TRUE)``);
        statistics ``t``, ``df``, ``mean_before``, ``mean_after``, ``sd_difference``,
        ``cohens_dz`` and ``wilcoxon`` (see ``wilcoxon_signed_rank``).

    Raises:
        AnalysisError: columns missing or not numeric, several rows for a participant,
            fewer than two pairs, or differences that do not vary.
    """
    if spec.model != "paired":
        raise AnalysisError(f"fit_paired fits the paired model, not {spec.model!r}.")
    before, after, notes = _pairs(data, spec)
    difference = after - before
    n = len(difference)
    sd = float(np.std(difference, ddof=1)) if n > 1 else 0.0
    if n < 2 or sd == 0:
        raise AnalysisError(
            "The paired analysis needs at least two participants whose after - before "
            "differences are not all the same."
        )
    mean = float(difference.mean())
    se = sd / math.sqrt(n)
    wilcoxon = wilcoxon_signed_rank(difference)
    statistics = {
        "t": mean / se,
        "df": n - 1,
        "mean_before": float(before.mean()),
        "mean_after": float(after.mean()),
        "sd_difference": sd,
        "cohens_dz": mean / sd,
        "wilcoxon": {k: wilcoxon[k] for k in WILCOXON_KEYS},
    }
    return ModelResult(
        model="paired",
        family="gaussian",
        n_participants=n,
        n_observations=n,
        coefficients=wald_coefficients({"difference": mean}, {"difference": se}, df=n - 1),
        statistics=statistics,
        warnings=(*notes, *_warnings(n, wilcoxon)),
    )


WILCOXON_KEYS = (
    "statistic",
    "p",
    "method",
    "effect_size_r",
    "hodges_lehmann",
    "ci_low",
    "ci_high",
)
