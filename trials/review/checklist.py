"""The review checklist: six items research staff rate before a proposal can be approved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from trials.permissions import is_site_researcher
from trials.proposals.models import Trial
from trials.review.models import ChecklistRating, ReviewAssessment
from trials.states import TrialStatus

MAX_NOTE = 2000

#: States in which the checklist may be changed.
EDITABLE = frozenset({TrialStatus.SUBMITTED, TrialStatus.IN_REVIEW})


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str
    hint: str


CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "scientific_value",
        "Scientific value",
        "Does the trial ask a question worth answering, with a design that can answer it?",
    ),
    ChecklistItem(
        "ics_fit",
        "Fit to the Dorset ICS outcomes",
        "Does it serve the outcomes it claims from the Joint Forward Plan?",
    ),
    ChecklistItem(
        "site_feasibility",
        "Feasibility at the site",
        "Can the site recruit the target, with the staff, rooms and time the visits need?",
    ),
    ChecklistItem(
        "participant_burden",
        "Participant burden",
        "Are the visits, questionnaires and travel reasonable for the people it is for?",
    ),
    ChecklistItem(
        "ethics_readiness",
        "Ethics and regulatory readiness",
        "Is the product's regulatory status right, and is the trial ready for ethics review?",
    ),
    ChecklistItem(
        "data_protection",
        "Data protection",
        "Does the company get only the pseudonymised data it needs, under a lawful basis?",
    ),
)
ITEMS = {item.code: item for item in CHECKLIST}


@dataclass(frozen=True)
class Rating:
    """What a reviewer gave one item: a rating (or none yet) and a note."""

    rating: ChecklistRating | None
    note: str = ""


def rating_problem(item: ChecklistItem, rating: Rating) -> tuple[str, str] | None:
    """(field, message) when the rating breaks a rule, else ``None``; shared with the form."""
    note = rating.note.strip()
    if len(note) > MAX_NOTE:
        return (
            f"{item.code}_note",
            f"The note on {item.label.lower()} must be {MAX_NOTE} characters or fewer",
        )
    if rating.rating is None and note:
        return f"{item.code}_rating", f"Select a rating for {item.label.lower()} to save its note"
    if rating.rating in (ChecklistRating.CONCERNS, ChecklistRating.NOT_MET) and not note:
        return f"{item.code}_note", f"Say what the concern about {item.label.lower()} is"
    return None


def assessments_for(session: Session, trial_id: int) -> dict[str, ReviewAssessment]:
    """Item code -> the current rating, for the items rated so far (reviewer joined in)."""
    rows = session.scalars(select(ReviewAssessment).where(ReviewAssessment.trial_id == trial_id))
    return {row.item: row for row in rows}


def checklist_problems(assessments: Mapping[str, ReviewAssessment]) -> list[str]:
    """Why the checklist does not yet allow approval: unrated and not-met items, in words."""
    unrated = [item.label for item in CHECKLIST if item.code not in assessments]
    not_met = [
        item.label
        for item in CHECKLIST
        if item.code in assessments and assessments[item.code].rating is ChecklistRating.NOT_MET
    ]
    problems = []
    if unrated:
        problems.append(f"Not rated yet: {', '.join(unrated)}.")
    if not_met:
        problems.append(f"Rated not met: {', '.join(not_met)}.")
    return problems


def require_checklist_complete(session: Session, trial: Trial) -> None:
    """Refuse approval until every item is rated and none is "not met".

    Raises:
        InvalidInput: on ``checklist``, listing the items that stop approval.
    """
    problems = checklist_problems(assessments_for(session, trial.id))
    if problems:
        raise InvalidInput(
            "checklist",
            "Rate every item on the review checklist, with none not met, before approving. "
            + " ".join(problems),
        )


def _values(row: ReviewAssessment | None) -> dict[str, str] | None:
    if row is None:
        return None
    return {"item": row.item, "rating": row.rating.value, "note": row.note}


def rate_checklist(
    session: Session, trial: Trial, *, actor: User, ratings: Mapping[str, Rating]
) -> list[ReviewAssessment]:
    """Save the reviewer's ratings; each changed item is audited with its old and new value.

    Items given no rating (and no note) are left as they are.

    Args:
        ratings: item code -> :class:`Rating`.

    Returns:
        The assessments that changed.

    Raises:
        NotPermitted: the actor is not research staff at one of the trial's sites.
        IllegalTransition: the proposal is not submitted or in review.
        InvalidInput: ``<code>_rating`` or ``<code>_note`` for a rating that breaks a rule.
    """
    if not is_site_researcher(actor, trial):
        raise NotPermitted("Only research staff at a site this trial asks for can review it.")
    if trial.status not in EDITABLE:
        raise IllegalTransition(
            "The checklist can only be changed while the proposal is submitted or in review."
        )
    for code, rating in ratings.items():
        if code not in ITEMS:
            raise InvalidInput(f"{code}_rating", "Select an item from the checklist")
        problem = rating_problem(ITEMS[code], rating)
        if problem:
            raise InvalidInput(*problem)
    current = assessments_for(session, trial.id)
    changed = []
    for item in CHECKLIST:
        rating = ratings.get(item.code)
        if rating is None or rating.rating is None:
            continue
        row = current.get(item.code)
        old = _values(row)
        note = rating.note.strip()
        if row is not None and row.rating is rating.rating and row.note == note:
            continue
        if row is None:
            row = ReviewAssessment(trial_id=trial.id, item=item.code)
            session.add(row)
        row.rating, row.note, row.reviewer_id, row.updated_at = (
            rating.rating,
            note,
            actor.id,
            utcnow(),
        )
        session.flush()
        record(
            session,
            actor=actor,
            action="review.checklist_rated",
            object_type="review_assessment",
            object_id=row.id,
            trial_id=trial.id,
            old=old,
            new=_values(row),
        )
        changed.append(row)
    return changed
