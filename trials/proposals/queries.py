"""Reads for the company's proposal pages: its trials, review comments, recruitment totals."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload
from wtforms import SelectChoice

from livinglab.participants.models import Condition
from livinglab.products.models import Product
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.proposals.models import IcsOutcome, Trial
from trials.review.models import ReviewDecision

#: Enrolment statuses that count as recruited in the company's totals.
RECRUITED = (
    EnrolmentStatus.RANDOMISED,
    EnrolmentStatus.ACTIVE,
    EnrolmentStatus.COMPLETED,
    EnrolmentStatus.WITHDRAWN,
    EnrolmentStatus.LOST_TO_FOLLOW_UP,
)


def query_organisation_trials(organisation_id: int | None) -> Select[tuple[Trial]]:
    """The organisation's trials, newest first, with the product for the list."""
    return (
        select(Trial)
        .where(Trial.organisation_id == organisation_id)
        .options(selectinload(Trial.product))
        .order_by(Trial.created_at.desc(), Trial.id.desc())
    )


def organisation_products(session: Session, organisation_id: int | None) -> list[Product]:
    return list(
        session.scalars(
            select(Product).where(Product.organisation_id == organisation_id).order_by(Product.name)
        )
    )


def ics_outcome_choices(session: Session) -> list[SelectChoice]:
    """The Dorset ICS outcomes as checkboxes, in the plan's order, with their short name."""
    rows = session.scalars(select(IcsOutcome).order_by(IcsOutcome.position))
    return [SelectChoice(row.code, f"{row.short_name}: {row.title}") for row in rows]


def condition_choices(session: Session, keep: Trial | None = None) -> list[SelectChoice]:
    """Active conditions as checkboxes, by name, plus any retired one ``keep`` still uses."""
    criteria = keep.eligibility if keep is not None else None
    kept = (
        [c.id for c in (*criteria.required_conditions, *criteria.excluded_conditions)]
        if criteria is not None
        else []
    )
    rows = session.execute(
        select(Condition.code, Condition.name)
        .where(or_(Condition.is_active, Condition.id.in_(kept)))
        .order_by(Condition.name)
    )
    return [SelectChoice(code, name) for code, name in rows]


def review_history(session: Session, trial_id: int) -> list[ReviewDecision]:
    """Review decisions on the trial, oldest first (the reviewer is joined in)."""
    return list(
        session.scalars(
            select(ReviewDecision)
            .where(ReviewDecision.trial_id == trial_id)
            .order_by(ReviewDecision.decided_at, ReviewDecision.id)
        )
    )


def recruited_by_site(session: Session, trial_id: int) -> dict[int, int]:
    """Site id -> participants randomised there: an aggregate, never identities."""
    rows = session.execute(
        select(Enrolment.site_id, func.count())
        .where(Enrolment.trial_id == trial_id, Enrolment.status.in_(RECRUITED))
        .group_by(Enrolment.site_id)
    )
    return {site_id: n for site_id, n in rows}


#: Counts below this are shown as "fewer than 5" to companies, so nobody can be singled out.
SMALL_COUNT = 5


def suppress_small(count: int) -> str:
    """A count for the company's eyes: 0, "fewer than 5", or the number."""
    return "fewer than 5" if 0 < count < SMALL_COUNT else str(count)
