"""``python -m evaluation analyse`` reproduces the published reference analyses.

The command is run in-process through ``main`` for the numbers and once as a real
subprocess, as an auditor would, to show bad input never prints a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.cli import main

REFERENCE = Path(__file__).parent / "reference"


def close(ours: float, reference: float) -> bool:
    """The tolerance rule of reference/README.md: 1e-4 absolute plus 1e-3 relative."""
    return abs(ours - reference) <= 1e-4 + 1e-3 * abs(reference)


def run(tmp_path: Path, spec: dict, data: Path) -> tuple[int, dict | None]:
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(spec))
    out = tmp_path / "result.json"
    code = main(["analyse", "--data", str(data), "--spec", str(spec_file), "--out", str(out)])
    return code, json.loads(out.read_text()) if out.exists() else None


ANCOVA = {
    "model": "ancova",
    "outcome": "outcome",
    "participant": "participant_id",
    "arm": "arm",
    "control": "Cont",
    "covariates": ["baseline"],
}


def test_ancova_reproduces_r_for_anorexia(tmp_path):
    published = json.loads((REFERENCE / "anorexia.json").read_text())["references"]
    code, result = run(tmp_path, ANCOVA, REFERENCE / "anorexia.csv")
    assert code == 0
    terms = {c["term"]: c for c in result["coefficients"]}
    names = {"Intercept": "Intercept", "baseline": "baseline"}
    names |= {"arm[CBT]": "arm_CBT", "arm[FT]": "arm_FT"}
    assert set(terms) == set(names)
    for term, key in names.items():
        estimate, se = published["coef"][key]
        assert close(terms[term]["estimate"], estimate), term
        assert close(terms[term]["se"], se), term
        assert terms[term]["ci_low"] < estimate < terms[term]["ci_high"]
        assert 0 <= terms[term]["p"] <= 1
    assert close(result["residual_se"], published["residual_se"])
    assert close(result["r_squared"], published["r_squared"])
    assert close(result["f_statistic"], published["f_stat"])
    assert result["df_resid"] == published["df_resid"]
    assert result["n_participants"] == result["n_observations"] == 72


def test_result_records_fingerprint_and_versions_and_repeats_exactly(tmp_path):
    _, first = run(tmp_path, ANCOVA, REFERENCE / "anorexia.csv")
    _, second = run(tmp_path, ANCOVA, REFERENCE / "anorexia.csv")
    assert first == second
    assert len(first["fingerprint"]) == 64
    assert set(first["versions"]) >= {"python", "pandas", "numpy", "statsmodels"}


def test_reordered_rows_give_the_same_fingerprint(tmp_path):
    import pandas as pd

    shuffled = tmp_path / "shuffled.csv"
    pd.read_csv(REFERENCE / "anorexia.csv").sample(frac=1, random_state=1).to_csv(
        shuffled, index=False
    )
    _, original = run(tmp_path, ANCOVA, REFERENCE / "anorexia.csv")
    _, reordered = run(tmp_path, ANCOVA, shuffled)
    assert original["fingerprint"] == reordered["fingerprint"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"outcome": "weight"}, "Column(s) not in the data: weight"),
        ({"control": "Placebo"}, "control level 'Placebo' is not in column 'arm'"),
        ({"model": "anova"}, '"model" must be one of'),
        ({"family": "binomial"}, "The ancova model takes family gaussian"),
        ({"covariates": ["baseline", "baseline2"]}, "baseline2"),
    ],
)
def test_bad_spec_gives_a_clear_message_and_non_zero_exit(tmp_path, capsys, change, message):
    code, result = run(tmp_path, ANCOVA | change, REFERENCE / "anorexia.csv")
    assert code == 1
    assert result is None
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert message in err
    assert "Traceback" not in err


def test_a_missing_data_file_is_reported(tmp_path, capsys):
    code, _ = run(tmp_path, ANCOVA, tmp_path / "nowhere.csv")
    assert code == 1
    assert "No data file at" in capsys.readouterr().err


def test_the_module_runs_as_a_command_without_a_traceback(tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text("{not json")
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "evaluation",
            "analyse",
            "--data",
            str(REFERENCE / "anorexia.csv"),
            "--spec",
            str(spec),
            "--out",
            str(tmp_path / "out.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "is not valid JSON" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("fit", ["reml", "ml"])
def test_mixed_model_reproduces_lme4_for_dietox(tmp_path, fit):
    published = json.loads((REFERENCE / "dietox.json").read_text())["references"][fit]
    spec = {
        "model": "mixed",
        "outcome": "outcome",
        "participant": "participant_id",
        "arm": None,
        "covariates": ["visit"],
        "reml": fit == "reml",
    }
    code, result = run(tmp_path, spec, REFERENCE / "dietox.csv")
    assert code == 0
    terms = {c["term"]: c for c in result["coefficients"]}
    for term, estimate, se in zip(
        ("Intercept", "visit"), published["fe"], published["se"], strict=True
    ):
        assert close(terms[term]["estimate"], estimate), term
        assert close(terms[term]["se"], se), term
    assert close(result["variance_components"]["participant"], published["var_re"])
    assert close(result["variance_components"]["residual"], published["scale"])
    assert abs(result["loglik"] - published["loglik"]) <= 0.0005 + 1e-9
    assert result["n_participants"] == 72 and result["n_observations"] == 861


def test_the_python_api_gives_the_cli_numbers():
    import pandas as pd

    from evaluation.stats.engine import analyse

    frame = pd.read_csv(REFERENCE / "anorexia.csv")
    result = analyse(frame, ANCOVA)
    published = json.loads((REFERENCE / "anorexia.json").read_text())["references"]["coef"]
    assert close(result.coefficient("arm[FT]").estimate, published["arm_FT"][0])
    assert close(result.coefficient("arm[FT]").se, published["arm_FT"][1])
