"""What makes a run repeatable: the dataset's fingerprint and the software that fitted it."""

from __future__ import annotations

import hashlib
import platform

import numpy as np
import pandas as pd
import scipy
import statsmodels


def software_versions() -> dict[str, str]:
    """The versions of Python and of every library that can change a number."""
    return {
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "statsmodels": statsmodels.__version__,
    }


def fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of the canonical CSV of ``frame`` (sorted rows and columns, fixed floats).

    The same data in another row or column order gives the same fingerprint.
    """
    canonical = frame.reindex(sorted(frame.columns, key=str), axis=1)
    canonical = canonical.sort_values(list(canonical.columns), ignore_index=True)
    text = canonical.to_csv(index=False, float_format="%.10g", lineterminator="\n")
    return hashlib.sha256(text.encode()).hexdigest()
