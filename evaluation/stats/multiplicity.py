"""Adjusting p-values for several comparisons in one family (Holm's step-down method)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from statsmodels.stats.multitest import multipletests


def holm(p_values: Mapping[str, float | None]) -> dict[str, float]:
    """Holm-adjusted p-values, keyed as given; R's ``p.adjust(p, "holm")``.

    Holm controls the chance of any false positive across the family without assuming the
    tests are independent, and is never less powerful than Bonferroni. A missing (NaN or
    None) p-value stays NaN and is not counted in the family, as in R.

    Raises:
        ValueError: a p-value outside 0..1.
    """
    values = {term: math.nan if p is None else float(p) for term, p in p_values.items()}
    out_of_range = [t for t, p in values.items() if not math.isnan(p) and not 0 <= p <= 1]
    if out_of_range:
        raise ValueError(f"p-values must be between 0 and 1 (check {', '.join(out_of_range)}).")
    present = [t for t, p in values.items() if not math.isnan(p)]
    adjusted = dict.fromkeys(values, math.nan)
    if present:
        raw = np.array([values[t] for t in present])
        corrected = multipletests(raw, method="holm")[1]
        adjusted.update(zip(present, (float(p) for p in corrected), strict=True))
    return adjusted
