"""Every R-checked model in reference/r/ reproduced through ``python -m evaluation analyse``.

The fixtures (data, R call, R's numbers) were written by the R scripts beside them
(R 4.2 with MASS, geepack and lme4); here the same numbers must come out of the CLI, the
way an auditor would rerun an exported analysis.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.cli import main

R = Path(__file__).parent / "reference" / "r"


def close(ours: float, reference: float) -> bool:
    return abs(ours - reference) <= 1e-4 + 1e-3 * abs(reference)


def glm_and_gee_cases() -> list:
    return [
        pytest.param(fixture["csv"], model, id=f"{path.stem}-{name}")
        for path in sorted([*R.glob("glm_*.json"), *R.glob("gee_*.json")])
        for fixture in [json.loads(path.read_text())]
        for name, model in fixture["models"].items()
    ]


def mixed_cases() -> list:
    return [
        pytest.param(fixture, fit, id=f"{path.stem}-{fit}")
        for path in sorted(R.glob("mixed_*.json"))
        for fixture in [json.loads(path.read_text())]
        for fit in ("reml", "ml")
    ]


def run(tmp_path: Path, csv: str, spec: dict) -> dict:
    spec_file, out = tmp_path / "spec.json", tmp_path / "result.json"
    spec_file.write_text(json.dumps(spec))
    data = R / Path(csv).name
    code = main(["analyse", "--data", str(data), "--spec", str(spec_file), "--out", str(out)])
    assert code == 0
    return json.loads(out.read_text())


@pytest.mark.parametrize(("csv", "model"), glm_and_gee_cases())
def test_glm_and_gee_reproduce_r(tmp_path, csv, model):
    result = run(tmp_path, csv, model["spec"])
    ours = {c["term"]: c for c in result["coefficients"]}
    assert set(ours) == set(model["coefficients"])
    for term, reference in model["coefficients"].items():
        for key in ("estimate", "se"):
            if key in reference:
                assert close(ours[term][key], reference[key]), (term, key)
    for key in ("theta", "scale", "working_correlation"):
        if key in model.get("statistics", {}) and key in result:
            assert close(result[key], model["statistics"][key]), key


@pytest.mark.parametrize(("fixture", "fit"), mixed_cases())
def test_mixed_models_reproduce_lme4(tmp_path, fixture, fit):
    result = run(tmp_path, fixture["csv"], fixture["spec"] | {"reml": fit == "reml"})
    reference = fixture[fit]
    ours = {c["term"]: c for c in result["coefficients"]}
    for term, r_name in zip(fixture["terms"], reference["fe"], strict=True):
        assert close(ours[term]["estimate"], reference["fe"][r_name]), term
        assert close(ours[term]["se"], reference["se"][r_name]), term
    assert close(result["variance_components"]["participant"], reference["var_participant"])
    assert close(result["variance_components"]["residual"], reference["var_residual"])
    assert abs(result["loglik"] - reference["loglik"]) <= 1e-3
