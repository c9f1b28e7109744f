"""Read helpers for finding trials by who they are for and which ICS outcome they serve."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, literal_column, select, union_all
from sqlalchemy.orm import Session
from wtforms import SelectChoice

from livinglab.participants.models import Condition
from livinglab.sites.models import Site
from trials.eligibility.models import EligibilityCriteria, eligibility_required_conditions
from trials.proposals.models import IcsOutcome, Trial, trial_ics_outcomes


def requires_condition(code: str) -> ColumnElement[bool]:
    """SQL over ``Trial``: its criteria require the condition with this code."""
    required = eligibility_required_conditions.c
    return (
        select(EligibilityCriteria.id)
        .join(eligibility_required_conditions, required.criteria_id == EligibilityCriteria.id)
        .join(Condition, Condition.id == required.condition_id)
        .where(EligibilityCriteria.trial_id == Trial.id, Condition.code == code)
        .exists()
    )


def serves_ics_outcome(code: str) -> ColumnElement[bool]:
    """SQL over ``Trial``: it says it serves the ICS outcome with this code."""
    served = trial_ics_outcomes.c
    return (
        select(served.trial_id)
        .join(IcsOutcome, IcsOutcome.id == served.ics_outcome_id)
        .where(served.trial_id == Trial.id, IcsOutcome.code == code)
        .exists()
    )


@dataclass(frozen=True)
class FinderChoices:
    """What the trial finder's filters offer, each list without its "any" option."""

    sites: list[SelectChoice]
    conditions: list[SelectChoice]
    ics_outcomes: list[SelectChoice]


def finder_choices(session: Session) -> FinderChoices:
    """The active sites, the active conditions (by name) and the ICS outcomes (in plan
    order), in one query: the finder is a public page and its queries stay few."""
    sites = select(
        literal_column("'site'").label("kind"),
        Site.code,
        Site.name,
        Site.id.label("position"),
    ).where(Site.is_active.is_(True))
    conditions = select(
        literal_column("'condition'"), Condition.code, Condition.name, literal_column("0")
    ).where(Condition.is_active.is_(True))
    outcomes = select(
        literal_column("'ics_outcome'"), IcsOutcome.code, IcsOutcome.short_name, IcsOutcome.position
    )
    rows = session.execute(
        union_all(sites, conditions, outcomes).order_by("kind", "position", "name")
    )
    found: dict[str, list[SelectChoice]] = {"site": [], "condition": [], "ics_outcome": []}
    for kind, code, name, _position in rows:
        found[kind].append(SelectChoice(code, name))
    return FinderChoices(found["site"], found["condition"], found["ics_outcome"])
