"""What a proposal still lacks before the company can submit it, in plain words.

Pure: reads a trial loaded with its details (:func:`trials.queries.trial_with_details`)
and a date; the submit service refuses while the list is not empty, and the proposal page
shows the same list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trials.proposals.models import Trial
from trials.proposals.section_rules import ArmDraft, design_problem


@dataclass(frozen=True)
class Missing:
    """One thing to do, the step page that does it and the id of the box on that page."""

    text: str
    step: str
    anchor: str


def missing_items(trial: Trial, today: dt.date) -> list[Missing]:
    """Everything the proposal needs before submission, in the order of the form."""
    found: list[Missing] = []

    def need(condition: bool, text: str, step: str, anchor: str) -> None:
        if not condition:
            found.append(Missing(text, step, anchor))

    need(bool(trial.aims.strip()), "Write the trial's aims", "about", "aims")
    need(
        bool(trial.target_population.strip()),
        "Describe the population the trial is for",
        "about",
        "target_population",
    )
    need(bool(trial.funding.strip()), "Say how the trial is funded", "about", "funding")
    need(bool(trial.ics_outcomes), "Choose at least one ICS outcome", "about", "ics_outcomes")
    found.extend(_design_items(trial))
    start, end = trial.recruitment_start, trial.recruitment_end
    need(
        any(ts.target > 0 for ts in trial.trial_sites),
        "Ask for a number of participants at one or more sites",
        "sites",
        "sites",
    )
    need(
        start is not None and end is not None,
        "Give the recruitment window: the start and end dates",
        "sites",
        "recruitment_start-day",
    )
    need(
        start is None or start >= today,
        "Move the recruitment start date to today or later: it has passed",
        "sites",
        "recruitment_start-day",
    )
    criteria = trial.eligibility
    need(
        criteria is not None and criteria.min_age is not None and criteria.max_age is not None,
        "Set the eligibility criteria, including the youngest and oldest age",
        "eligibility",
        "min_age",
    )
    found.extend(_schedule_items(trial))
    return found


def _design_items(trial: Trial) -> list[Missing]:
    if not trial.arms:
        return [Missing("Describe the trial's design and its arms", "design", "design")]
    arms = [ArmDraft(arm.name, arm.ratio, arm.is_control) for arm in trial.arms]
    problem = design_problem(trial.design, arms, trial.washout_days)
    if problem is None:
        return []
    return [Missing(f"Fix the design: {problem[1][0].lower()}{problem[1][1:]}", "design", "design")]


def _schedule_items(trial: Trial) -> list[Missing]:
    found = []
    visits = trial.visits
    if not (visits and visits[0].is_baseline and len(visits) > 1):
        found.append(
            Missing(
                "Plan a baseline visit and at least one later visit",
                "visits",
                "visits-0-name",
            )
        )
    primary = trial.primary_measure
    if primary is None:
        found.append(Missing("Mark a primary outcome", "measures", "measures-0-is_primary"))
    for index, measure in enumerate(trial.measures):
        taken = measure.visits or visits
        if (
            measure.is_primary
            and len(visits) > 1
            and not (any(v.is_baseline for v in taken) and any(not v.is_baseline for v in taken))
        ):
            found.append(
                Missing(
                    f"Take the primary outcome, {measure.name}, at the baseline and a later visit",
                    "measures",
                    f"measures-{index}-visit_ids",
                )
            )
        elif not taken:
            found.append(
                Missing(
                    f"Choose the visits where {measure.name} is taken",
                    "measures",
                    f"measures-{index}-visit_ids",
                )
            )
    return found


def missing_for_submission(trial: Trial, today: dt.date) -> list[str]:
    """The plain-words list of what is missing; empty when the proposal can be submitted."""
    return [item.text for item in missing_items(trial, today)]
