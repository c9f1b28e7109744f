"""The trials' reference data: the Dorset ICS Joint Forward Plan outcomes, seeded idempotently."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from trials.proposals.models import IcsOutcome

#: (code, short name, the outcome as Our Dorset's Joint Forward Plan words it).
ICS_OUTCOMES: tuple[tuple[str, str, str], ...] = (
    (
        "mental_health",
        "Mental health",
        "Improve the lives of 100,000 people affected by poor mental health",
    ),
    (
        "childhood_weight",
        "Healthy weight in children",
        "Prevent 55,000 children becoming overweight by 2040",
    ),
    (
        "life_expectancy_gap",
        "Healthy life expectancy gap",
        "Reduce the healthy life expectancy gap from 19 to 15 years by 2043",
    ),
    (
        "living_independently",
        "Older people living well",
        "Increase the share of older people living well and independently",
    ),
    (
        "healthy_life_years",
        "Healthy life years",
        "Add 100,000 healthy life years by 2033",
    ),
)


def ensure_ics_outcomes(session: Session) -> None:
    """Add any ICS outcome that is missing; change nothing staff edited."""
    existing = set(session.scalars(select(IcsOutcome.code)))
    session.add_all(
        IcsOutcome(code=code, position=position, short_name=short, title=title)
        for position, (code, short, title) in enumerate(ICS_OUTCOMES, start=1)
        if code not in existing
    )
    session.flush()
