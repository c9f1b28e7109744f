"""What a proposal still lacks before the company can submit it, in plain words.

Pure: reads a trial loaded with its details (:func:`trials.queries.trial_with_details`)
and a date; the submit service refuses while the list is not empty, and the proposal page
shows the same list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trials.proposals.models import Trial


@dataclass(frozen=True)
class Missing:
    """One thing to do, and the id of the edit page element that does it."""

    text: str
    anchor: str


def missing_items(trial: Trial, today: dt.date) -> list[Missing]:
    """Everything the proposal needs before submission, in the order of the form."""
    found: list[Missing] = []

    def need(condition: bool, text: str, anchor: str) -> None:
        if not condition:
            found.append(Missing(text, anchor))

    need(bool(trial.aims.strip()), "Write the trial's aims", "aims")
    need(
        bool(trial.target_population.strip()),
        "Describe the population the trial is for",
        "target_population",
    )
    need(bool(trial.funding.strip()), "Say how the trial is funded", "funding")
    need(bool(trial.ics_outcomes), "Choose at least one ICS outcome", "ics_outcomes")
    need(trial.primary_measure is not None, "Mark a primary outcome", "outcome_name")
    criteria = trial.eligibility
    need(
        criteria is not None and criteria.min_age is not None and criteria.max_age is not None,
        "Set the eligibility criteria, including the youngest and oldest age",
        "min_age",
    )
    start, end = trial.recruitment_start, trial.recruitment_end
    need(
        start is not None and end is not None,
        "Give the recruitment window: the start and end dates",
        "recruitment_start-day",
    )
    need(
        start is None or start >= today,
        "Move the recruitment start date to today or later: it has passed",
        "recruitment_start-day",
    )
    need(
        any(ts.target > 0 for ts in trial.trial_sites),
        "Ask for a number of participants at one or more sites",
        "sites",
    )
    return found


def missing_for_submission(trial: Trial, today: dt.date) -> list[str]:
    """The plain-words list of what is missing; empty when the proposal can be submitted."""
    return [item.text for item in missing_items(trial, today)]
