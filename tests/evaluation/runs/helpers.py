"""Helpers shared by the evaluation page tests: the participants-per-arm table as text."""

from __future__ import annotations

from evaluation.runs.models import AnalysisRun
from trials.proposals.models import Trial


def arm_table(trial: Trial, run: AnalysisRun) -> str:
    """The text of the 'Participants per arm' table: randomised and analysed, control first."""
    block = run.result.get("primary", run.result)
    rows = " ".join(
        f"{arm.name}{' (control)' if arm.is_control else ''} "
        f"{block['n_randomised_by_arm'][arm.name]} {block['n_by_arm'][arm.name]}"
        for arm in trial.arms
    )
    return f"Participants per arm Arm Randomised Analysed {rows}"
