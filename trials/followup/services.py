"""Visit schedules: made for each participant when they are randomised."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert
from sqlalchemy.orm import Session

from trials.enrolment.models import Enrolment
from trials.followup.models import ScheduledVisit, VisitStatus
from trials.proposals.models import TrialVisit


def schedule_visits(
    session: Session, enrolment: Enrolment, visits: list[TrialVisit], *, start: dt.date
) -> int:
    """Plan every follow-up visit of the trial from ``start`` (the randomisation day).

    The baseline visit happens before randomisation, so it is not scheduled. One INSERT
    for all rows. Returns the number of visits scheduled.
    """
    rows = [
        {
            "trial_id": enrolment.trial_id,
            "enrolment_id": enrolment.id,
            "visit_id": visit.id,
            "due_on": start + dt.timedelta(days=visit.day_offset),
            "window_days": visit.window_days,
            "status": VisitStatus.SCHEDULED,
        }
        for visit in visits
        if not visit.is_baseline
    ]
    if rows:
        session.execute(insert(ScheduledVisit), rows)
    return len(rows)
