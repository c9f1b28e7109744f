"""The one entry point for every model: a spec and a long DataFrame in, a result out.

Used by the web runs (through the locked analysis plan) and by ``python -m evaluation``,
so an auditor rerunning an exported dataset gets the numbers the platform reported.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
import warnings as py_warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from evaluation.stats.provenance import fingerprint, software_versions
from evaluation.stats.results import ModelResult
from evaluation.stats.spec import AnalysisError, ModelSpec, parse_spec

#: model -> "module:function"; imported when first used, so the CLI loads only what it fits.
FITTERS = {
    "ancova": "evaluation.stats.ancova:fit_ancova",
    "glm": "evaluation.stats.glm:fit_glm",
    "mixed": "evaluation.stats.mixed:fit_mixed",
    "gee": "evaluation.stats.gee:fit_gee",
    "paired": "evaluation.stats.paired:fit_paired",
}


def fitter(model: str) -> Callable[[pd.DataFrame, ModelSpec], ModelResult]:
    module, name = FITTERS[model].split(":")
    return getattr(importlib.import_module(module), name)


def analyse(data: pd.DataFrame, spec: ModelSpec | dict[str, Any]) -> ModelResult:
    """Fit the model the spec names.

    Raises:
        AnalysisError: the spec or the data do not allow the model, or it cannot be
            fitted (a singular design, a numerical failure); the message says which.
    """
    if not isinstance(spec, ModelSpec):
        spec = parse_spec(spec)
    try:
        with np.errstate(all="ignore"), py_warnings.catch_warnings():
            # Each fitter records the warnings that matter; the rest must not leak as errors.
            py_warnings.simplefilter("ignore")
            return fitter(spec.model)(data, spec)
    except AnalysisError:
        raise
    except (np.linalg.LinAlgError, ValueError, ZeroDivisionError, OverflowError) as error:
        raise AnalysisError(f"The {spec.model} model could not be fitted: {error}") from error


def json_safe(value: Any) -> Any:
    """Plain JSON types: NaN and infinity become null, numpy numbers Python numbers, dates
    ISO 8601 text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def analysis_record(data: pd.DataFrame, spec: ModelSpec | dict[str, Any]) -> dict[str, Any]:
    """RESULT.json: the model's result plus the data fingerprint, the spec and the versions."""
    if not isinstance(spec, ModelSpec):
        spec = parse_spec(spec)
    result = analyse(data, spec)
    return json_safe(
        {
            **result.to_dict(),
            "spec": spec.to_dict(),
            "fingerprint": fingerprint(data),
            "versions": software_versions(),
        }
    )
