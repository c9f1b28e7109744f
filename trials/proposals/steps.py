"""The proposal's steps, in order, and how far each one is: the "check and submit" task list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from trials.proposals.checklist import Missing
from trials.proposals.models import Trial

COMPLETED, INCOMPLETE, NOT_STARTED = "Completed", "Incomplete", "Not started"


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    #: Whether the company has saved anything in this step yet.
    started: Callable[[Trial], bool]


STEPS: tuple[Step, ...] = (
    Step("about", "About the trial", lambda trial: True),
    Step("design", "Design and arms", lambda trial: bool(trial.arms)),
    Step(
        "sites",
        "Sites and recruitment",
        lambda trial: bool(trial.trial_sites or trial.recruitment_start or trial.recruitment_end),
    ),
    Step("eligibility", "Who can take part", lambda trial: trial.eligibility is not None),
    Step("visits", "Visit schedule", lambda trial: bool(trial.visits)),
    Step("measures", "Outcome measures", lambda trial: bool(trial.measures)),
)
BY_SLUG = {step.slug: step for step in STEPS}


def next_step(slug: str) -> Step | None:
    """The step after ``slug``, or ``None`` after the last one."""
    index = [step.slug for step in STEPS].index(slug)
    return STEPS[index + 1] if index + 1 < len(STEPS) else None


def step_statuses(trial: Trial, missing: Sequence[Missing]) -> list[tuple[Step, str]]:
    """Each step with Completed, Incomplete (started, still missing something) or Not started."""
    gaps = {item.step for item in missing}
    statuses = []
    for step in STEPS:
        if not step.started(trial):
            status = NOT_STARTED
        else:
            status = INCOMPLETE if step.slug in gaps else COMPLETED
        statuses.append((step, status))
    return statuses
