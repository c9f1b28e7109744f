"""Reads for the adverse event pages, limited in SQL to the researcher's own sites."""

from __future__ import annotations

from collections.abc import Collection

from flask import abort
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager

from livinglab.accounts.models import User
from trials.enrolment.models import Enrolment
from trials.safety.models import AdverseEvent


def query_trial_events(trial_id: int, site_ids: Collection[int]) -> Select[tuple[AdverseEvent]]:
    """The trial's adverse events at ``site_ids``: serious first, then the latest onset."""
    return (
        select(AdverseEvent)
        .join(AdverseEvent.enrolment)
        .where(AdverseEvent.trial_id == trial_id, Enrolment.site_id.in_(site_ids))
        .options(contains_eager(AdverseEvent.enrolment))
        .order_by(
            AdverseEvent.is_serious.desc(), AdverseEvent.onset_on.desc(), AdverseEvent.id.desc()
        )
    )


def count_serious(session: Session, trial_id: int, site_ids: Collection[int]) -> int:
    return session.scalar(
        select(func.count(AdverseEvent.id))
        .join(AdverseEvent.enrolment)
        .where(
            AdverseEvent.trial_id == trial_id,
            AdverseEvent.is_serious.is_(True),
            Enrolment.site_id.in_(site_ids),
        )
    )


def get_site_event_or_404(session: Session, event_id: int, *, for_user: User) -> AdverseEvent:
    """The event if its participant is at one of ``for_user``'s sites; else 404."""
    event = session.scalar(
        select(AdverseEvent)
        .join(AdverseEvent.enrolment)
        .where(AdverseEvent.id == event_id, Enrolment.site_id.in_(for_user.site_ids))
        .options(contains_eager(AdverseEvent.enrolment))
    )
    if event is None:
        abort(404)
    return event
